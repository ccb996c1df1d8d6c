"""The small Markdown the training content is written in, rendered safely.

Paragraphs (blank lines between), ``### `` sub-headings, ``- `` and ``1. `` lists, ``**strong**``,
``*emphasis*`` and ``[text](https://…)`` links. Everything else is text: the input is escaped
first, so no HTML in a content folder reaches a page. That is all the modules need, and a page's
Content-Security-Policy forbids what a fuller Markdown would allow (inline styles, scripts).
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")
_STRONG = re.compile(r"\*\*([^*\n]+)\*\*")
_EM = re.compile(r"(?<![*\w])\*([^*\n]+)\*(?![*\w])")
_BULLET = re.compile(r"^[-*] (.*)$")
_NUMBER = re.compile(r"^\d{1,3}[.)] (.*)$")


def problem(text: str) -> str | None:
    """Why ``text`` is not acceptable content, or None."""
    for _label, url in _LINK.findall(text):
        if not url.startswith("https://"):
            return f"link to {url[:60]!r}: only https:// addresses"
    return None


def _inline(text: str) -> str:
    out = str(escape(text))

    def link(match: re.Match[str]) -> str:
        url = match.group(2)
        if not url.startswith("https://"):
            return match.group(0)
        return f'<a href="{url}" rel="noopener noreferrer">{match.group(1)}</a>'

    out = _LINK.sub(link, out)
    out = _STRONG.sub(r"<strong>\1</strong>", out)
    return _EM.sub(r"<em>\1</em>", out)


def render(text: str) -> SafeString:
    """HTML for ``text`` (escaped, then the subset above)."""
    html: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []
    list_tag = ""

    def flush() -> None:
        nonlocal list_tag
        if paragraph:
            html.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph.clear()
        if items:
            inner = "".join(f"<li>{_inline(i)}</li>" for i in items)
            html.append(f"<{list_tag}>{inner}</{list_tag}>")
            items.clear()
            list_tag = ""

    for raw in text.splitlines():
        line = raw.strip()
        bullet, number = _BULLET.match(line), _NUMBER.match(line)
        if not line:
            flush()
        elif line.startswith("### "):
            flush()
            html.append(f"<h4>{_inline(line[4:])}</h4>")
        elif bullet or number:
            tag = "ul" if bullet else "ol"
            if paragraph or (list_tag and list_tag != tag):
                flush()
            list_tag = tag
            items.append((bullet or number).group(1))  # type: ignore[union-attr]
        elif items and raw.startswith((" ", "\t")):
            items[-1] += " " + line  # a list item continued on the next line
        else:
            if items:
                flush()
            paragraph.append(line)
    flush()
    return mark_safe("\n".join(html))  # noqa: S308 - built from escaped text only
