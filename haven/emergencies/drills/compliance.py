"""Drill compliance: each school against the drills its state and its district require per school
year, and the requirements as data.

Requirements are :class:`DrillRequirement` rows: a state's (``jurisdiction``, applied through the
district's :class:`DrillPolicy`) and the district's own policy. Where both name the same drill, the
higher number applies. Haven ships no state's numbers it cannot cite
(``haven/emergencies/data/drill_requirements.json``); a state's row must cite its statute.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.core.models import District, School
from haven.emergencies.drills.services import (
    in_year,
    school_year_of,
    schools_seen,
    type_label,
    when,
    year_bounds,
    year_start_month,
)
from haven.emergencies.models import Drill, DrillKind, DrillPolicy, DrillRequirement, Protocol

if TYPE_CHECKING:
    from haven.accounts.models import User

#: The app's data stays at its root (packaged as `haven/*/data/*`).
DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "drill_requirements.json"


# --- compliance ----------------------------------------------------------------------------------


def requirements_for(district: District) -> list[DrillRequirement]:
    """The state's rows (the district's jurisdiction) and the district's own; where both name the
    same drill, the higher number."""
    jurisdiction = (
        DrillPolicy.objects.filter(district=district.pk)
        .values_list("jurisdiction", flat=True)
        .first()
        or ""
    )
    q = models.Q(district=district.pk)
    if jurisdiction:
        q |= models.Q(district__isnull=True, jurisdiction__iexact=jurisdiction)
    best: dict[tuple[Any, ...], DrillRequirement] = {}
    for row in DrillRequirement.objects.filter(q).order_by("protocol", "kind", "pk"):
        # Rows with different windows ("one within 30 days" and "four a year") both apply.
        key = (row.protocol, row.kind, *window_of(row))
        if key not in best or row.per_year > best[key].per_year:
            best[key] = row
    order = {p: i for i, p in enumerate(Protocol.values)}
    return sorted(best.values(), key=lambda r: (order[r.protocol], r.kind, *_window_order(r)))


def window_of(req: DrillRequirement) -> tuple[str, int | None, int | None, int | None]:
    return (req.period or "year", req.due_within_days, req.month_from, req.month_to)


def _window_order(req: DrillRequirement) -> tuple[int, int, int, int]:
    period, due, first, last = window_of(req)
    return (period == "semester", due or 0, first or 0, last or 0)


def _months_window(year: int, start_month: int, first: int, last: int) -> tuple[dt.date, dt.date]:
    """[first day of month ``first``, first day after month ``last``) inside school year
    ``year`` (a window may wrap past December, e.g. November to February)."""

    def day_of(month: int) -> dt.date:
        return dt.date(year if month >= start_month else year + 1, month, 1)

    begin, end_month = day_of(first), day_of(last)
    after = dt.date(end_month.year + end_month.month // 12, end_month.month % 12 + 1, 1)
    return begin, after


def windows(req: DrillRequirement, year: int, start_month: int) -> list[tuple[dt.date, dt.date]]:
    """The date ranges [first, after) in which the requirement's drills count: the school year;
    each of its halves (per semester); its first days; or a month window."""
    first, after = year_bounds(year, start_month)
    if req.due_within_days:
        return [(first, min(after, first + dt.timedelta(days=req.due_within_days)))]
    if req.month_from and req.month_to:
        return [_months_window(year, start_month, req.month_from, req.month_to)]
    if req.period == "semester":
        middle_month = (start_month + 5) % 12 + 1
        middle = dt.date(year if middle_month >= start_month else year + 1, middle_month, 1)
        return [(first, middle), (middle, after)]
    return [(first, after)]


def window_label(req: DrillRequirement) -> str:
    """How the requirement says when, in words ("" for a plain number per year)."""
    if req.due_within_days:
        return _("within %(n)d days of the school year's start") % {"n": req.due_within_days}
    if req.month_from and req.month_to:
        return _("between months %(a)d and %(b)d") % {"a": req.month_from, "b": req.month_to}
    if req.period == "semester":
        return _("per semester")
    return ""


@dataclass
class Line:
    """One required drill at one school in one school year."""

    protocol: str
    kind: str
    required: int
    done: int
    expected: int
    scheduled: int
    source: str
    status: str = ""
    label: str = ""
    drills: list[Drill] = field(default_factory=list)
    #: When the drills must run ("" for a number per school year) and the day after the last
    #: window closes (the requirement is out of compliance from then on if not met).
    window: str = ""
    deadline: dt.date | None = None

    @property
    def tone(self) -> str:
        return {"met": "done", "on_track": "routine", "behind": "high"}[self.status]

    @property
    def status_label(self) -> str:
        return {"met": _("Met"), "on_track": _("On track"), "behind": _("Behind")}[self.status]


def expected_by(required: int, year: int, start_month: int, today: dt.date) -> int:
    """How many of ``required`` drills should be done by ``today``, spread evenly over the year
    (rounded down: nobody is behind on the year's first day)."""
    first, after = year_bounds(year, start_month)
    if today < first:
        return 0
    if today >= after:
        return required
    fraction = (today - first).days / (after - first).days
    return math.floor(required * fraction)


def compliance(
    school: School,
    year: int | None = None,
    *,
    today: dt.date | None = None,
    requirements: Iterable[DrillRequirement] | None = None,
    drills: Iterable[Drill] | None = None,
) -> list[Line]:
    """Each required drill of the school's year: done (logged, run within the year), expected by
    now, still scheduled, and met / on track / behind."""
    today = today or timezone.localdate()
    start_month = year_start_month(school.district_id)
    year = school_year_of(today, start_month) if year is None else year
    if requirements is None:
        requirements = requirements_for(school.district)
    if drills is None:
        drills = in_year(Drill.objects.filter(school=school), year, start_month)
    drills = list(drills)
    lines = []
    for req in requirements:
        matching = [
            d
            for d in drills
            if d.school_id == school.pk
            and d.protocol == req.protocol
            and (not req.kind or d.kind == req.kind)
        ]
        spans = windows(req, year, start_month)
        if spans == [year_bounds(year, start_month)]:
            # A number per school year: every drill of the year counts (as it always has).
            in_window: list[list[Drill]] = [matching]
            expected = expected_by(req.per_year, year, start_month, today)
        else:
            in_window = [
                [d for d in matching if first <= timezone.localdate(when(d)) < after]
                for first, after in spans
            ]
            expected = sum(req.per_year if today >= after else 0 for _first, after in spans)
        done: list[Drill] = []
        done_count = upcoming_count = 0
        for group in in_window:
            finished = [d for d in group if d.logged_at is not None]
            pending = [d for d in group if d.logged_at is None and d.started_at is None]
            done += finished
            # Per window: extra drills in one semester do not make up for another.
            done_count += min(len(finished), req.per_year)
            upcoming_count += len(
                [d for d in pending if timezone.localdate(d.scheduled_for) >= today]
            )
        required = req.per_year * len(spans)
        if done_count >= required:
            status = "met"
        elif done_count < expected:
            status = "behind"
        else:
            status = "on_track"
        lines.append(
            Line(
                protocol=req.protocol,
                kind=req.kind,
                required=required,
                done=done_count,
                expected=expected,
                scheduled=upcoming_count,
                source=req.source or req.note,
                status=status,
                label=" ".join(
                    filter(None, [type_label(req.protocol, req.kind), window_label(req)])
                ),
                drills=done,
                window=window_label(req),
                deadline=spans[-1][1],
            )
        )
    return lines


def district_compliance(
    user: User, district: District, year: int, today: dt.date | None = None
) -> tuple[list[DrillRequirement], list[tuple[School, list[Line]]]]:
    """Every school of the district the user sees, against the district's requirements."""
    requirements = requirements_for(district)
    start_month = year_start_month(district)
    schools = list(schools_seen(user).filter(district=district))
    drills = list(in_year(Drill.objects.filter(school__in=schools), year, start_month))
    rows = [
        (
            school,
            compliance(school, year, today=today, requirements=requirements, drills=drills),
        )
        for school in schools
    ]
    return requirements, rows


# --- requirements as data -------------------------------------------------------------------------


def load_requirements(data: Any, *, district: District | None = None) -> int:
    """Load requirement rows from a parsed data file, all or nothing. A state's row must cite the
    law it comes from (``source``); a district's rows (``"district": true`` and a ``district``
    given here) are that district's own policy. Returns how many rows were written."""
    rows = data.get("requirements") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise ValidationError({"requirements": _("Expected a list under “requirements”.")})
    cleaned = []
    for n, row in enumerate(rows, start=1):
        cleaned.append(_clean_requirement(row, n, district))
    with transaction.atomic():
        for values in cleaned:
            # A row is the same requirement when it names the same drill and the same window.
            DrillRequirement.objects.update_or_create(
                jurisdiction=values.pop("jurisdiction"),
                district=values.pop("district"),
                protocol=values.pop("protocol"),
                kind=values.pop("kind"),
                period=values.pop("period"),
                due_within_days=values.pop("due_within_days"),
                month_from=values.pop("month_from"),
                month_to=values.pop("month_to"),
                defaults=values,
            )
    return len(cleaned)


def _clean_requirement(row: Any, n: int, district: District | None) -> dict[str, Any]:
    def bad(name: str, message: str) -> ValidationError:
        return ValidationError({name: _("row %(n)d: %(message)s") % {"n": n, "message": message}})

    if not isinstance(row, dict):
        raise bad("requirements", _("expected an object."))
    protocol = row.get("protocol")
    if protocol not in Protocol.values:
        raise bad("protocol", _("unknown protocol %(value)r.") % {"value": protocol})
    kind = row.get("kind") or ""
    if kind and kind not in DrillKind.values:
        raise bad("kind", _("unknown kind %(value)r.") % {"value": kind})
    per_year = row.get("per_year")
    if not isinstance(per_year, int) or isinstance(per_year, bool) or not 0 <= per_year <= 100:
        raise bad("per_year", _("a whole number from 0 to 100."))
    source = str(row.get("source") or "").strip()[:300]
    note = str(row.get("note") or "").strip()[:200]
    window = _clean_window(row, bad)
    if row.get("district"):
        if district is None:
            raise bad("district", _("a district's own row needs a district to load into."))
        return {
            "jurisdiction": "",
            "district": district,
            "protocol": protocol,
            "kind": kind,
            "per_year": per_year,
            "source": source,
            "note": note,
            **window,
        }
    jurisdiction = str(row.get("jurisdiction") or "").strip().upper()
    if not jurisdiction or len(jurisdiction) > 10:
        raise bad("jurisdiction", _("a state or territory code, e.g. GA."))
    if not source:
        raise bad("source", _("a state's requirement must cite its statute or rule."))
    return {
        "jurisdiction": jurisdiction,
        "district": None,
        "protocol": protocol,
        "kind": kind,
        "per_year": per_year,
        "source": source,
        "note": note,
        **window,
    }


def _clean_window(row: dict[str, Any], bad: Any) -> dict[str, Any]:
    """The optional window of a row: ``period`` ("year" or "semester"), ``due_within_days``
    (1-366), ``months`` ([first, last], 1-12). Files without them load as before."""
    period = row.get("period") or "year"
    if period not in ("year", "semester"):
        raise bad("period", _("“year” or “semester”."))
    due = row.get("due_within_days")
    if due is not None and (
        not isinstance(due, int) or isinstance(due, bool) or not 1 <= due <= 366
    ):
        raise bad("due_within_days", _("a whole number of days from 1 to 366."))
    months = row.get("months")
    month_from = month_to = None
    if months is not None:
        if (
            not isinstance(months, list)
            or len(months) != 2
            or not all(
                isinstance(m, int) and not isinstance(m, bool) and 1 <= m <= 12 for m in months
            )
        ):
            raise bad("months", _("two months from 1 to 12, e.g. [9, 10]."))
        month_from, month_to = months
    if sum(bool(x) for x in (period == "semester", due, months)) > 1:
        raise bad("period", _("give one of per semester, a number of days, or a month window."))
    return {
        "period": period,
        "due_within_days": due,
        "month_from": month_from,
        "month_to": month_to,
    }


def load_requirements_file(path: Path = DATA_FILE, *, district: District | None = None) -> int:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationError({"file": f"{path}: {exc}"}) from None
    return load_requirements(data, district=district)
