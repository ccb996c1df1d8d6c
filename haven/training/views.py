"""The training pages: a learner's assignments, a module with its tests, the transcript and
certificates; the overseer's dashboard (completion by school and role against the target,
overdue and expiring people, extensions, CSV, the state certification summary).

Every decision is the policy's (404 for what the user may not reach); every change goes through
:mod:`haven.training.services`; every read of someone else's record is audited there.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from haven.access import policy
from haven.access.policy import Perm
from haven.accounts.models import role_label
from haven.audit import services as audit
from haven.core.models import School
from haven.training import certificate as pdfs
from haven.training import markdown, services
from haven.training import status as st
from haven.training.forms import CertificateForm, ExtendForm, SummaryForm
from haven.training.models import Assignment, Attempt, Module
from haven.web import csv as csv_out
from haven.web.requests import SignedInRequest
from haven.web.views import submit

if TYPE_CHECKING:
    from haven.accounts.models import User


def _language() -> str:
    lang = (get_language() or "en")[:2]
    return lang if lang in ("en", "es") else "en"


def _learner(request: HttpRequest) -> None:
    if not policy.may_take_training(request.user):
        raise Http404


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    context.setdefault("oversees", policy.may_oversee_training(request.user))
    return render(request, template, context, status=status)


# --- the learner ----------------------------------------------------------------------------------


@login_required
@never_cache
def mine(request: SignedInRequest) -> HttpResponse:
    _learner(request)
    language = _language()
    rows = services.my_rows(request.user)
    titles = {m.pk: services.text_of(m, language).title for m in services.modules()}
    assigned = {r.assignment.requirement.module_id for r in rows}
    hours = any(r.assignment.requirement.due == "hours" for r in rows)
    others = [(m, titles[m.pk]) for m in services.modules() if hours and m.pk not in assigned]
    return _render(
        request,
        "training/mine.html",
        {
            "rows": [(r, titles.get(r.assignment.requirement.module_id or 0, "")) for r in rows],
            "others": others,
        },
    )


def _module_or_404(request: HttpRequest, slug: str) -> Module:
    _learner(request)
    module = services.module(slug)
    if module is None:
        raise Http404
    return module


@login_required
@never_cache
def module_page(request: SignedInRequest, slug: str) -> HttpResponse:
    module = _module_or_404(request, slug)
    text = services.text_of(module, _language())
    sections = [
        {"heading": s["heading"], "html": markdown.render(s["body"])} for s in text.sections
    ]
    attempts = Attempt.objects.filter(
        user=request.user.pk, module=module, submitted_at__isnull=False
    ).order_by("-submitted_at")
    return _render(
        request,
        "training/module.html",
        {
            "module": module,
            "text": text,
            "sections": sections,
            "assigned": services.is_assigned(request.user, module),
            "attempts": attempts[:10],
            "completion": module.completions.filter(user=request.user.pk).first(),
            "pass_mark": services.pass_mark(module, request.user),
        },
    )


@login_required
@require_POST
def start(request: SignedInRequest, slug: str, kind: str) -> HttpResponse:
    module = _module_or_404(request, slug)
    if kind not in Attempt.Kind.values:
        raise Http404
    try:
        attempt = services.start_attempt(request.user, module, kind)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("training:module", slug=slug)
    return redirect("training:attempt", pk=attempt.pk)


@login_required
@never_cache
def attempt(request: SignedInRequest, pk: int) -> HttpResponse:
    _learner(request)
    found = policy.visible_to(request.user, Attempt).select_related("module").filter(pk=pk).first()
    if found is None:
        raise Http404
    language = _language()
    module = found.module
    bank = {q.key: q for q in module.questions.all()}
    questions = [bank[k] for k in found.questions if k in bank]
    errors: dict[str, str] = {}
    chosen: dict[str, str] = {}
    if request.method == "POST" and found.submitted_at is None:
        chosen = {q.key: request.POST.get(f"q-{q.key}", "") for q in questions}
        given = {k: v for k, v in chosen.items() if v}
        try:
            services.submit(request.user, module, found.kind, given, attempt=found)
        except ValidationError as exc:
            errors = {k.removeprefix("answers."): " ".join(v) for k, v in exc.message_dict.items()}
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            return redirect("training:module", slug=module.slug)
        else:
            return redirect("training:attempt", pk=found.pk)
    elif request.method not in ("GET", "HEAD", "POST"):
        raise Http404
    found.refresh_from_db()
    completion = getattr(found, "completion", None) if found.submitted_at else None
    return _render(
        request,
        "training/attempt.html",
        {
            "attempt": found,
            "module": module,
            "title": services.text_of(module, language).title,
            "questions": [
                {
                    "key": q.key,
                    "text": services.in_language(q.text, language),
                    "error": errors.get(q.key, ""),
                    "choices": [
                        {
                            "id": c["id"],
                            "text": services.in_language(c["text"], language),
                            "checked": chosen.get(q.key) == c["id"],
                        }
                        for c in q.choices
                    ],
                }
                for q in questions
            ],
            "feedback": services.feedback(found, language) if found.submitted_at else [],
            "percent": round((found.score or 0) * 100),
            "pass_mark": services.pass_mark(module, request.user),
            "completion": completion,
            "errors": errors,
        },
        status=422 if errors else 200,
    )


def _transcript_page(request: SignedInRequest, person: User) -> HttpResponse:
    data = services.transcript(request.user, person)
    language = _language()
    titles = {m.pk: services.text_of(m, language).title for m in services.modules()}
    return _render(
        request,
        "training/transcript.html",
        {
            **data,
            "own": person.pk == request.user.pk,
            "titles": titles,
            "rows": [
                (r, titles.get(r.assignment.requirement.module_id or 0, "")) for r in data["rows"]
            ],
            "form": CertificateForm() if person.pk == request.user.pk else None,
        },
    )


@login_required
@never_cache
def transcript(request: SignedInRequest) -> HttpResponse:
    _learner(request)
    return _transcript_page(request, request.user)


@login_required
@never_cache
def person(request: SignedInRequest, user_id: int) -> HttpResponse:
    found = get_user_model().objects.filter(pk=user_id).first()
    if found is None or not policy.may_see_training_record(request.user, found):
        raise Http404
    return _transcript_page(request, found)


@login_required
@never_cache
def certificate(request: SignedInRequest, pk: int) -> HttpResponse:
    found = services.completion_for(request.user, pk)
    if found is None:
        raise Http404
    title = services.text_of(found.module, _language()).title
    return _pdf(pdfs.completion_pdf(found, title), f"certificate-{found.number}.pdf")


@login_required
@require_POST
def add_external(request: SignedInRequest) -> HttpResponse:
    _learner(request)
    form = CertificateForm(request.POST, request.FILES)
    done = submit(
        request,
        form,
        lambda data: services.add_certificate(
            request.user,
            request.user,
            kind=data["kind"],
            issuer=data["issuer"],
            issued_on=data["issued_on"],
            expires_on=data["expires_on"],
            upload=data["file"],
        ),
        success=_("Certificate recorded."),
        then="training:transcript",
    )
    if done:
        return done
    data = services.transcript(request.user, request.user)
    language = _language()
    titles = {m.pk: services.text_of(m, language).title for m in services.modules()}
    return _render(
        request,
        "training/transcript.html",
        {
            **data,
            "own": True,
            "rows": [
                (r, titles.get(r.assignment.requirement.module_id or 0, "")) for r in data["rows"]
            ],
            "form": form,
        },
        status=422,
    )


@login_required
def external_file(request: SignedInRequest, pk: int) -> HttpResponse:
    found = services.certificate_for(request.user, pk)
    if found is None:
        raise Http404
    response = HttpResponse(found.file.open().read(), content_type=found.content_type)
    response["Content-Disposition"] = "attachment"
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- the overseer ---------------------------------------------------------------------------------


def _overseen_schools(request: HttpRequest) -> list[School]:
    return list(policy.schools_for(request.user, Perm.TRAINING_OVERSEE).order_by("name"))


def _school(request: HttpRequest) -> tuple[School, list[School]]:
    schools = _overseen_schools(request)
    if not schools:
        raise Http404
    slug = request.GET.get("school") or request.POST.get("school")
    if not slug:
        return schools[0], schools
    for school in schools:
        if school.slug == slug:
            return school, schools
    raise Http404


def _chart(roles: list[services.RoleCount], target: int) -> dict[str, Any]:
    """Bars for an SVG chart (attributes only: the page's CSP allows no inline style)."""
    height, bar, gap, left = 28, 20, 8, 180
    width = 300
    bars = []
    for i, c in enumerate(roles):
        y = i * height + gap
        bars.append(
            {
                "y": y,
                "text_y": y + bar - 5,
                "width": round(width * c.percent / 100, 1),
                "label": role_label(c.role),
                "percent": c.percent,
                "met": c.percent >= target,
            }
        )
    total = len(roles) * height + gap
    return {
        "bars": bars,
        "height": total + 32,  # room under the axis for the target's label and its descenders
        "label_y": total + 28,
        "left": left,
        "width": width,
        "full": left + width + 60,
        "target_x": left + round(width * target / 100, 1),
        "axis_y": total + 14,
        "bar": bar,
    }


@login_required
@never_cache
def dashboard(request: SignedInRequest) -> HttpResponse:
    school, schools = _school(request)
    data = services.compliance(request.user, school)
    today = services.today()
    overdue = [r for r in data["rows"] if r.standing.status == st.OVERDUE]
    expiring = [r for r in data["rows"] if r.standing.status == st.EXPIRING]
    titles = {m.pk: services.text_of(m, _language()).title for m in services.modules()}
    return _render(
        request,
        "training/dashboard.html",
        {
            "school": school,
            "schools": schools,
            "target": data["target"],
            "roles": [(c, role_label(c.role)) for c in data["roles"]],
            "chart": _chart(data["roles"], data["target"]),
            "overdue": overdue,
            "expiring": expiring,
            "titles": titles,
            "extend_form": ExtendForm(initial={"due": today + dt.timedelta(days=30)}),
            "gain": services.knowledge_gain(),
            "summary_form": SummaryForm(initial={"on": today}),
            "sessions": [
                {
                    "module": m,
                    "title": titles.get(m.pk, m.slug),
                    "people": services.attendees(school, m),
                }
                for m in services.modules().filter(in_person=True)
            ],
            "today": today,
            "district_wide": policy.may_oversee_training(request.user)
            and bool(policy.district_wide(request.user, Perm.TRAINING_OVERSEE)),
        },
    )


@login_required
def dashboard_csv(request: SignedInRequest) -> HttpResponse:
    school, _schools = _school(request)
    data = services.compliance(request.user, school)
    titles = {m.pk: services.text_of(m, "en").title for m in services.modules()}
    rows = [
        (
            school.slug,
            r.assignment.user.get_username(),
            getattr(r.assignment.user, "label", "") or r.assignment.user.get_full_name(),
            r.assignment.role,
            r.assignment.requirement.name,
            titles.get(r.assignment.requirement.module_id or 0, ""),
            r.standing.status,
            r.standing.due.isoformat() if r.standing.due else "",
            csv_out.when(r.standing.completed_at),
        )
        for r in data["rows"]
    ]
    audit.record(
        request.user,
        "export",
        ("training.compliance", school.pk),
        school_id=school.pk,
        detail={"rows": len(rows), "format": "csv"},
    )
    text = csv_out.table(
        [
            "school",
            "username",
            "name",
            "role",
            "requirement",
            "module",
            "status",
            "due",
            "completed_at",
        ],
        rows,
    )
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    stamp = services.today().isoformat()
    response["Content-Disposition"] = f'attachment; filename="training-{school.slug}-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def certification_pdf(request: SignedInRequest) -> HttpResponse:
    """The share of listed staff (requirements marked as certified) trained as of a date, per
    school and role, for the schools the caller oversees in one district."""
    schools = _overseen_schools(request)
    if not schools:
        raise Http404
    form = SummaryForm(request.GET)
    on = form.day() or services.today()
    district = schools[0].district
    per_school = []
    for school in [s for s in schools if s.district_id == district.pk]:
        counts = services.per_role(services.school_rows(school, on, certified_only=True))
        per_school.append(
            {
                "name": school.name,
                "roles": [
                    {
                        "label": role_label(c.role),
                        "assigned": c.assigned,
                        "done": c.done,
                        "percent": c.percent,
                    }
                    for c in counts
                ],
            }
        )
    target = services.training_policy(district.pk).target
    audit.record(
        request.user,
        "export",
        ("training.certification", district.pk),
        district_id=district.pk,
        detail={"on": on.isoformat(), "schools": len(per_school), "format": "pdf"},
    )
    return _pdf(
        pdfs.summary_pdf(district, on, per_school, target), f"training-certification-{on}.pdf"
    )


@login_required
@require_POST
def extend(request: SignedInRequest, pk: int) -> HttpResponse:
    found = (
        policy.visible_to(request.user, Assignment)
        .select_related("requirement", "school")
        .filter(pk=pk)
        .first()
    )
    if found is None or not policy.may_oversee_training(request.user):
        raise Http404
    form = ExtendForm(request.POST)
    back = reverse("training:dashboard") + (f"?school={found.school.slug}" if found.school else "")
    if not form.is_valid():
        messages.error(request, _("Give a new due date and a reason."))
        return redirect(back)
    try:
        services.extend_due(
            request.user, found, form.cleaned_data["due"], form.cleaned_data["reason"]
        )
    except PermissionDenied as exc:
        if found.user_id != request.user.pk:
            raise Http404 from exc
        messages.error(request, str(exc))
        return redirect(back)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    messages.success(
        request,
        _("Due date extended to %(date)s.") % {"date": form.cleaned_data["due"].isoformat()},
    )
    return redirect(back)


@login_required
@require_POST
def attendance(request: SignedInRequest) -> HttpResponse:
    """Record who attended an in-person session (the overseer of the school)."""
    school, _schools = _school(request)
    module = services.module(request.POST.get("module", ""))
    back = reverse("training:dashboard") + f"?school={school.slug}"
    if module is None:
        raise Http404
    try:
        on = dt.date.fromisoformat(request.POST.get("on", ""))
        people = [int(pk) for pk in request.POST.getlist("people")]
    except ValueError:
        messages.error(request, _("Give the day of the session and who attended."))
        return redirect(back)
    try:
        made = services.record_attendance(request.user, school, module, people, on)
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    messages.success(request, _("Attendance recorded for %(n)d people.") % {"n": len(made)})
    return redirect(back)
