"""The equity view for district administrators: cases by school and grade against enrolment, so
that a group drawn into threat assessment out of proportion shows up. The roster does not carry
disability status or race/ethnicity, so the page says so instead of guessing."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from haven.access import policy
from haven.audit import services as audit
from haven.cases import services
from haven.core.models import Student
from haven.web.requests import SignedInRequest

#: Fields the issue asks to break cases down by that the roster does not hold yet.
MISSING_FIELDS = [_("disability status"), _("race/ethnicity")]
#: A group's share of cases this many times its share of enrolment (or more) is flagged.
FLAG_RATIO = 1.5


@never_cache
@login_required
def equity(request: SignedInRequest) -> HttpResponse:
    districts = policy.equity_districts(request.user)
    if not districts:
        raise Http404
    cases = services.visible_cases(request.user).filter(school__district_id__in=districts)
    case_counts: Counter[tuple[str, str]] = Counter()
    for row in cases.values("school__name", "student__grade").annotate(n=Count("pk")):
        key = (row["school__name"], row["student__grade"] or "")
        case_counts[key] += row["n"]
    students = policy.visible_to(request.user, Student).filter(
        school__district_id__in=districts, active=True
    )
    enrolment: Counter[tuple[str, str]] = Counter()
    for row in students.values("school__name", "grade").annotate(n=Count("pk")):
        enrolment[(row["school__name"], row["grade"] or "")] += row["n"]
    total_cases = sum(case_counts.values())
    total_students = sum(enrolment.values())
    groups: list[dict[str, Any]] = []
    for school, grade in sorted(set(case_counts) | set(enrolment)):
        n_cases, n_students = case_counts[(school, grade)], enrolment[(school, grade)]
        case_share = n_cases / total_cases if total_cases else 0.0
        student_share = n_students / total_students if total_students else 0.0
        ratio = case_share / student_share if student_share else None
        groups.append(
            {
                "school": school,
                "grade": grade,
                "cases": n_cases,
                "students": n_students,
                "case_share": round(case_share * 100, 1),
                "student_share": round(student_share * 100, 1),
                "ratio": round(ratio, 2) if ratio is not None else None,
                "flag": ratio is not None and n_cases > 0 and ratio >= FLAG_RATIO,
            }
        )
    audit.record(request.user, "view", None, detail={"report": "case_equity"})
    return render(
        request,
        "cases/equity.html",
        {
            "groups": groups,
            "total_cases": total_cases,
            "total_students": total_students,
            "missing": MISSING_FIELDS,
            "flag_ratio": FLAG_RATIO,
        },
    )
