"""Charts drawn on the server with reportlab's graphics: the same drawing goes inline into a page
as SVG and into the PDF.

The SVG is made accessible and self-contained: ``role="img"`` with its title and a description
(the data table beside it is the full alternative), ids made unique per chart, black turned into
``currentColor`` so that text and axes follow the page's colours in dark mode, and a width that
follows the screen (on a phone too). No script, no font or image from anywhere."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe
from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

ACCENT = colors.HexColor("#5a3fc0")  # the product's one accent colour
WIDTH = 460
BAR = 18
LABEL_CHARS = 28


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def bar_chart(labels: Sequence[str], values: Sequence[float | None]) -> Drawing:
    """A horizontal bar chart, one bar per label (anything but a number — a suppressed or
    missing figure — drawn as 0; the table beside the chart says which), its value written at the
    bar's end."""
    numbers = [
        float(v) if isinstance(v, int | float) and not isinstance(v, bool) else 0.0 for v in values
    ]
    rows = max(len(labels), 1)
    height = rows * (BAR + 8) + 30
    drawing = Drawing(WIDTH, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = 170, 20
    chart.width, chart.height = WIDTH - 220, height - 30
    # The first label at the top, as in the table beside it.
    chart.data = [list(reversed(numbers)) or [0]]
    chart.categoryAxis.categoryNames = [_short(str(x)) for x in reversed(labels)] or [""]
    chart.categoryAxis.labels.fontName = "Helvetica"
    chart.categoryAxis.labels.fontSize = 9
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max([*numbers, 1]) * 1.15
    # No value axis: each bar carries its value, and the SVG stays small and quick to draw.
    chart.valueAxis.visible = False
    chart.categoryAxis.visibleTicks = False
    chart.bars[0].fillColor = ACCENT
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = lambda v: f"{v:g}"
    chart.barLabels.fontSize = 8
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    drawing.add(chart)
    if not labels:
        drawing.add(String(WIDTH / 2, height / 2, "—", textAnchor="middle"))
    return drawing


_PROLOG = re.compile(r"^.*?(?=<svg\b)", re.S)
_STYLE = re.compile(r'\sstyle="([^"]*)"')
_PROPERTY = re.compile(r"^[a-z-]+$")


def _attributes(found: re.Match[str]) -> str:
    """A style attribute as presentation attributes: the page's Content-Security-Policy allows no
    inline style, and SVG reads ``fill="…"`` as it reads ``style="fill: …"``."""
    out = []
    for declaration in found[1].split(";"):
        name, _sep, value = declaration.partition(":")
        name, value = name.strip(), value.strip()
        if name and value and _PROPERTY.match(name) and '"' not in value:
            out.append(f' {name}="{value}"')
    return "".join(out)


_BLACK = re.compile(r"rgb\(0%,\s*0%,\s*0%\)")


@lru_cache(maxsize=256)
def bar_svg(
    labels: tuple[str, ...], values: tuple[Any, ...], slug: str, title: str, description: str
) -> SafeString:
    """:func:`bar_chart` as inline SVG, kept for the same figures (drawing is the slow part of a
    report page; the same figures always draw the same chart)."""
    return svg(bar_chart(labels, values), slug, title, description)


def svg(drawing: Drawing, slug: str, title: str, description: str = "") -> SafeString:
    """The drawing as inline SVG markup: ``role="img"``, titled, unique ids, colours that follow
    the page. Every text in it was escaped by reportlab's SVG writer; ``title`` and
    ``description`` are escaped here."""
    text = renderSVG.drawToString(drawing)
    text = _PROLOG.sub("", text, count=1)
    ident = re.sub(r"[^a-z0-9-]", "-", slug.lower())
    text = text.replace('id="clip"', f'id="{ident}-clip"').replace(
        "url(#clip)", f"url(#{ident}-clip)"
    )
    text = text.replace(' id="group"', "")
    text = _STYLE.sub(_attributes, text)
    text = _BLACK.sub("currentColor", text)
    text = re.sub(
        r"<title>.*?</title>",
        f'<title id="{ident}-title">{escape(title)}</title>',
        text,
        count=1,
        flags=re.S,
    )
    text = re.sub(
        r"<desc>.*?</desc>",
        f'<desc id="{ident}-desc">{escape(description)}</desc>',
        text,
        count=1,
        flags=re.S,
    )
    text = re.sub(
        r'<svg width="[\d.]+" height="[\d.]+"',
        f'<svg role="img" aria-labelledby="{ident}-title {ident}-desc" class="chart-svg"',
        text,
        count=1,
    )
    return mark_safe(text)  # noqa: S308 - reportlab escapes the labels; the rest is escaped above
