"""Volunteer hours, from the visit log: each volunteer check-in counts from signed in to signed
out. A visit still open counts nothing until it is signed out; a visit longer than
``HAVEN_VOLUNTEER_MAX_VISIT_HOURS`` (someone forgot to sign out) counts that many hours and is
flagged for the coordinator to correct; a visit whose screening was not passed counts nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from haven.audit import services as audit
from haven.visitors.models import Outcome, Visit
from haven.volunteers.models import VolunteerVisit
from haven.web import csv

if TYPE_CHECKING:
    from haven.accounts.models import User

MAX_EXPORT_ROWS = 50_000
HUNDREDTH = Decimal("0.01")


def max_visit_hours() -> int:
    return max(1, int(getattr(settings, "HAVEN_VOLUNTEER_MAX_VISIT_HOURS", 12)))


@dataclass(frozen=True)
class Row:
    link: VolunteerVisit
    hours: Decimal
    open: bool  # still signed in: counts nothing yet
    flagged: bool  # capped (absurdly long) or out before in

    @property
    def visit(self) -> Visit:
        return self.link.visit


@dataclass
class Total:
    label: str
    key: int
    visits: int = 0
    hours: Decimal = Decimal("0.00")
    flagged: int = 0
    open: int = 0


def admitted(visit: Visit) -> bool:
    """Was the visitor let in (a clear screening, or a possible match answered "no")?"""
    return Visit.Answer.NO in (visit.review_answer, visit.decision) or (
        visit.outcome == Outcome.CLEAR and visit.status != Visit.Status.REFUSED
    )


def visit_hours(visit: Visit, cap: int | None = None) -> tuple[Decimal, bool, bool]:
    """(hours, open, flagged) of one visit."""
    limit = Decimal(cap or max_visit_hours())
    if not admitted(visit):
        return Decimal("0.00"), False, False
    if visit.checked_out_at is None:
        return Decimal("0.00"), True, False
    seconds = Decimal((visit.checked_out_at - visit.checked_in_at).total_seconds())
    if seconds < 0:
        return Decimal("0.00"), False, True
    hours = seconds / Decimal(3600)
    if hours > limit:
        return limit.quantize(HUNDREDTH), False, True
    return hours.quantize(HUNDREDTH, rounding=ROUND_HALF_UP), False, False


def in_range(
    qs: QuerySet[VolunteerVisit], start: dt.date | None, end: dt.date | None
) -> QuerySet[VolunteerVisit]:
    """Volunteer visits whose check-in falls on the school's local days ``start``..``end``."""
    tz = timezone.get_current_timezone()
    if start:
        qs = qs.filter(visit__checked_in_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz))
    if end:
        after = end + dt.timedelta(days=1)
        qs = qs.filter(visit__checked_in_at__lt=dt.datetime.combine(after, dt.time.min, tzinfo=tz))
    return qs.select_related("visit", "visit__school", "volunteer").order_by(
        "-visit__checked_in_at", "-pk"
    )


def rows(qs: QuerySet[VolunteerVisit]) -> list[Row]:
    cap = max_visit_hours()
    out = []
    for link in qs[: MAX_EXPORT_ROWS + 1]:
        hours, is_open, flagged = visit_hours(link.visit, cap)
        out.append(Row(link, hours, is_open, flagged))
    return out


def totals(found: list[Row], by: str) -> list[Total]:
    """Totals per volunteer (``by="volunteer"``) or per school (``by="school"``), most hours
    first."""
    sums: dict[int, Total] = {}
    for row in found:
        if by == "school":
            key, label = row.visit.school_id, row.visit.school.name
        else:
            key, label = row.link.volunteer_id, row.link.volunteer.name
        total = sums.setdefault(key, Total(label=label, key=key))
        total.visits += 1
        total.hours += row.hours
        total.flagged += int(row.flagged)
        total.open += int(row.open)
    return sorted(sums.values(), key=lambda t: (-t.hours, t.label))


def export_csv(actor: User, found: list[Row], filters: list[str]) -> str:
    """The hours as CSV, one row per visit (no date of birth or contact details), audited."""
    text = csv.table(
        ["volunteer", "school", "checked_in", "checked_out", "hours", "open", "flagged"],
        (
            (
                row.link.volunteer.name,
                row.visit.school.name,
                csv.when(row.visit.checked_in_at),
                csv.when(row.visit.checked_out_at),
                f"{row.hours:.2f}",
                "yes" if row.open else "no",
                "yes" if row.flagged else "no",
            )
            for row in found[:MAX_EXPORT_ROWS]
        ),
    )
    audit.record(
        actor,
        "export",
        ("volunteers.hours", "csv"),
        detail={"rows": len(found), "filters": filters, "format": "csv"},
    )
    return text
