"""The assessment pages: one assessment along its model (CSTAG by default), step by step, with
the questions, the classification and its rationale, the required-actions checklist and what
keeps the current step from closing. Every change goes through :mod:`haven.cases.services`."""

from __future__ import annotations

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
from haven.cases.forms import ReopenStepForm
from haven.cases.models import ActionItem, Assessment, Case
from haven.cases.views.pages import case_for_page
from haven.web.requests import SignedInRequest


def _assessment(request: SignedInRequest, pk: int, assessment: int) -> tuple[Case, Assessment]:
    found = case_for_page(request, pk)
    return found, services.get_assessment(request.user, found, assessment)


def _answers(step: Any, data: Any) -> dict[str, Any]:
    """The step's answers from the form: text as written, yes/no as booleans, blank as absent."""
    answers: dict[str, Any] = {}
    for question in step.questions:
        value = data.get(f"a-{question['key']}", "")
        if question.get("kind") == "yes_no":
            answers[question["key"]] = {"yes": True, "no": False}.get(value, "")
        else:
            answers[question["key"]] = value
    return answers


def _page(
    request: SignedInRequest,
    case: Case,
    assessment: Assessment,
    *,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    view = services.assessment_view(request.user, assessment)
    steps = []
    for step_view in view.steps:
        answers = step_view.record.answers or {}
        questions = [
            {**q, "value": answers.get(q["key"], ""), "name": f"a-{q['key']}"}
            for q in step_view.step.questions
        ]
        steps.append({"view": step_view, "questions": questions})
    return render(
        request,
        "cases/assessment.html",
        {
            "case": case,
            "assessment": assessment,
            "view": view,
            "steps": steps,
            "labels": {c.key: c.label for c in view.model.classifications.all()},
            "errors": errors or [],
        },
        status=status,
    )


@login_required
@require_POST
def start(request: SignedInRequest, pk: int) -> HttpResponse:
    found = case_for_page(request, pk)
    try:
        assessment = services.start_assessment(request.user, found, "cstag")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("cases:case", found.pk)
    return redirect("cases:assessment", found.pk, assessment.pk)


@never_cache
@login_required
def detail(request: SignedInRequest, pk: int, assessment: int) -> HttpResponse:
    found, chosen = _assessment(request, pk, assessment)
    return _page(request, found, chosen)


@login_required
@require_POST
def save_step(request: SignedInRequest, pk: int, assessment: int, step: str) -> HttpResponse:
    found, chosen = _assessment(request, pk, assessment)
    record = next(
        (
            s.record
            for s in services.assessment_view(request.user, chosen).steps
            if s.step.key == step
        ),
        None,
    )
    if record is None:
        raise Http404
    try:
        services.save_step(
            request.user,
            chosen,
            step,
            answers=_answers(record.step, request.POST),
            classification=request.POST.get("classification")
            if record.step.classifications
            else None,
            rationale=request.POST.get("rationale", ""),
        )
        if request.POST.get("then") == "close":
            services.close_step(request.user, chosen, step)
    except ValidationError as error:
        return _page(request, found, chosen, errors=error.messages)
    messages.success(request, _("Step saved."))
    return redirect("cases:assessment", found.pk, chosen.pk)


@login_required
@require_POST
def settle(request: SignedInRequest, pk: int, assessment: int, item: int) -> HttpResponse:
    found, chosen = _assessment(request, pk, assessment)
    items: list[ActionItem] = [
        a for s in services.assessment_view(request.user, chosen).steps for a in s.actions
    ]
    action = next((a for a in items if a.pk == item), None)
    if action is None:
        raise Http404
    try:
        services.settle_action(
            request.user,
            action,
            status=request.POST.get("status", ""),
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as error:
        return _page(request, found, chosen, errors=error.messages)
    return redirect("cases:assessment", found.pk, chosen.pk)


@login_required
@require_POST
def reopen_step(request: SignedInRequest, pk: int, assessment: int, step: str) -> HttpResponse:
    """Reopen a closed step with a reason (new information): audited, on the timeline."""
    found, chosen = _assessment(request, pk, assessment)
    if not any(s.step.key == step for s in services.assessment_view(request.user, chosen).steps):
        raise Http404
    form = ReopenStepForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({"reason": _("Say why the step is reopened.")})
        services.reopen_step(request.user, chosen, step, form.cleaned_data["reason"])
    except ValidationError as error:
        return _page(request, found, chosen, errors=error.messages)
    messages.success(request, _("Step reopened."))
    return redirect("cases:assessment", found.pk, chosen.pk)
