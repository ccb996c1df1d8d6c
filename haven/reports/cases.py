"""The threat-assessment and well-being report: cases by type, classification, referral source,
status and days open, per 1,000 students, and the equity figures against enrolment.

Counts are grouped in the database. Two facts are encrypted at rest and read differently:

* the type has a blind index, so the database groups by it (each type's keyed hash is ranked
  back to its name in SQL);
* the CSTAG classification has none, so that one column is read (one query, decrypted) and
  counted; no other case content is read.

What the records do not hold is said, not guessed (``not_recorded``): the outcome of a threat
(no attempt, averted, occurred), suspensions and law-enforcement actions, and the students'
race/ethnicity, sex, disability (IEP/504) and English-learner status — the roster holds grade only,
so the equity figures are by grade and school.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Now

from haven.access import policy
from haven.cases.models import Case, CaseType, Referral, Source
from haven.cases.models import Status as CaseStatus
from haven.core.models import Student
from haven.reports.filters import Filters
from haven.reports.stats import Minutes, percentiles

if TYPE_CHECKING:
    from haven.accounts.models import User

#: CSTAG's substantive classifications (the "substantive" equity measure counts both).
SUBSTANTIVE = ("serious_substantive", "very_serious_substantive")
CLASSIFICATIONS = ("transient", *SUBSTANTIVE)
NOT_RECORDED = {
    "figures": ["outcome", "supports", "discipline", "law_enforcement_action", "stayed_at_school"],
    "equity_groups": ["race_ethnicity", "sex", "disability", "english_learner"],
    "equity_measures": ["suspension", "law_enforcement_action"],
}


def threshold() -> int:
    return int(getattr(settings, "HAVEN_REPORT_SUPPRESS_BELOW", 10))


def cases_in_scope(user: User, filters: Filters) -> QuerySet[Case]:
    """Cases of the filter's schools (among those the user may see) opened in the period."""
    qs = Case.objects.filter(policy.report_q(user, "cases"), school__in=filters.school_ids)
    return qs.filter(opened_at__gte=filters.start, opened_at__lt=filters.end).order_by()


def case_report(user: User, filters: Filters) -> dict[str, Any]:
    """The cases figures for ``filters`` (see docs/reports.md)."""
    cases = cases_in_scope(user, filters)
    type_rank = Case._meta.get_field("type_index").rank(CaseType.values)  # type: ignore[attr-defined]
    by_type = dict.fromkeys(CaseType.values, 0)
    for row in cases.annotate(_t=type_rank).values("_t").annotate(n=Count("pk")).order_by():
        if row["_t"]:
            by_type[CaseType.values[row["_t"] - 1]] += row["n"]
    by_source = dict.fromkeys(Source.values, 0)
    for row in cases.values("source").annotate(n=Count("pk")).order_by():
        by_source[row["source"]] = row["n"]
    by_status = dict.fromkeys(CaseStatus.values, 0)
    by_school: dict[str, int] = {}
    for row in cases.values("status", "school__slug").annotate(n=Count("pk")).order_by():
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
        by_school[row["school__slug"]] = by_school.get(row["school__slug"], 0) + row["n"]

    # The classification is encrypted without a blind index: this column alone is read.
    classified: Counter[tuple[str, str]] = Counter()
    for grade, value in cases.values_list("student__grade", "classification"):
        classified[(grade or "", value or "")] += 1
    by_classification = dict.fromkeys(CLASSIFICATIONS, 0)
    unclassified = 0
    for (_grade, value), n in classified.items():
        if value in by_classification:
            by_classification[value] += n
        else:
            unclassified += n

    days = Minutes(F("closed_at"), F("opened_at")) / 1440.0
    days_open_all = Minutes(Now(), F("opened_at")) / 1440.0
    closed_days = percentiles(cases.filter(closed_at__isnull=False), days).get(None)
    open_days = percentiles(cases.filter(closed_at__isnull=True), days_open_all).get(None)

    enrolment = _enrolment(filters)
    students = sum(n for (_school, _grade), n in enrolment.items())
    total = sum(by_status.values())
    referrals = (
        Referral.objects.filter(
            policy.report_q(user, "cases"),
            school__in=filters.school_ids,
            created_at__gte=filters.start,
            created_at__lt=filters.end,
        )
        .order_by()
        .aggregate(
            total=Count("pk"),
            case_opened=Count("pk", filter=Q(status=Referral.Status.CASE_OPENED)),
            dismissed=Count("pk", filter=Q(status=Referral.Status.DISMISSED)),
        )
    )
    return {
        "filters": filters.describe(),
        "total": total,
        "by_type": by_type,
        "by_classification": by_classification,
        "unclassified": unclassified,
        "outcome": None,
        "by_referral_source": by_source,
        "by_status": by_status,
        "by_school": by_school,
        "students": students,
        "per_1000_students": round(total * 1000 / students, 1) if students else None,
        "staff_referrals": referrals,
        "days_open": {
            "closed": _days(closed_days),
            "still_open": _days(open_days),
        },
        "equity": _equity(cases, classified, enrolment),
        "not_recorded": NOT_RECORDED,
    }


def _days(found: dict[str, Any] | None) -> dict[str, Any]:
    found = found or {}
    return {
        "n": found.get("n", 0),
        "median_days": found.get("median_minutes"),
        "p90_days": found.get("p90_minutes"),
    }


def _enrolment(filters: Filters) -> Counter[tuple[str, str]]:
    enrolled: Counter[tuple[str, str]] = Counter()
    for row in (
        Student.objects.filter(school__in=filters.school_ids, active=True)
        .values("school__slug", "grade")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        enrolled[(row["school__slug"], row["grade"] or "")] += row["n"]
    return enrolled


def _equity(
    cases: QuerySet[Case],
    classified: Counter[tuple[str, str]],
    enrolment: Counter[tuple[str, str]],
) -> dict[str, Any]:
    """Rates per group against enrolment, and the rate ratio against all other students.

    A cell (a group's count, or its enrolment) under the threshold is suppressed: its count, rate
    and ratio are null and ``suppressed`` is true. Cases about a person not on the roster have no
    grade and are left out of the groups (``unmatched``)."""
    limit = threshold()
    enrolled_by_grade: Counter[str] = Counter()
    for (_school, grade), n in enrolment.items():
        enrolled_by_grade[grade] += n
    referred: Counter[str] = Counter()
    for found in (
        cases.filter(student__isnull=False)
        .values("student__grade")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        referred[found["student__grade"] or ""] += found["n"]
    substantive: Counter[str] = Counter()
    for (grade, value), n in classified.items():
        if value in SUBSTANTIVE:
            substantive[grade] += n
    unmatched = cases.filter(student__isnull=True).count()
    measures = {"referral": referred, "substantive": substantive}
    total_students = sum(enrolled_by_grade.values())
    groups = []
    for grade in sorted(enrolled_by_grade, key=_grade_order):
        enrolled = enrolled_by_grade[grade]
        row: dict[str, Any] = {"group": "grade", "value": grade, "enrolled": enrolled}
        for name, counts in measures.items():
            row[name] = _cell(
                counts[grade],
                enrolled,
                sum(counts.values()) - counts[grade],
                total_students - enrolled,
                limit,
            )
        for name in NOT_RECORDED["equity_measures"]:
            row[name] = None
        groups.append(row)
    return {
        "threshold": limit,
        "groups": groups,
        "unmatched_cases": unmatched,
        "not_recorded": {
            "groups": NOT_RECORDED["equity_groups"],
            "measures": NOT_RECORDED["equity_measures"],
        },
    }


def _cell(count: int, enrolled: int, others: int, others_enrolled: int, limit: int) -> dict:
    if count < limit or enrolled < limit:
        return {"count": None, "rate_per_1000": None, "rate_ratio": None, "suppressed": True}
    rate = count / enrolled
    other_rate = others / others_enrolled if others_enrolled else 0
    return {
        "count": count,
        "rate_per_1000": round(rate * 1000, 1),
        "rate_ratio": round(rate / other_rate, 2) if other_rate else None,
        "suppressed": False,
    }


def _grade_order(grade: str) -> tuple[int, str]:
    named = {"PK": -2, "TK": -1, "KG": 0, "K": 0}
    if grade.isdigit():
        return (int(grade), grade)
    return (named.get(grade.upper(), 99), grade)
