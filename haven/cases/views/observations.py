"""The C-SSRS screener page and the pathway-to-violence timeline. The screener's skip logic works
without JavaScript: questions 3-5 (and 6's follow-up) are shown with a note saying when to answer
them, and the service refuses contradictory or skipped answers, naming them."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from haven.access import policy
from haven.access.models import Compartment
from haven.cases import cssrs, pathway, services
from haven.cases.models import PathwayObservation
from haven.cases.views.pages import case_for_page
from haven.web.requests import SignedInRequest


def _note(question: cssrs.Question) -> str:
    """When to answer a follow-up question, shown beside it (no JavaScript needed)."""
    if not question.after_yes_to:
        return ""
    return _("Answer only if %(key)s is yes.") % {"key": question.after_yes_to.upper()}


@never_cache
@login_required
def screening(request: SignedInRequest, pk: int) -> HttpResponse:
    """The screenings' risk levels (team record) and, for the clinical record's writers, the
    screener form."""
    found = case_for_page(request, pk)
    user = request.user
    writable = policy.can_write_compartment(user, found, Compartment.CLINICAL)
    errors: list[str] = []
    if request.method == "POST":
        answers: dict[str, Any] = {}
        for question in cssrs.mapping().questions:
            value = request.POST.get(question.key, "")
            if value in {"yes", "no"}:
                answers[question.key] = value == "yes"
        try:
            done = services.screen(user, found, answers)
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(
                request,
                _("Screening recorded: %(level)s risk.") % {"level": done.get_risk_level_display()},
            )
            return redirect("cases:screening", found.pk)
    questions = [
        {"key": q.key, "text": q.text, "note": _note(q), "value": request.POST.get(q.key, "")}
        for q in cssrs.mapping().questions
    ]
    return render(
        request,
        "cases/screening.html",
        {
            "case": found,
            "screenings": services.screenings(user, found),
            "writable": writable and found.is_open,
            "questions": questions,
            "errors": errors,
        },
    )


@never_cache
@login_required
def pathway_page(request: SignedInRequest, pk: int) -> HttpResponse:
    """The observations along the pathway to violence, in date order, with a warning when the
    case moved forward; and the form to record one."""
    found = case_for_page(request, pk)
    user = request.user
    errors: list[str] = []
    if request.method == "POST":
        try:
            observed_on = date.fromisoformat(request.POST.get("observed_on", ""))
        except ValueError:
            errors = [str(_("Give the date it was observed."))]
        else:
            try:
                services.observe(
                    user,
                    found,
                    stage=request.POST.get("stage", ""),
                    observed_on=observed_on,
                    source=request.POST.get("source", ""),
                    summary=request.POST.get("summary", ""),
                )
            except ValidationError as error:
                errors = error.messages
            else:
                return redirect("cases:pathway", found.pk)
    history = services.pathway_history(user, found)
    return render(
        request,
        "cases/pathway.html",
        {
            "case": found,
            "history": history,
            "moved_forward": any(o.forward for o in history[1:]),
            "stages": pathway.Stage.choices,
            "sources": PathwayObservation.Source.choices,
            "errors": errors,
            "posted": request.POST,
        },
    )
