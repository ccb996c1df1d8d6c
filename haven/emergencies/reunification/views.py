"""Reunification pages: the live board (counts for everyone who sees the incident, names for
those who see the roster), the check-in of an adult at the reunification point, each request
(the guardians on the roster, the runner, the release or the refusal). Thin: every change goes
through :mod:`haven.emergencies.reunification.services`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from haven.access import policy
from haven.access.policy import Perm
from haven.accounts.activity import background
from haven.audit import services as audit
from haven.emergencies.models import Incident, ReunificationRequest
from haven.emergencies.reunification import pickup
from haven.emergencies.reunification import services as reunification
from haven.visitors import watchlists
from haven.web.requests import SignedInRequest

Status = ReunificationRequest.Status
Decision = ReunificationRequest.Decision


class CheckInForm(forms.Form):
    id_barcode = forms.CharField(
        label=gettext_lazy("Scan the barcode on the back of the ID"),
        required=False,
        max_length=4000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off", "spellcheck": "false"}),
        help_text=gettext_lazy("Or type the details from the ID below."),
    )
    first_name = forms.CharField(label=gettext_lazy("First name"), required=False, max_length=100)
    middle_name = forms.CharField(
        label=gettext_lazy("Middle name (optional)"), required=False, max_length=100
    )
    last_name = forms.CharField(label=gettext_lazy("Last name"), required=False, max_length=100)
    date_of_birth = forms.CharField(
        label=gettext_lazy("Date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    students = forms.CharField(
        label=gettext_lazy("Students they came for"),
        max_length=reunification.MAX_STUDENT_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Names or student numbers, separated by commas."),
    )


class RunnerForm(forms.Form):
    runner = forms.TypedChoiceField(label=gettext_lazy("Runner"), coerce=int)

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["runner"].choices = choices  # type: ignore[attr-defined]


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is the release refused?"),
        max_length=reunification.MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _incident(request: HttpRequest, pk: int) -> Incident:
    return policy.get_visible_or_404(
        request.user, Incident.objects.select_related("school", "district"), pk
    )


def _request(request: SignedInRequest, incident: Incident, request_id: int) -> ReunificationRequest:
    found = (
        reunification.visible_requests(request.user, incident)
        .select_related("student", "student__school", "guardian", "runner", "checked_in_by")
        .select_related("release", "release__released_by")
        .filter(pk=request_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _require_reunify(request: SignedInRequest, incident: Incident) -> None:
    if not reunification.may_reunify(request.user, incident):
        raise PermissionDenied(_("You may not release students at this school."))


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@login_required
@never_cache
def board(request: SignedInRequest, pk: int) -> HttpResponse:
    """The live board. Staff who reunify also see the queue's adults and the refusals (audited)."""
    incident = _incident(request, pk)
    may = reunification.may_reunify(request.user, incident)
    queue: list[ReunificationRequest] = []
    closed: list[ReunificationRequest] = []
    if may:
        requests = reunification.visible_requests(request.user, incident).select_related(
            "student", "runner", "release", "release__released_by"
        )
        queue = [r for r in requests if r.open]
        closed = sorted(
            (r for r in requests if not r.open),
            key=lambda r: r.closed_at or r.checked_in_at,
            reverse=True,
        )[:100]
        audit.record(
            request.user,
            "view",
            incident,
            detail={"reunification": "queue", "requests": len(queue) + len(closed)},
        )
    return render(
        request,
        "emergencies/reunification.html",
        {
            "incident": incident,
            "board": reunification.board(request.user, incident),
            "remaining": reunification.remaining_students(request.user, incident),
            "may_reunify": may,
            "queue": queue,
            "closed": closed,
            "statuses": Status,
        },
    )


@background
@login_required
@require_GET
def board_json(request: SignedInRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    response = JsonResponse(reunification.board(request.user, incident))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@never_cache
def check_in(request: SignedInRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    _require_reunify(request, incident)
    form = CheckInForm(request.POST or None)
    context = {"incident": incident, "form": form}
    if request.method != "POST" or not form.is_valid():
        return render(request, "emergencies/reunification_check_in.html", context)
    data = form.cleaned_data
    problems: list[ValidationError] = []
    try:
        if data["id_barcode"].strip():
            adult = pickup.adult_from_barcode(data["id_barcode"])
        else:
            adult = pickup.adult_typed(
                data["first_name"], data["last_name"], data["date_of_birth"], data["middle_name"]
            )
    except ValidationError as exc:
        problems.append(exc)
    try:
        students = reunification.find_students(request.user, incident, data["students"])
    except ValidationError as exc:
        problems.append(exc)
    try:
        if not problems:
            created = reunification.check_in(request.user, incident, adult, students)
    except ValidationError as exc:
        problems.append(exc)
    if problems:
        for problem in problems:
            for field, errors in problem.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        return render(request, "emergencies/reunification_check_in.html", context)
    messages.success(request, _("Checked in. Ask the adult to wait at the reunification point."))
    if len(created) == 1:
        return redirect(reunification.request_url(created[0]))
    return redirect(reunification.board_url(incident))


@login_required
@never_cache
def request_detail(request: SignedInRequest, pk: int, request_id: int) -> HttpResponse:
    incident = _incident(request, pk)
    found = _request(request, incident, request_id)
    runners = list(reunification.runners(found))
    initial = request.user.pk if any(u.pk == request.user.pk for u in runners) else None
    return render(
        request,
        "emergencies/reunification_request.html",
        {
            "incident": incident,
            "req": found,
            # What matched, as the access policy lets this reader see it (staff who see
            # screenings); everyone else sees the decision and the outcome only.
            "matches": watchlists.shown_to(
                request.user, found.watchlist_matches, [found.student.school]
            ),
            "links": reunification.links_for(request.user, found),
            "show_guardians": policy.has_perm(
                request.user, Perm.GUARDIANS_VIEW, found.student.school_id
            ),
            "runner_form": RunnerForm(
                choices=[(u.pk, u.label) for u in runners], initial={"runner": initial}
            ),
            "refuse_form": RefuseForm(),
            "may_decide": not found.status == Status.HELD
            or policy.may_decide_held_release(request.user, found.student.school_id),
            "statuses": Status,
            "decisions": Decision,
            "urgent": found.decision in pickup.URGENT,
            "refused": found.decision in pickup.REFUSALS,
        },
    )


def _back(found: ReunificationRequest) -> HttpResponse:
    return redirect(reunification.request_url(found))


@login_required
@require_POST
def send_runner(request: SignedInRequest, pk: int, request_id: int) -> HttpResponse:
    incident = _incident(request, pk)
    found = _request(request, incident, request_id)
    runners = {u.pk: u for u in reunification.runners(found)}
    form = RunnerForm(request.POST, choices=[(uid, u.label) for uid, u in runners.items()])
    runner = runners.get(form.cleaned_data["runner"]) if form.is_valid() else None
    try:
        reunification.send_runner(request.user, found, runner)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("Runner sent."))
    return _back(found)


@login_required
@require_POST
def release(request: SignedInRequest, pk: int, request_id: int) -> HttpResponse:
    incident = _incident(request, pk)
    found = _request(request, incident, request_id)
    try:
        done = reunification.release(request.user, found)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        if done.refused:
            messages.error(request, _("Release refused: %(reason)s") % {"reason": done.reason})
        else:
            messages.success(
                request,
                _("%(student)s released to %(adult)s.")
                % {"student": found.student.full_name, "adult": done.adult_name},
            )
    return _back(found)


@login_required
@require_POST
def refuse(request: SignedInRequest, pk: int, request_id: int) -> HttpResponse:
    incident = _incident(request, pk)
    found = _request(request, incident, request_id)
    form = RefuseForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        reunification.refuse(request.user, found, reason)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("The refusal is recorded."))
    return _back(found)
