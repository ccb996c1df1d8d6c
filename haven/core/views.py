"""Staff pages for the roster."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from haven.access import policy
from haven.access.policy import Perm
from haven.accounts.shell import current_school
from haven.audit import services as audit
from haven.core import services
from haven.core.models import Section, Student
from haven.web.requests import SignedInRequest
from haven.web.views import page_of


def _require(request: HttpRequest, perm: Perm) -> None:
    if not policy.has_perm(request.user, perm):
        raise Http404


@login_required
def students(request: HttpRequest) -> HttpResponse:
    _require(request, Perm.ROSTER_VIEW)
    school = current_school(request)
    query = request.GET.get("q", "").strip()[:100]
    qs = (
        policy.visible_to(request.user, Student)
        .filter(school=school)
        .order_by("family_name", "given_name")
    )
    if query:
        qs = services.search_students(qs, query)
    page = page_of(request, qs)
    template = "core/_student_rows.html" if request.htmx else "core/students.html"  # type: ignore[attr-defined]
    return render(request, template, {"page": page, "q": query, "school": school})


@login_required
def student_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    student = (
        policy.visible_to(request.user, Student).filter(pk=pk).select_related("school").first()
    )
    if student is None:
        raise Http404
    show_guardians = policy.has_perm(request.user, Perm.GUARDIANS_VIEW, student.school)
    audit.record(request.user, "view", student, detail={"guardians": show_guardians})
    links = student.guardian_links.select_related("guardian") if show_guardians else []
    sections = student.sections.prefetch_related("teachers")
    return render(
        request,
        "core/student_detail.html",
        {
            "student": student,
            "links": links,
            "show_guardians": show_guardians,
            "sections": sections,
        },
    )


@login_required
def sections(request: HttpRequest) -> HttpResponse:
    _require(request, Perm.ROSTER_VIEW)
    school = current_school(request)
    qs = (
        policy.visible_to(request.user, Section)
        .filter(school=school)
        .annotate(size=Count("enrollments"))
        .prefetch_related("teachers")
    )
    mine = request.GET.get("mine") == "1"
    if mine:
        qs = qs.filter(teachers__user=request.user)
    return render(request, "core/sections.html", {"sections": qs, "school": school, "mine": mine})


@login_required
def section_detail(request: HttpRequest, pk: int) -> HttpResponse:
    section = policy.visible_to(request.user, Section).filter(pk=pk).first()
    if section is None:
        raise Http404
    roster = section.students.order_by("family_name", "given_name")
    return render(request, "core/section_detail.html", {"section": section, "roster": roster})


def healthz(request: HttpRequest) -> HttpResponse:
    """JSON for a monitoring tool: the database, Redis (when configured), the worker's heartbeat
    and the oldest undelivered notification; 503 when a part safety depends on is down
    (:mod:`haven.core.health`)."""
    from haven.core.health import report

    ok, body = report()
    response = JsonResponse(body, status=200 if ok else 503)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 page, except for a database or queue that is unavailable (raised in a
    middleware, where the 503 guard cannot see it): that is a 503 that says so."""
    import sys

    from django.views import defaults

    from haven.core.busy import UNAVAILABLE
    from haven.core.middleware import unavailable_response

    if isinstance(sys.exc_info()[1], UNAVAILABLE):
        return unavailable_response(request)
    return defaults.server_error(request)
