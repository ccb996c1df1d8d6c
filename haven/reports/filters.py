"""What a report covers: the schools, the period and the category, read from a request's query and
checked. Bad input raises a ValidationError naming the field (the API answers 422, the pages 400);
a school the caller may not see is "not among your schools", exactly as an unknown one, so that a
report does not tell whether a school exists elsewhere."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.access import policy
from haven.core.models import School

if TYPE_CHECKING:
    from haven.accounts.models import User

#: A report covers at most this many days (ten school years).
MAX_DAYS = 3660
EARLIEST_YEAR = 2000
YEAR_RE = re.compile(r"^(\d{4})-(\d{2})$")


def year_start() -> tuple[int, int]:
    """(month, day) the school year starts on: setting ``HAVEN_SCHOOL_YEAR_START`` ("08-01")."""
    text = str(getattr(settings, "HAVEN_SCHOOL_YEAR_START", "08-01"))
    month, _sep, day = text.partition("-")
    return int(month), int(day)


def school_year_of(day: dt.date) -> int:
    """The school year ``day`` falls in, named by the calendar year it starts in."""
    month, first = year_start()
    return day.year if (day.month, day.day) >= (month, first) else day.year - 1


def year_span(year: int) -> tuple[dt.date, dt.date]:
    """The first and last day of school year ``year`` (by default 1 August to 31 July)."""
    month, day = year_start()
    first = dt.date(year, month, day)
    return first, dt.date(year + 1, month, day) - dt.timedelta(days=1)


def year_label(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"


def parse_year(text: str) -> int:
    """ "2026-27" -> 2026; anything else is a ValidationError naming ``year``."""
    found = YEAR_RE.match(text.strip())
    if not found or (int(found[1]) + 1) % 100 != int(found[2]):
        raise ValidationError(
            {"year": _("“%(value)s” is not a school year like 2026-27.") % {"value": text}}
        )
    year = int(found[1])
    if not EARLIEST_YEAR <= year <= timezone.localdate().year + 1:
        raise ValidationError(
            {"year": _("School year %(value)s is out of range.") % {"value": text}}
        )
    return year


def _date(text: str, name: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(
            {name: _("“%(value)s” is not a date like 2026-08-01.") % {"value": text}}
        ) from None
    if not EARLIEST_YEAR <= day.year <= timezone.localdate().year + 1:
        raise ValidationError({name: _("%(value)s is out of range.") % {"value": text}})
    return day


@dataclass
class Filters:
    """A checked report filter: the schools in scope, the period (dates, both included) and the
    category (empty for all)."""

    area: str
    schools: list[School]
    school: School | None
    first: dt.date
    last: dt.date
    category: str = ""
    year: int | None = None
    query: dict[str, str] = field(default_factory=dict)

    @property
    def start(self) -> dt.datetime:
        """The period's first moment, in the district's time zone."""
        return dt.datetime.combine(self.first, dt.time.min, tzinfo=timezone.get_current_timezone())

    @property
    def end(self) -> dt.datetime:
        """The moment after the period (midnight after its last day), in the district's zone."""
        after = self.last + dt.timedelta(days=1)
        return dt.datetime.combine(after, dt.time.min, tzinfo=timezone.get_current_timezone())

    @property
    def school_ids(self) -> list[int]:
        return [s.pk for s in self.schools]

    @property
    def period_label(self) -> str:
        if self.year is not None:
            return f"{year_label(self.year)} ({self.first:%Y-%m-%d} to {self.last:%Y-%m-%d})"
        return f"{self.first:%Y-%m-%d} to {self.last:%Y-%m-%d}"

    def describe(self) -> dict[str, Any]:
        """The filters as a report states them (and its audit entry records them)."""
        return {
            "school": self.school.slug if self.school else None,
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "year": year_label(self.year) if self.year is not None else None,
            "category": self.category or None,
        }


def read(
    user: User,
    area: str,
    query: Mapping[str, Any],
    *,
    categories: list[str] | None = None,
) -> Filters:
    """Check a report's query (``school``, ``from``, ``to``, ``year``, ``category``) for ``user``.

    No school: every school the user may see for ``area``. No period: the current school year.
    ``year`` and ``from``/``to`` cannot be given together."""
    params = {k: str(query.get(k) or "").strip() for k in ("school", "from", "to", "year")}
    params["category"] = str(query.get("category") or "").strip()
    visible = list(policy.report_schools(user, area).select_related("district").order_by("name"))
    school = None
    if params["school"]:
        school = next((s for s in visible if s.slug == params["school"]), None)
        if school is None:
            raise ValidationError(
                {
                    "school": _("No school “%(value)s” among the schools you may see.")
                    % {"value": params["school"]}
                }
            )
    year = None
    if params["year"]:
        if params["from"] or params["to"]:
            raise ValidationError({"year": _("Give a school year or a date range, not both.")})
        year = parse_year(params["year"])
        first, last = year_span(year)
    elif params["from"] or params["to"]:
        if not (params["from"] and params["to"]):
            name = "to" if params["from"] else "from"
            raise ValidationError({name: _("A date range needs both “from” and “to”.")})
        first, last = _date(params["from"], "from"), _date(params["to"], "to")
        if last < first:
            raise ValidationError({"to": _("“to” is before “from”.")})
        if (last - first).days > MAX_DAYS:
            raise ValidationError(
                {"to": _("A report covers at most %(n)d days.") % {"n": MAX_DAYS}}
            )
    else:
        year = school_year_of(timezone.localdate())
        first, last = year_span(year)
    category = params["category"]
    if category and categories is not None and category not in categories:
        raise ValidationError(
            {"category": _("Unknown category “%(value)s”.") % {"value": category}}
        )
    return Filters(
        area=area,
        schools=[school] if school else visible,
        school=school,
        first=first,
        last=last,
        category=category,
        year=year,
        query={k: v for k, v in params.items() if v},
    )
