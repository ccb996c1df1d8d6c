"""Drill pages: the school's drill schedule and log (with its compliance for the school year),
scheduling, starting and logging a drill, logging one run without Haven, the iCalendar feed and the
district's compliance table; and the after-action report of an incident or a drill (PDF, CSV). Every
staff member of a school sees its drills; its administrators and SRO schedule and log them; only
incident command downloads the report. Thin: every change goes through
:mod:`haven.emergencies.drills.services`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from haven.access import policy
from haven.access.policy import Perm
from haven.accounts.shell import current_school
from haven.audit import services as audit
from haven.emergencies.drills import compliance as compliance_
from haven.emergencies.drills import report
from haven.emergencies.drills import services as drills
from haven.emergencies.models import Drill, DrillKind, Incident, Protocol
from haven.web.requests import SignedInRequest

MOMENT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
KIND_CHOICES = [("", gettext_lazy("— none —")), *DrillKind.choices]


# --- forms ----------------------------------------------------------------------------------------


class ScheduleForm(forms.Form):
    protocol = forms.ChoiceField(label=gettext_lazy("Protocol"), choices=Protocol.choices)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of drill (optional)"),
        choices=KIND_CHOICES,
        required=False,
        help_text=gettext_lazy("Where your state counts them apart: a fire drill is an Evacuate."),
    )
    scheduled_for = forms.DateTimeField(label=gettext_lazy("Date and time"), widget=MOMENT)
    note = forms.CharField(
        label=gettext_lazy("Note (optional)"),
        required=False,
        max_length=drills.MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RunForm(forms.Form):
    started_at = forms.DateTimeField(label=gettext_lazy("Started"), widget=MOMENT)
    ended_at = forms.DateTimeField(label=gettext_lazy("Ended"), widget=MOMENT)
    participants = forms.IntegerField(
        label=gettext_lazy("Participants"),
        required=False,
        min_value=0,
        max_value=drills.MAX_PARTICIPANTS,
        help_text=gettext_lazy("Students and staff who took part."),
    )
    issues = forms.CharField(
        label=gettext_lazy("Issues found (optional)"),
        required=False,
        max_length=drills.MAX_ISSUES,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What went wrong and what to fix: a door that did not lock, …"),
    )


class OffSystemForm(RunForm):
    protocol = forms.ChoiceField(label=gettext_lazy("Protocol"), choices=Protocol.choices)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of drill (optional)"), choices=KIND_CHOICES, required=False
    )
    note = forms.CharField(
        label=gettext_lazy("Note (optional)"), required=False, max_length=drills.MAX_NOTE
    )

    field_order = ["protocol", "kind", "started_at", "ended_at", "participants", "issues", "note"]


class FilterForm(forms.Form):
    school = forms.ChoiceField(label=gettext_lazy("School"), required=False)
    year = forms.TypedChoiceField(
        label=gettext_lazy("School year"), coerce=int, required=False, empty_value=None
    )
    protocol = forms.ChoiceField(
        label=gettext_lazy("Type"),
        required=False,
        choices=[("", gettext_lazy("All types")), *Protocol.choices],
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[
            ("", gettext_lazy("Any status")),
            (drills.Status.SCHEDULED, gettext_lazy("Scheduled")),
            (drills.Status.OVERDUE, gettext_lazy("Overdue")),
            (drills.Status.IN_PROGRESS, gettext_lazy("In progress")),
            (drills.Status.DONE, gettext_lazy("Done")),
        ],
    )

    def __init__(self, *args: Any, schools: list[Any], years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [(s.slug, s.name) for s in schools]  # type: ignore[attr-defined]
        self.fields["year"].choices = [(y, drills.year_label(y)) for y in years]  # type: ignore[attr-defined]


# --- helpers --------------------------------------------------------------------------------------


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def _school(request: SignedInRequest, slug: str | None = None) -> Any:
    """The school asked for (``?school=``), else the one in view, among those whose drills the
    user sees; 404 when none."""
    schools = list(drills.schools_seen(request.user))
    if not schools:
        raise Http404
    if slug:
        for school in schools:
            if school.slug == slug:
                return school
        raise Http404
    chosen = current_school(request)
    return next((s for s in schools if chosen and s.pk == chosen.pk), schools[0])


def _drill(request: SignedInRequest, pk: int) -> Drill:
    drill = drills.visible(request.user).filter(pk=pk).first()
    if drill is None:
        raise Http404
    return drill


def _managed(request: SignedInRequest, pk: int) -> Drill:
    drill = _drill(request, pk)
    if not drills.may_manage(request.user, drill.school_id):
        raise PermissionDenied(
            _("Only the school's administrators and SRO schedule and log drills.")
        )
    return drill


def _local(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M") if value else ""


# --- pages ----------------------------------------------------------------------------------------


@login_required
@never_cache
def drill_list(request: SignedInRequest) -> HttpResponse:
    schools = list(drills.schools_seen(request.user))
    if not schools:
        raise Http404
    school = _school(request, request.GET.get("school") or None)
    start_month = drills.year_start_month(school.district_id)
    today = timezone.localdate()
    this_year = drills.school_year_of(today, start_month)
    years = list(range(this_year + 1, this_year - 5, -1))
    query = request.GET.copy()
    query.setdefault("school", school.slug)
    query.setdefault("year", str(this_year))
    form = FilterForm(query, schools=schools, years=years)
    data = form.cleaned_data if form.is_valid() else {}
    year = data.get("year") or this_year
    qs = drills.in_year(drills.visible(request.user).filter(school=school), year, start_month)
    if data.get("protocol"):
        qs = qs.filter(protocol=data["protocol"])
    now = timezone.now()
    rows = []
    for drill in qs.order_by("scheduled_for"):
        status = drills.drill_status(drill, now)
        if data.get("status") and status != data["status"]:
            continue
        rows.append(
            {
                "drill": drill,
                "status": status,
                "status_label": drills.status_label(status),
                "tone": drills.status_tone(status),
                "type": drills.type_label(drill.protocol, drill.kind),
                "when": drills.when(drill),
            }
        )
    first, after = drills.year_bounds(year, start_month)
    return render(
        request,
        "emergencies/drills.html",
        {
            "school": school,
            "form": form,
            "rows": rows,
            "year": year,
            "year_label": drills.year_label(year),
            "year_first": first,
            "year_last": after - dt.timedelta(days=1),
            "lines": compliance_.compliance(school, year, today=today),
            "can_manage": drills.may_manage(request.user, school),
            "can_see_district": bool(policy.schools_for(request.user, Perm.EMERGENCY_COMMAND)),
            "filtered": any(data.get(k) for k in ("protocol", "status")),
        },
    )


@login_required
@never_cache
def schedule(request: SignedInRequest) -> HttpResponse:
    school = _school(request, request.GET.get("school") or request.POST.get("school") or None)
    if not drills.may_manage(request.user, school):
        raise PermissionDenied(
            _("Only the school's administrators and SRO schedule and log drills.")
        )
    form = ScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            drill = drills.schedule(
                request.user,
                school,
                data["protocol"],
                data["scheduled_for"],
                kind=data["kind"],
                note=data["note"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Drill scheduled."))
            return redirect("emergencies:drill", pk=drill.pk)
    return render(
        request,
        "emergencies/drill_form.html",
        {"form": form, "school": school, "mode": "schedule"},
    )


@login_required
@never_cache
def log_off_system(request: SignedInRequest) -> HttpResponse:
    school = _school(request, request.GET.get("school") or request.POST.get("school") or None)
    if not drills.may_manage(request.user, school):
        raise PermissionDenied(
            _("Only the school's administrators and SRO schedule and log drills.")
        )
    form = OffSystemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            drill = drills.log_off_system(
                request.user,
                school,
                data["protocol"],
                kind=data["kind"],
                started_at=data["started_at"],
                ended_at=data["ended_at"],
                participants=data["participants"],
                issues=data["issues"],
                note=data["note"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Drill logged."))
            return redirect("emergencies:drill", pk=drill.pk)
    return render(
        request,
        "emergencies/drill_form.html",
        {"form": form, "school": school, "mode": "off_system"},
    )


@login_required
@never_cache
def drill_detail(request: SignedInRequest, pk: int, form: RunForm | None = None) -> HttpResponse:
    drill = _drill(request, pk)
    status = drills.drill_status(drill)
    if form is None:
        incident = drill.incident
        form = RunForm(
            initial={
                "started_at": _local(drill.started_at or drill.scheduled_for),
                "ended_at": _local(drill.ended_at or (incident.all_clear_at if incident else None)),
                "participants": drill.participants,
                "issues": drill.issues,
            }
        )
    return render(
        request,
        "emergencies/drill.html",
        {
            "drill": drill,
            "status": status,
            "status_label": drills.status_label(status),
            "tone": drills.status_tone(status),
            "type": drills.type_label(drill.protocol, drill.kind),
            "duration": drill.duration,
            "can_manage": drills.may_manage(request.user, drill.school_id),
            "form": form,
        },
    )


@login_required
@require_POST
def start(request: SignedInRequest, pk: int) -> HttpResponse:
    drill = _managed(request, pk)
    try:
        incident = drills.start(request.user, drill)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("emergencies:drill", pk=drill.pk)
    messages.success(request, _("Drill started: every staff device was alerted, marked DRILL."))
    return redirect("emergencies:detail", pk=incident.pk)


@login_required
@require_POST
def log(request: SignedInRequest, pk: int) -> HttpResponse:
    drill = _managed(request, pk)
    form = RunForm(request.POST)
    if not form.is_valid():
        return drill_detail(request, pk, form=form)
    data = form.cleaned_data
    try:
        drills.log(
            request.user,
            drill,
            started_at=data["started_at"],
            ended_at=data["ended_at"],
            participants=data["participants"],
            issues=data["issues"],
        )
    except ValidationError as exc:
        _add_errors(form, exc)
        return drill_detail(request, pk, form=form)
    messages.success(request, _("Drill logged."))
    return redirect("emergencies:drill", pk=drill.pk)


@login_required
@require_POST
def cancel(request: SignedInRequest, pk: int) -> HttpResponse:
    drill = _managed(request, pk)
    slug = drill.school.slug
    try:
        drills.cancel(request.user, drill)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("emergencies:drill", pk=drill.pk)
    messages.success(request, _("Drill taken off the calendar."))
    return redirect(f"{_list_url()}?school={slug}")


def _list_url() -> str:
    return reverse("emergencies:drills")


@login_required
@require_GET
def calendar(request: SignedInRequest) -> HttpResponse:
    """The school's drills, scheduled and past (this school year and the last), as iCalendar."""
    school = _school(request, request.GET.get("school") or None)
    start_month = drills.year_start_month(school.district_id)
    year = drills.school_year_of(timezone.localdate(), start_month)
    first, _after = drills._aware_bounds(year - 1, start_month)
    qs = drills.visible(request.user).filter(school=school)
    qs = qs.filter(scheduled_for__gte=first) | qs.filter(started_at__gte=first)
    body = drills.calendar(school, qs.order_by("scheduled_for"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="drills-{school.slug}.ics"'
    return response


@login_required
@never_cache
def compliance(request: SignedInRequest) -> HttpResponse:
    """Every school the user commands (a district administrator: the whole district) against the
    required drills of the school year."""
    schools = list(policy.schools_for(request.user, Perm.EMERGENCY_COMMAND).order_by("name"))
    if not schools:
        raise Http404
    district = schools[0].district
    start_month = drills.year_start_month(district)
    today = timezone.localdate()
    this_year = drills.school_year_of(today, start_month)
    try:
        year = int(request.GET.get("year") or this_year)
    except ValueError:
        year = this_year
    if not this_year - 10 <= year <= this_year + 1:
        year = this_year
    requirements, rows = compliance_.district_compliance(request.user, district, year, today=today)
    commanded = {s.pk for s in schools}
    rows = [(school, lines) for school, lines in rows if school.pk in commanded]
    return render(
        request,
        "emergencies/drill_compliance.html",
        {
            "district": district,
            "requirements": [drills.type_label(r.protocol, r.kind) for r in requirements],
            "rows": rows,
            "year": year,
            "year_label": drills.year_label(year),
            "years": [(y, drills.year_label(y)) for y in range(this_year, this_year - 5, -1)],
        },
    )


# --- the after-action report (of an incident or a drill) ------------------------------------------


def _incident(request: HttpRequest, pk: int) -> Incident:
    return policy.get_visible_or_404(
        request.user, Incident.objects.select_related("school", "district", "raised_by"), pk
    )


def _report(request: SignedInRequest, pk: int, kind: str) -> tuple[Incident, report.Figures]:
    incident = _incident(request, pk)
    if not policy.may_download_after_action(request.user, incident):
        raise PermissionDenied(_("Only incident command may download the after-action report."))
    figures = report.figures(incident)
    audit.record(
        request.user,
        "export",
        incident,
        detail={"report": "after_action", "format": kind},
        school_id=incident.school_id,
    )
    return incident, figures


@login_required
@require_GET
def report_pdf(request: SignedInRequest, pk: int) -> HttpResponse:
    incident, figures = _report(request, pk, "pdf")
    who = getattr(request.user, "label", request.user.get_username())
    response = HttpResponse(report.as_pdf(figures, who), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report.filename(incident, "pdf")}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def report_csv(request: SignedInRequest, pk: int) -> HttpResponse:
    incident, figures = _report(request, pk, "csv")
    response = HttpResponse(report.as_csv(figures), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{report.filename(incident, "csv")}"'
    response["Cache-Control"] = "no-store"
    return response
