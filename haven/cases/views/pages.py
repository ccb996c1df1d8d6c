"""The staff's case pages: the list of cases and one case with its compartments, notes, timeline,
team chat and tasks.

Views stay thin: every read and change goes through :mod:`haven.cases.services`, which asks the
access policy (404 for a case or compartment the user may not see, 403 for what they see but may
not do), validates, writes, audits and notifies. A compartment the user may not read is not shown
at all, not even its name, except as a "Break glass" form where the policy allows one.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from haven.access import policy
from haven.access.models import Compartment
from haven.access.policy import Perm
from haven.accounts.shell import current_school
from haven.cases import services
from haven.cases.forms import (
    BreakGlassForm,
    CaseForm,
    DismissForm,
    DocumentForm,
    MessageForm,
    NoteForm,
    ReferForm,
    SummaryForm,
    TaskForm,
)
from haven.cases.models import (
    WARNING_SIGN_HINTS,
    Case,
    CaseType,
    Note,
    Priority,
    Referral,
    Status,
    Task,
    WarningSign,
)
from haven.core.models import Student
from haven.tips.models import Tip
from haven.web.requests import SignedInRequest
from haven.web.views import perform, submit

#: Priority -> tone (colour and icon; the word is the priority's label).
PRIORITY_TONE: dict[int, str] = {
    Priority.ROUTINE: "routine",
    Priority.HIGH: "high",
    Priority.URGENT: "life",
}
LIST_PAGE = 50
#: Events of the timeline shown on the case page (the whole timeline has its own page).
TIMELINE_LATEST = 20


def _require_cases(request: HttpRequest) -> None:
    if not (
        policy.has_perm(request.user, Perm.CASES_TEAM)
        or policy.has_perm(request.user, Perm.CASES_SCHOOL)
    ):
        raise Http404


# --- the list -------------------------------------------------------------------------------------


@never_cache
@login_required
def case_list(request: SignedInRequest) -> HttpResponse:
    """The cases the user may see: theirs or their schools', overdue follow-ups first, filtered
    and paginated in the database."""
    _require_cases(request)
    where = request.GET.get("where", "")
    school = current_school(request) if where != "all" else None
    # A value that is not one of the choices is ignored (a stale bookmark), never a 500.
    status = request.GET.get("status", Status.OPEN)
    if status not in Status.values:
        status = ""
    kind = request.GET.get("type", "")
    if kind not in CaseType.values:
        kind = ""
    priority = request.GET.get("priority", "")
    if priority not in {str(v) for v in Priority.values}:
        priority = ""
    mine = request.GET.get("mine") == "1"
    filters = services.CaseFilters(
        school=school,
        status=status or None,
        type=kind or None,
        priority=int(priority) if priority else None,
        mine=mine,
        overdue_first=True,
    )
    shown = services.case_page(
        request.user, filters, page=request.GET.get("page", 1), per_page=LIST_PAGE
    )
    rows = list(shown.object_list)
    for row in rows:
        row.priority_tone = PRIORITY_TONE.get(row.priority, "routine")  # type: ignore[attr-defined]
    return render(
        request,
        "cases/list.html",
        {
            "cases": rows,
            "page": shown,
            "school": school,
            "where": where if where == "all" else "",
            "status": status,
            "kind": kind,
            "priority": priority,
            "mine": mine,
            "filtered": status != Status.OPEN or kind or priority or mine,
            "statuses": [*Status.choices, ("", _("All"))],
            "types": CaseType.choices,
            "priorities": Priority.choices,
            "may_manage": policy.has_perm(request.user, Perm.CASES_SCHOOL),
            "may_see_equity": policy.may_see_equity(request.user),
        },
    )


# --- one case -------------------------------------------------------------------------------------


def case_for_page(request: SignedInRequest, pk: int) -> Case:
    """The case for a page (404 if the user may not see it); the page then calls read services."""
    _require_cases(request)
    return services.require_case(request.user, pk)


def _page(
    request: SignedInRequest,
    case: Case,
    *,
    bound: dict[str, Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The case page; ``bound`` holds a submitted form with its errors, by its key."""
    user = request.user
    bound = bound or {}
    found = services.case_file(user, case.pk, latest_events=TIMELINE_LATEST)
    case = found.case
    compartments = []
    glass = []
    for row in found.access:
        part = row.compartment
        if row.readable:
            publishable = part != Compartment.TEAM and policy.may_publish_summary(user, case, part)
            compartments.append(
                {
                    "part": part,
                    "label": part.label,
                    "writable": row.writable,
                    "grant_until": row.grant_until,
                    "publishable": publishable,
                    "notes": found.notes[part],
                    "form": bound.get(f"note-{part}") or NoteForm(prefix=f"note-{part}"),
                    "documents": found.documents[part],
                    "document_form": bound.get(f"doc-{part}") or DocumentForm(prefix=f"doc-{part}"),
                }
            )
        elif row.may_break_glass:
            glass.append(part)
    return render(
        request,
        "cases/case.html",
        {
            "case": case,
            "priority_tone": PRIORITY_TONE.get(case.priority, "routine"),
            "team": found.team,
            "may_manage": policy.may_manage_case(user, case),
            "compartments": compartments,
            "break_glass": glass,
            "events": found.events,
            "assessments": found.assessments,
            "chat": found.messages,
            "tasks": found.tasks,
            "summary_form": SummaryForm(prefix="summary"),
            "message_form": bound.get("message") or MessageForm(prefix="message"),
            "task_form": bound.get("task") or TaskForm(prefix="task"),
        },
        status=status,
    )


@never_cache
@login_required
def case(request: SignedInRequest, pk: int) -> HttpResponse:
    return _page(request, case_for_page(request, pk))


@never_cache
@login_required
def export_pdf(request: SignedInRequest, pk: int) -> HttpResponse:
    """The case file as a PDF, only what the user may see (see :mod:`haven.cases.export`)."""
    from haven.cases.export import case_pdf

    found = case_for_page(request, pk)
    response = HttpResponse(case_pdf(request.user, found), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="case-{found.pk}.pdf"'
    return response


@login_required
@require_POST
def add_note(request: SignedInRequest, pk: int, part: str) -> HttpResponse:
    found = case_for_page(request, pk)
    if part not in Compartment.values:
        raise Http404
    form = NoteForm(request.POST, prefix=f"note-{part}")
    done = submit(
        request,
        form,
        lambda data: services.add_note(request.user, found, part, data["body"]),
        fields={"text": "body"},
        success=_("Note added."),
        then=reverse("cases:case", args=[found.pk]),
    )
    return done or _page(request, found, bound={f"note-{part}": form})


@login_required
@require_POST
def publish(request: SignedInRequest, pk: int, note: int) -> HttpResponse:
    found = case_for_page(request, pk)
    source = Note.objects.filter(case=found, pk=note).first()
    if source is None:
        raise Http404
    form = SummaryForm(request.POST, prefix="summary")
    if form.is_valid():
        try:
            # The service checks that the user owns the note's compartment (404 / 403).
            services.publish_summary(request.user, source, form.cleaned_data["body"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Summary published to the team record."))
    else:
        messages.error(request, _("Write the summary first."))
    return redirect("cases:case", found.pk)


@never_cache
@login_required
def break_glass(request: SignedInRequest, pk: int, part: str) -> HttpResponse:
    """Open a compartment in a health or safety emergency: the reason is required, the grant is
    time-limited, logged as an emergency disclosure and notified."""
    found = case_for_page(request, pk)
    if part not in Compartment.values:
        raise Http404
    chosen = Compartment(part)
    if not policy.may_break_glass_into_case(request.user, found, chosen):
        raise Http404
    form = BreakGlassForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda data: services.break_glass(request.user, found, part, data["reason"]),
        success=lambda grant: (
            _("The %(compartment)s record is open to you until %(until)s. This is logged.")
            % {
                "compartment": chosen.label,
                "until": timezone.localtime(grant.expires_at).strftime("%Y-%m-%d %H:%M"),
            }
        ),
        level=messages.WARNING,
        then=reverse("cases:case", args=[found.pk]),
    )
    if done:
        return done
    return render(
        request,
        "cases/break_glass.html",
        {
            "case": found,
            "compartment": chosen,
            "form": form,
            "hours": settings.HAVEN_CASE_BREAK_GLASS_HOURS,
        },
    )


@login_required
@require_POST
def post_message(request: SignedInRequest, pk: int) -> HttpResponse:
    found = case_for_page(request, pk)
    form = MessageForm(request.POST, prefix="message")
    done = submit(
        request,
        form,
        lambda data: services.post_message(request.user, found, data["body"]),
        fields={"text": "body"},
        then=reverse("cases:case", args=[found.pk]),
    )
    return done or _page(request, found, bound={"message": form})


@login_required
@require_POST
def add_task(request: SignedInRequest, pk: int) -> HttpResponse:
    found = case_for_page(request, pk)
    form = TaskForm(request.POST, prefix="task")
    done = submit(
        request,
        form,
        lambda data: services.add_task(
            request.user, found, title=data["title"], assignee=request.user, due_on=data["due_on"]
        ),
        success=_("Task added."),
        then=reverse("cases:case", args=[found.pk]),
    )
    return done or _page(request, found, bound={"task": form})


@login_required
@require_POST
def complete_task(request: SignedInRequest, pk: int, task: int) -> HttpResponse:
    found = case_for_page(request, pk)
    row = Task.objects.filter(case=found, pk=task).first()
    if row is None:
        raise Http404
    return perform(
        request,
        lambda: services.complete_task(request.user, row),
        then=reverse("cases:case", args=[found.pk]),
    )


# --- referrals and opening a case -----------------------------------------------------------------


def _school(request: HttpRequest) -> Any:
    school = current_school(request)
    if school is None:
        raise Http404
    return school


@never_cache
@login_required
def refer(request: SignedInRequest) -> HttpResponse:
    """Every staff member's "I'm worried about a student", with the warning signs beside it."""
    school = _school(request)
    if not policy.may_refer(request.user, school):
        raise Http404
    students = policy.visible_to(request.user, Student).filter(school=school, active=True)
    form = ReferForm(request.POST or None, students=students.order_by("family_name", "given_name"))
    done = submit(
        request,
        form,
        lambda data: services.refer(
            request.user,
            school=school,
            concern=data["concern"],
            warning_signs=data["warning_signs"],
            student=data["student"],
            unknown_person=data["unknown_person"],
        ),
        then="cases:referred",
    )
    if done:
        return done
    return render(
        request,
        "cases/refer.html",
        {"form": form, "school": school, "hints": list(WARNING_SIGN_HINTS.items())},
    )


@login_required
def referred(request: HttpRequest) -> HttpResponse:
    return render(request, "cases/referred.html", {"school": current_school(request)})


def _require_team(request: HttpRequest) -> None:
    if not policy.has_perm(request.user, Perm.CASES_SCHOOL):
        raise Http404


@never_cache
@login_required
def referral_inbox(request: SignedInRequest) -> HttpResponse:
    """The team's referrals waiting for a decision: open a case, or dismiss with a reason."""
    _require_team(request)
    rows = services.referrals(request.user, status=Referral.Status.NEW, limit=200)
    labels = dict(WarningSign.choices)
    for row in rows:
        row.sign_labels = [labels.get(s, s) for s in row.warning_signs]  # type: ignore[attr-defined]
    return render(request, "cases/referrals.html", {"referrals": rows, "dismiss": DismissForm()})


@login_required
@require_POST
def dismiss(request: SignedInRequest, referral: int) -> HttpResponse:
    _require_team(request)
    found = services.get_referral(request.user, referral)
    form = DismissForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why no case is needed."))
        return redirect("cases:referrals")
    return perform(
        request,
        lambda: services.dismiss_referral(request.user, found, form.cleaned_data["reason"]),
        success=_("Referral dismissed."),
        then="cases:referrals",
    )


@never_cache
@login_required
def new_case(request: SignedInRequest) -> HttpResponse:
    """Open a case: from a referral (?referral=), a tip (?source_tip=) or directly. 404 for
    someone who has no part in cases, 403 for a team member who may not open one here."""
    _require_cases(request)
    user = request.user
    params = request.POST if request.method == "POST" else request.GET
    referral = tip = None
    if params.get("referral", "").isdigit():
        referral = services.get_referral(user, int(params["referral"]))
        school = referral.school
    elif params.get("source_tip", "").isdigit():
        tip = policy.visible_to(user, Tip).filter(pk=int(params["source_tip"])).first()
        if tip is None:
            raise Http404
        school = tip.school or _school(request)
    else:
        school = _school(request)
    if not policy.may_open_case(user, school):
        raise PermissionDenied(_("You cannot open cases at this school."))
    students = policy.visible_to(user, Student).filter(school=school, active=True)
    initial: dict[str, Any] = {}
    if referral is not None:
        initial = {
            "student": referral.student_id,
            "unknown_person": referral.unknown_person,
            "summary": referral.concern,
        }
    form = CaseForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        students=students.order_by("family_name", "given_name"),
    )
    done = submit(
        request,
        form,
        lambda data: services.open_case(
            user,
            school=school,
            type=data["type"],
            priority=data["priority"],
            summary=data["summary"],
            student=data["student"],
            unknown_person=data["unknown_person"],
            referral=referral,
            source_tip=tip,
        ),
        success=_("Case opened."),
        then=lambda opened: reverse("cases:case", args=[opened.pk]),
    )
    if done:
        return done
    return render(
        request,
        "cases/new.html",
        {"form": form, "school": school, "referral": referral, "tip": tip},
    )
