"""CSV exports: one writer for every table Haven hands out, safe to open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a formula
by Excel, LibreOffice and Sheets ("CSV injection"); every such cell is written with a leading
apostrophe, which the spreadsheet shows as text. Times are written in the school's time zone.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def when(value: dt.datetime | None) -> str:
    """A moment as the local date and minute, or empty."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The header and the rows as CSV text, every cell made formula-safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([cell(name) for name in header])
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return out.getvalue()
