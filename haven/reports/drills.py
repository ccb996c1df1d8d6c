"""The drills report: each school against each drill requirement of its district (state law and
district policy, as :mod:`haven.emergencies.drills.compliance` reads them) in one school year.

Status per requirement: ``done`` (the required drills ran in their window), ``out_of_compliance``
(the last window closed without them), ``scheduled`` (what ran plus what is scheduled in the window
reaches the number), ``not_scheduled`` (it does not)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from haven.emergencies.drills import compliance as drill_compliance
from haven.emergencies.drills import services as drill_calendar
from haven.emergencies.models import Drill
from haven.reports.filters import Filters, year_label

if TYPE_CHECKING:
    from haven.accounts.models import User

STATUSES = ("done", "scheduled", "not_scheduled", "out_of_compliance")


def status_of(line: drill_compliance.Line, today: dt.date) -> str:
    if line.done >= line.required:
        return "done"
    if line.deadline is not None and today >= line.deadline:
        return "out_of_compliance"
    if line.done + line.scheduled >= line.required:
        return "scheduled"
    return "not_scheduled"


def drill_report(user: User, filters: Filters, *, today: dt.date | None = None) -> dict[str, Any]:
    """One row per school and requirement, for the school year of ``filters`` (the year a date
    range starts in, when a range is given). Queries: the requirements and the drills once per
    district, whatever the number of schools."""
    today = today or timezone.localdate()
    rows: list[dict[str, Any]] = []
    by_district: dict[int, list[Any]] = {}
    for school in filters.schools:
        by_district.setdefault(school.district_id, []).append(school)
    year = None
    for district_id, schools in by_district.items():
        start_month = drill_calendar.year_start_month(district_id)
        year = (
            filters.year
            if filters.year is not None
            else drill_calendar.school_year_of(filters.first, start_month)
        )
        district = schools[0].district
        requirements = drill_compliance.requirements_for(district)
        drills = list(
            drill_calendar.in_year(Drill.objects.filter(school__in=schools), year, start_month)
        )
        for school in schools:
            lines = drill_compliance.compliance(
                school, year, today=today, requirements=requirements, drills=drills
            )
            for req, line in zip(requirements, lines, strict=True):
                rows.append(
                    {
                        "school": school.slug,
                        "school_name": school.name,
                        "protocol": line.protocol,
                        "kind": line.kind,
                        "requirement": line.label,
                        "window": line.window,
                        "due": (line.deadline - dt.timedelta(days=1)).isoformat()
                        if line.deadline
                        else None,
                        "source": line.source,
                        "required": line.required,
                        "done": line.done,
                        "scheduled": line.scheduled,
                        "status": status_of(line, today),
                        "with_after_action": sum(1 for d in line.drills if d.incident_id),
                        "requirement_id": req.pk,
                    }
                )
    summary = dict.fromkeys(STATUSES, 0)
    for row in rows:
        summary[row["status"]] += 1
    return {
        "filters": {**filters.describe(), "year": year_label(year) if year is not None else None},
        "rows": rows,
        "by_status": summary,
    }
