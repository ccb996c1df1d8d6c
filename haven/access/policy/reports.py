"""Reports: who may see the aggregate figures of which schools.

A report holds counts and durations, never a name; it is still scoped like the records it counts:
a school's administrators see their schools, district-wide roles every school of their district
(and the tips sent to the district's own page, which have no school)."""

from __future__ import annotations

from django.db import models

from haven.access.policy.core import Actor, Perm, has_perm, school_ids_for, school_q, schools_for

#: The report areas and the permission each needs.
REPORT_PERMS = {
    "tips": Perm.REPORTS_TIPS,
    "cases": Perm.REPORTS_CASES,
    "drills": Perm.REPORTS_DRILLS,
    "visits": Perm.REPORTS_VISITS,
    "training": Perm.REPORTS_TRAINING,
    # The statutory presets are the tip line's figures, arranged as a state asks for them.
    "safe2tell": Perm.REPORTS_TIPS,
    "safe2say": Perm.REPORTS_TIPS,
}


def may_see_report(user: Actor, area: str) -> bool:
    """May the user open the ``area`` report at all (at some school, or district-wide)?"""
    perm = REPORT_PERMS.get(area)
    return perm is not None and has_perm(user, perm)


def report_schools(user: Actor, area: str) -> models.QuerySet:
    """The schools whose figures of ``area`` the user may see."""
    return schools_for(user, REPORT_PERMS[area])


def report_districts(user: Actor, area: str) -> set[int]:
    """Districts where the user holds the ``area`` report district-wide."""
    return school_ids_for(user, REPORT_PERMS[area])[1]


def report_q(
    user: Actor, area: str, school_field: str = "school", district_field: str | None = None
) -> models.Q:
    """A filter on rows counted by the ``area`` report: their school is one the user may see;
    with ``district_field``, also rows without a school in a district the user holds district-wide
    (a tip sent to the district's page)."""
    perm = REPORT_PERMS[area]
    q = school_q(user, perm, school_field)
    if district_field:
        districts = report_districts(user, area)
        if districts:
            q |= models.Q(**{f"{school_field}__isnull": True, f"{district_field}__in": districts})
    return q
