"""Roll call pages: a teacher's classes, the roll call of one class (one tap per student, "with
me" for a student from another class, their own status), the live accountability dashboard and
its JSON and the office's account of visitors. Thin: every change goes through
:mod:`haven.emergencies.roll_call.services` (what it adds up to is
:mod:`haven.emergencies.roll_call.accountability`)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from haven.access import policy
from haven.accounts.activity import background
from haven.core.models import Section, Student
from haven.emergencies.alerts.protocols import ACTIONS
from haven.emergencies.models import Incident, RollCall, RollCallEntry, VisitorAccount
from haven.emergencies.roll_call import accountability
from haven.emergencies.roll_call import services as roll_calls
from haven.web.requests import SignedInRequest

#: The choices for a student of the class, and for one from another class who is with the teacher.
CLASS_CHOICES = [
    RollCallEntry.Status.PRESENT,
    RollCallEntry.Status.MISSING,
    RollCallEntry.Status.INJURED,
]
EXTRA_CHOICES = [RollCallEntry.Status.EXTRA, RollCallEntry.Status.INJURED]


def _incident(request: HttpRequest, pk: int) -> Incident:
    return policy.get_visible_or_404(
        request.user, Incident.objects.select_related("school", "district", "raised_by"), pk
    )


@login_required
@never_cache
@require_GET
def roll_call(request: SignedInRequest, pk: int) -> HttpResponse:
    """The classes this person reports for, each marked reported or not."""
    incident = _incident(request, pk)
    sections = list(roll_calls.sections_for(request.user, incident))
    reported = {
        rc.section_id: rc
        for rc in RollCall.objects.filter(
            incident=incident, section__in=[s.pk for s in sections]
        ).select_related("reported_by")
    }
    if len(sections) == 1 and not reported and incident.active:
        return redirect("emergencies:roll_call_section", pk=incident.pk, section=sections[0].pk)
    rows = [{"section": s, "roll_call": reported.get(s.pk)} for s in sections]
    return render(
        request,
        "emergencies/roll_call.html",
        {"incident": incident, "action": ACTIONS[incident.protocol], "rows": rows},
    )


def _student_rows(
    students: list[Student], choices: list[Any], values: dict[int, tuple[str, str]]
) -> list[dict[str, Any]]:
    labels = dict(RollCallEntry.Status.choices)
    options = [(str(c), str(labels[c])) for c in choices]
    if RollCallEntry.Status.EXTRA in choices:
        options.append(("", _("Not with me")))
    return [
        {
            "student": student,
            "choices": options,
            "status": values.get(student.pk, ("", ""))[0],
            "note": values.get(student.pk, ("", ""))[1],
            "errors": [],
        }
        for student in students
    ]


def _posted(request: HttpRequest, students: list[Student]) -> dict[int, tuple[str, str]]:
    return {
        s.pk: (
            request.POST.get(f"status-{s.pk}", "").strip(),
            request.POST.get(f"note-{s.pk}", "").strip(),
        )
        for s in students
    }


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def roll_call_section(request: SignedInRequest, pk: int, section: int) -> HttpResponse:
    """The roll call of one class. Without JavaScript every button is a plain submit: "search"
    and "everyone present" come back to this page with what was already marked kept."""
    incident = _incident(request, pk)
    found = (
        policy.visible_to(request.user, Section)
        .filter(pk=section, school__in=accountability.school_ids(incident))
        .select_related("school")
        .first()
    )
    if found is None:
        raise Http404
    if not policy.may_report_roll_call(request.user, found):
        raise PermissionDenied(
            _(
                "You do not teach %(section)s: only its teachers and incident command may report "
                "for it."
            )
            % {"section": found.title}
        )
    students = roll_calls.roster(found)
    previous = RollCall.objects.filter(incident=incident, section=found).first()
    saved = {}
    saved_extras: list[Student] = []
    if previous is not None:
        entries = previous.entries.select_related("student")
        saved = {e.student_id: (e.status, e.note) for e in entries}
        class_ids = {s.pk for s in students}
        saved_extras = [e.student for e in entries if e.student_id not in class_ids]

    step = request.POST.get("action", "") if request.method == "POST" else ""
    query = request.POST.get("q", "").strip() if request.method == "POST" else ""
    if request.method == "POST":
        extra_ids = [int(i) for i in request.POST.getlist("extra") if i.isdigit()]
        extras = list(
            Student.objects.filter(
                pk__in=extra_ids, school__in=accountability.school_ids(incident)
            ).order_by("family_name", "given_name")
        )
        values = _posted(request, students + extras)
        reporter_status = request.POST.get("reporter_status", RollCall.ReporterStatus.SAFE)
        note = request.POST.get("note", "")
    else:
        extras = saved_extras
        values = saved
        reporter_status = previous.reporter_status if previous else RollCall.ReporterStatus.SAFE
        note = previous.note if previous else ""

    if step == "all_present":
        for student in students:
            if not values.get(student.pk, ("", ""))[0]:
                values[student.pk] = (RollCallEntry.Status.PRESENT, "")
    candidates: list[Student] = []
    if step == "search":
        known = {s.pk for s in extras}
        candidates = [
            s for s in roll_calls.extra_candidates(incident, found, query) if s.pk not in known
        ]
        if not candidates:
            messages.info(request, _("No student of the school matches %(q)s.") % {"q": query})

    class_rows = _student_rows(students, CLASS_CHOICES, values)
    extra_rows = _student_rows(extras + candidates, EXTRA_CHOICES, values)
    errors: list[str] = []
    if step == "save":
        rows = [r for r in class_rows + extra_rows if r["status"]]
        marks = [roll_calls.Mark(r["student"].pk, r["status"], r["note"]) for r in rows]
        try:
            _roll_call, created = roll_calls.submit_roll_call(
                request.user,
                incident,
                found,
                marks,
                reporter_status=reporter_status,
                note=note,
                via="page",
            )
        except ValidationError as exc:
            errors = _attach_errors(exc, rows)
        else:
            unmarked = sum(1 for r in class_rows if not r["status"])
            if created:
                messages.success(request, _("Roll call sent for %(s)s.") % {"s": found.title})
            else:
                messages.success(request, _("Roll call corrected for %(s)s.") % {"s": found.title})
            if unmarked:
                messages.warning(
                    request,
                    ngettext(
                        "%(n)d student was not marked: they count as not reported.",
                        "%(n)d students were not marked: they count as not reported.",
                        unmarked,
                    )
                    % {"n": unmarked},
                )
            return redirect("emergencies:roll_call", pk=incident.pk)
    return render(
        request,
        "emergencies/roll_call_section.html",
        {
            "incident": incident,
            "action": ACTIONS[incident.protocol],
            "section": found,
            "class_rows": class_rows,
            "extra_rows": extra_rows,
            "reporter_status": reporter_status,
            "reporter_choices": RollCall.ReporterStatus.choices,
            "note": note,
            "q": query,
            "errors": errors,
            "previous": previous,
        },
        status=422 if errors else 200,
    )


def _attach_errors(exc: ValidationError, rows: list[dict[str, Any]]) -> list[str]:
    """Put each ``statuses[i].…`` message next to its student; return the rest for the top."""
    general: list[str] = []
    for key, msgs in exc.message_dict.items():
        if key.startswith("statuses[") and "]" in key:
            index = key[len("statuses[") : key.index("]")]
            if index.isdigit() and int(index) < len(rows):
                rows[int(index)]["errors"].extend(msgs)
                continue
        general.extend(msgs)
    if not general:
        general.append(_("Some students need another look: see the messages next to them."))
    return general


def _dashboard_data(request: SignedInRequest, incident: Incident, via: str) -> dict[str, Any]:
    result = accountability.compute(incident)
    accountability.record_if_complete(incident, result)
    data = accountability.as_data(result, request.user)
    if data["names_visible"] or data["visitors"]["people"]:
        accountability.audit_read(request.user, incident, via=via)
    data["updated"] = timezone.localtime().strftime("%H:%M:%S")
    return data


@login_required
@never_cache
@require_GET
def accountability_page(request: SignedInRequest, pk: int) -> HttpResponse:
    """The live dashboard; polls :func:`accountability_json` with JavaScript, refreshes itself
    every 15 seconds without."""
    incident = _incident(request, pk)
    return render(
        request,
        "emergencies/accountability.html",
        {
            "incident": incident,
            "action": ACTIONS[incident.protocol],
            "data": _dashboard_data(request, incident, "page"),
            "may_account_visitors": any(
                policy.may_account_visitors(request.user, sid)
                for sid in accountability.school_ids(incident)
            ),
        },
    )


@background
@login_required
@never_cache
@require_GET
def accountability_json(request: SignedInRequest, pk: int) -> JsonResponse:
    incident = _incident(request, pk)
    return JsonResponse(_dashboard_data(request, incident, "poll"))


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def visitors(request: SignedInRequest, pk: int) -> HttpResponse:
    """The office's list of visitors on site during the incident, each accounted for or missing."""
    from haven.visitors.models import Visit

    incident = _incident(request, pk)
    schools = [
        sid
        for sid in accountability.school_ids(incident)
        if policy.may_account_visitors(request.user, sid)
    ]
    if not schools:
        raise PermissionDenied(_("Only the office and incident command account for visitors."))
    if request.method == "POST":
        visit_id = request.POST.get("visit", "")
        visit = (
            Visit.objects.filter(pk=int(visit_id), school__in=schools).first()
            if visit_id.isdigit()
            else None
        )
        if visit is None:
            messages.error(request, _("Choose a visitor from the list."))
        else:
            try:
                roll_calls.account_visitor(
                    request.user, incident, visit, request.POST.get("status", "")
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Saved: %(name)s.") % {"name": visit.person.name})
        return redirect("emergencies:visitors", pk=incident.pk)
    result = accountability.compute(incident)
    people = [v for v in result.visitors if v.school_id in schools]
    accountability.audit_read(request.user, incident, via="visitors")
    return render(
        request,
        "emergencies/visitors.html",
        {
            "incident": incident,
            "action": ACTIONS[incident.protocol],
            "people": people,
            "statuses": VisitorAccount.Status,
        },
    )
