"""The safety plan page: its items with owner and due date, the follow-up reviews, and closing
(criteria and a summary) or reopening the case. Every change goes through
:mod:`haven.cases.services`; a refusal comes back on the page next to the form."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from haven.cases import services
from haven.cases.models import Case, PlanItem
from haven.cases.views.pages import case_for_page
from haven.web.requests import SignedInRequest


def _page(
    request: SignedInRequest,
    case: Case,
    *,
    errors: dict[str, list[str]] | None = None,
    posted: Any = None,
) -> HttpResponse:
    current = services.plan(request.user, case)
    for review in current.reviews:
        review.errors = (errors or {}).get(f"review-{review.pk}", [])  # type: ignore[attr-defined]
    return render(
        request,
        "cases/plan.html",
        {
            "case": case,
            "items": current.items,
            "reviews": current.reviews,
            "team": list(case.team.all()),
            "kinds": PlanItem.Kind.choices,
            "criteria": list(services.CLOSURE_CRITERIA.items()),
            "errors": errors or {},
            "posted": posted or {},
        },
    )


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _refused(
    request: SignedInRequest, case: Case, form: str, error: ValidationError
) -> HttpResponse:
    return _page(request, case, errors={form: error.messages}, posted=request.POST)


@never_cache
@login_required
def detail(request: SignedInRequest, pk: int) -> HttpResponse:
    return _page(request, case_for_page(request, pk))


@login_required
@require_POST
def add_item(request: SignedInRequest, pk: int) -> HttpResponse:
    found = case_for_page(request, pk)
    owner_id = request.POST.get("owner", "")
    owner = next((u for u in found.team.all() if str(u.pk) == owner_id), None)
    due_on = _date(request.POST.get("due_on", ""))
    try:
        if owner is None:
            raise ValidationError(_("Choose an owner from the case's team."))
        if due_on is None:
            raise ValidationError(_("Give a due date."))
        services.add_plan_item(
            request.user,
            found,
            kind=request.POST.get("kind", ""),
            description=request.POST.get("description", ""),
            owner=owner,
            due_on=due_on,
        )
    except ValidationError as error:
        return _refused(request, found, "item", error)
    messages.success(request, _("Plan item added."))
    return redirect("cases:plan", found.pk)


@login_required
@require_POST
def settle_item(request: SignedInRequest, pk: int, item: int) -> HttpResponse:
    found = case_for_page(request, pk)
    row = next((i for i in services.plan(request.user, found).items if i.pk == item), None)
    if row is None:
        raise Http404
    try:
        services.settle_plan_item(request.user, row, status=request.POST.get("status", ""))
    except ValidationError as error:
        return _refused(request, found, "settle", error)
    return redirect("cases:plan", found.pk)


@login_required
@require_POST
def schedule(request: SignedInRequest, pk: int) -> HttpResponse:
    found = case_for_page(request, pk)
    due_on = _date(request.POST.get("due_on", ""))
    try:
        if due_on is None:
            raise ValidationError(_("Give the review's date."))
        services.schedule_review(request.user, found, due_on=due_on)
    except ValidationError as error:
        return _refused(request, found, "schedule", error)
    messages.success(request, _("Follow-up review scheduled."))
    return redirect("cases:plan", found.pk)


@login_required
@require_POST
def record_review(request: SignedInRequest, pk: int, review: int) -> HttpResponse:
    found = case_for_page(request, pk)
    row = next((r for r in services.plan(request.user, found).reviews if r.pk == review), None)
    if row is None:
        raise Http404
    try:
        services.record_review(request.user, row, outcome=request.POST.get("outcome", ""))
    except ValidationError as error:
        return _refused(request, found, f"review-{row.pk}", error)
    messages.success(request, _("Review recorded."))
    return redirect("cases:plan", found.pk)


@login_required
@require_POST
def close(request: SignedInRequest, pk: int) -> HttpResponse:
    found = case_for_page(request, pk)
    try:
        services.close_case(
            request.user,
            found,
            criteria=request.POST.getlist("criteria"),
            summary=request.POST.get("summary", ""),
        )
    except ValidationError as error:
        return _refused(request, found, "close", error)
    messages.success(request, _("Case closed."))
    return redirect("cases:case", found.pk)


@login_required
@require_POST
def reopen(request: SignedInRequest, pk: int) -> HttpResponse:
    found = case_for_page(request, pk)
    try:
        services.reopen_case(request.user, found, request.POST.get("reason", ""))
    except ValidationError as error:
        return _refused(request, found, "reopen", error)
    messages.success(request, _("Case reopened."))
    return redirect("cases:case", found.pk)
