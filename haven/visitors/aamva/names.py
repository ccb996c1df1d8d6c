"""Names on a licence: suffixes, the version-01 full name, given and middle names, display case.

Part of :mod:`haven.visitors.aamva`; see its docstring.
"""

from __future__ import annotations

import re

# ---------------------------------------------------------------------------------------------
# Names

_SUFFIXES = frozenset("JR SR II III IV VI VII VIII IX 1ST 2ND 3RD 4TH 5TH 6TH 7TH 8TH 9TH".split())
# Only where the position says "suffix" (DCU, DAA's fourth part) are these read as one.
_POSITIONAL_SUFFIXES = _SUFFIXES | {"I", "V"}
_TRAILING_SUFFIX = re.compile(r"^(.*?\S)[\s,]+([A-Za-z0-9]{1,4})\.?$")
_EMPTY_NAMES = frozenset("NONE UNAVL UNAVAILABLE NFN NMN NLN FNU LNU MNU".split())


def _tidy(value: str) -> str:
    value = re.sub(r"\s+", " ", value).strip(" ,$@")
    return "" if value.upper() in _EMPTY_NAMES else value


def _tidy_middle(value: str) -> str:
    return _tidy(re.sub(r"\s*[,$@]\s*", " ", value))


def _split_suffix(name: str) -> tuple[str, str]:
    m = _TRAILING_SUFFIX.match(name)
    if m and m.group(2).upper() in _SUFFIXES:
        return m.group(1).strip(" ,"), m.group(2)
    return name, ""


def _tidy_suffix(value: str) -> str:
    value = _tidy(value).rstrip(".")
    return "" if value.upper() in _EMPTY_NAMES else value


def _split_given(value: str) -> tuple[str, str]:
    """DCT (versions 02-03): "FIRST,MIDDLE", "FIRST MIDDLE" or "FIRST$MIDDLE"."""
    value = value.strip(" ,$")
    parts = re.split(r"\s*[,$@]\s*", value, maxsplit=1)
    if len(parts) == 1:
        parts = value.split(None, 1)
    first = _tidy(parts[0]) if parts else ""
    middle = _tidy_middle(parts[1]) if len(parts) > 1 else ""
    return first, middle


def _split_full_name(value: str) -> tuple[str, str, str, str]:
    """DAA (version 01): "LAST,FIRST,MIDDLE,SUFFIX" ("$" or "@" in place of ","), or
    "FIRST MIDDLE LAST" when written as printed. Returns (last, first, middle, suffix)."""
    value = value.strip(" ,$@")
    if re.search(r"[,$@]", value):
        parts = [p.strip() for p in re.split(r"[,$@]", value)]
        last = parts[0]
        first = parts[1] if len(parts) > 1 else ""
        rest = [p for p in parts[2:] if p]
        suffix = ""
        if rest and rest[-1].rstrip(".").upper() in _POSITIONAL_SUFFIXES and len(parts) > 3:
            suffix = rest.pop().rstrip(".")
        if not rest and " " in first:
            first, middle = first.split(None, 1)
            rest = [middle]
        last, embedded = _split_suffix(last)
        return _tidy(last), _tidy(first), _tidy_middle(" ".join(rest)), suffix or embedded
    tokens = value.split()
    suffix = ""
    if len(tokens) > 2 and tokens[-1].rstrip(".").upper() in _SUFFIXES:
        suffix = tokens.pop().rstrip(".")
    if len(tokens) == 1:
        return _tidy(tokens[0]), "", "", suffix
    if not tokens:
        return "", "", "", suffix
    return _tidy(tokens[-1]), _tidy(tokens[0]), _tidy(" ".join(tokens[1:-1])), suffix


def display_case(name: str) -> str:
    """Title case for display: "O'BRIEN-GARCIA" -> "O'Brien-Garcia", "DE LA CRUZ" -> "De La Cruz".

    Only for showing; Mc/Mac and particles are not guessed at ("MCDANIEL" -> "Mcdaniel").
    """
    words = []
    for word in name.split():
        if word.upper() in _SUFFIXES:
            words.append(_display_suffix(word))
        else:
            words.append(re.sub(r"[^\W\d_]+", lambda m: m.group(0).capitalize(), word))
    return " ".join(words)


def _display_suffix(suffix: str) -> str:
    upper = suffix.upper()
    if upper in {"JR", "SR"}:
        return upper.capitalize()
    if upper[:1].isdigit():
        return upper.lower()
    return upper
