"""Triage's pages: the review queue, the school team's queue of high signals, one signal with its
evidence and review, the district's false-alarm figures and its triage settings.

Every view asks the access policy: a signal the user may not see is a 404, a review the user may
not make on a signal they see is a 403 (the services raise PermissionDenied). Every change goes
through :mod:`haven.triage.services`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from haven.access import policy
from haven.access.policy import Perm
from haven.accounts.shell import current_school
from haven.triage import services
from haven.triage.forms import ConfirmForm, DismissForm, SettingsForm
from haven.triage.models import (
    CATEGORY_LABELS,
    IDENTITY,
    URGENCY_RANK,
    DistrictTriageSettings,
    Signal,
    Status,
    Urgency,
)
from haven.web.requests import SignedInRequest
from haven.web.views import page_of, submit

CONCERN = [Urgency.IMMINENT, Urgency.HIGH, Urgency.ROUTINE]
PERIODS = {"30": 30, "90": 90, "365": 365, "all": None}


def _require(request: HttpRequest, perm: Perm) -> None:
    if not policy.has_perm(request.user, perm):
        raise Http404


def _ranked(qs: QuerySet) -> QuerySet:
    """Open signals first, the most urgent first, then the newest."""
    return qs.annotate(
        rank=Case(
            *(When(status=Status.OPEN, urgency=u, then=Value(r)) for u, r in URGENCY_RANK.items()),
            default=Value(9),
            output_field=IntegerField(),
        )
    ).order_by("rank", "-received_at", "-pk")


def _here(request: HttpRequest, qs: QuerySet) -> tuple[QuerySet, Any, str]:
    """The signals of the school in view, or (``?where=all``) of every school the user sees."""
    school = current_school(request)
    if request.GET.get("where") == "all" or school is None:
        return qs, school, "all"
    return qs.filter(school=school), school, ""


def _label(name: str) -> str:
    if name == IDENTITY:
        return _("Sexual or gender identity")
    return str(CATEGORY_LABELS.get(name, name.replace("_", " ")))


def _decorate(signals: Any) -> None:
    for signal in signals:
        signal.labels = [_label(c) for c in signal.flagged]


@never_cache
@login_required
def review(request: HttpRequest) -> HttpResponse:
    """The review queue: signals waiting for a counsellor's verdict, the most urgent first."""
    _require(request, Perm.TRIAGE_REVIEW)
    visible = policy.visible_to(request.user, Signal).filter(
        policy.school_q(request.user, Perm.TRIAGE_REVIEW)
    )
    qs, school, where = _here(request, visible)
    counts = qs.aggregate(
        **{
            str(u): Count("pk", filter=Q(status=Status.OPEN, urgency=u))
            for u in (Urgency.IMMINENT, Urgency.HIGH, Urgency.ROUTINE)
        },
        reviewed=Count("pk", filter=~Q(status=Status.OPEN)),
    )
    status = request.GET.get("status", Status.OPEN)
    if status in Status.values:
        qs = qs.filter(status=status)
    else:
        status = "all"
    urgency = request.GET.get("urgency", "")
    if urgency in Urgency.values:
        qs = qs.filter(urgency=urgency)
    else:
        urgency = ""
        qs = qs.filter(urgency__in=CONCERN)
    sources = sorted(set(visible.values_list("source", flat=True).distinct().order_by()))
    source = request.GET.get("source", "")
    if source in sources:
        qs = qs.filter(source=source)
    else:
        source = ""
    page = page_of(request, _ranked(qs.select_related("school", "student")))
    _decorate(page)
    return render(
        request,
        "triage/review.html",
        {
            "page": page,
            "counts": counts,
            "school": school,
            "where": where,
            "many_places": policy.schools_for(request.user, Perm.TRIAGE_REVIEW).count() > 1,
            "may_see_quality": policy.has_perm(request.user, Perm.TRIAGE_QUALITY),
            "status": status,
            "urgency": urgency,
            "source": source,
            "sources": sources,
            "statuses": [*Status.choices, ("all", _("All"))],
            "urgencies": Urgency.choices,
            "filtered": status != Status.OPEN or urgency or source,
        },
    )


@never_cache
@login_required
def team(request: HttpRequest) -> HttpResponse:
    """The school team's queue: high and imminent signals the team may see."""
    _require(request, Perm.CASES_SCHOOL)
    visible = policy.visible_to(request.user, Signal).filter(
        policy.school_q(request.user, Perm.CASES_SCHOOL),
        urgency__in=[Urgency.IMMINENT, Urgency.HIGH],
    )
    qs, school, where = _here(request, visible)
    show_all = request.GET.get("status") == "all"
    if not show_all:
        qs = qs.filter(status=Status.OPEN)
    page = page_of(request, _ranked(qs.select_related("school", "student")))
    _decorate(page)
    return render(
        request,
        "triage/team.html",
        {
            "page": page,
            "school": school,
            "where": where,
            "show_all": show_all,
            "many_places": policy.schools_for(request.user, Perm.CASES_SCHOOL).count() > 1,
        },
    )


def highlight(text: str, evidence: Any) -> SafeString:
    """``text`` escaped, with the evidence spans wrapped in <mark> (overlapping spans merged,
    malformed ones ignored); the kinds of concern are in each mark's title."""
    spans: list[tuple[int, int, set[str]]] = []
    for item in evidence if isinstance(evidence, list) else []:
        if not isinstance(item, dict):
            continue
        start, end = item.get("start"), item.get("end")
        if not isinstance(start, int) or not isinstance(end, int):
            continue
        start, end = max(0, start), min(len(text), end)
        if start < end:
            spans.append((start, end, {str(item.get("category", ""))}))
    merged: list[tuple[int, int, set[str]]] = []
    for start, end, kinds in sorted(spans, key=lambda s: (s[0], s[1])):
        if merged and start <= merged[-1][1]:
            first, last, seen = merged[-1]
            merged[-1] = (first, max(last, end), seen | kinds)
        else:
            merged.append((start, end, kinds))
    out: list[str] = []
    position = 0
    for start, end, kinds in merged:
        words = ", ".join(
            _("Sign of urgency") if k == "urgency" else _label(k) for k in sorted(kinds) if k
        )
        out.append(escape(text[position:start]))
        out.append(f'<mark title="{escape(words)}">{escape(text[start:end])}</mark>')
        position = end
    out.append(escape(text[position:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece of text above is escaped


def _signal_page(
    request: HttpRequest, signal: Signal, *, status: int = 200, **forms: Any
) -> HttpResponse:
    user = request.user
    reading = signal.reading or {}
    scores = [
        {"label": _label(c["name"]), "percent": round(c["score"] * 100)}
        for c in reading.get("categories", [])
        if isinstance(c, dict) and isinstance(c.get("score"), int | float) and c["score"] >= 0.3
    ]
    scores.sort(key=lambda c: -c["percent"])
    reviewer = policy.may_review_signal(user, signal)
    may_open_case = services.cases_available() and policy.has_perm(
        user, Perm.CASES_SCHOOL, signal.school_id
    )
    return render(
        request,
        "triage/signal.html",
        {
            "signal": signal,
            "text": highlight(signal.text, reading.get("evidence")),
            "scores": scores,
            "flagged": [_label(c) for c in signal.flagged],
            "sensitive_reasons": [_label(c) for c in signal.sensitive_reasons],
            "may_see_student": policy.visible_to(user, type(signal.student))
            .filter(pk=signal.student_id)
            .exists(),
            "reviewer": reviewer,
            "may_review": reviewer and signal.status == Status.OPEN,
            "may_open_case": may_open_case,
            "confirm_form": forms.get("confirm_form")
            or ConfirmForm(initial={"case_type": services.suggested_case_type(signal)}),
            "dismiss_form": forms.get("dismiss_form") or DismissForm(),
        },
        status=status,
    )


@never_cache
@login_required
def signal(request: SignedInRequest, pk: int) -> HttpResponse:
    return _signal_page(request, services.get_signal(request.user, pk))


def _visible(request: HttpRequest, pk: int) -> Signal:
    """The signal, if the user may see it (the page that shows it records the read)."""
    return policy.get_visible_or_404(request.user, Signal.objects.select_related("school"), pk)


@require_POST
@login_required
def confirm(request: SignedInRequest, pk: int) -> HttpResponse:
    found = _visible(request, pk)
    form = ConfirmForm(request.POST)
    done = submit(
        request,
        form,
        lambda data: services.confirm(
            request.user,
            found,
            note=data["note"],
            open_case=data["open_case"],
            case_type=data["case_type"],
        ),
        success=lambda confirmed: (
            _("Confirmed. Case #%(n)d is open.") % {"n": confirmed.case_id}
            if confirmed.case_id
            else _("Confirmed.")
        ),
        then=lambda confirmed: reverse("triage:signal", kwargs={"pk": confirmed.pk}),
    )
    return done or _signal_page(request, services.get_signal(request.user, pk), confirm_form=form)


@require_POST
@login_required
def dismiss(request: SignedInRequest, pk: int) -> HttpResponse:
    found = _visible(request, pk)
    form = DismissForm(request.POST)
    done = submit(
        request,
        form,
        lambda data: services.dismiss(
            request.user, found, reason=data["reason"], note=data["note"]
        ),
        success=_("Dismissed. Thank you: the reason helps measure triage."),
        then="triage:review",
    )
    return done or _signal_page(request, services.get_signal(request.user, pk), dismiss_form=form)


def _district(request: SignedInRequest) -> Any:
    districts = list(services.managed_districts(request.user))
    if not districts:
        raise Http404
    chosen = request.GET.get("district", "")
    return next((d for d in districts if d.slug == chosen), districts[0]), districts


@never_cache
@login_required
def quality(request: SignedInRequest) -> HttpResponse:
    """False-alarm rates per category, school and monitoring tool (district administrators)."""
    district, districts = _district(request)
    period = request.GET.get("period", "90")
    if period not in PERIODS:
        period = "90"
    days = PERIODS[period]
    since = timezone.now() - timedelta(days=days) if days else None
    figures = services.rates(request.user, district=district, since=since)
    return render(
        request,
        "triage/quality.html",
        {
            "district": district,
            "districts": districts,
            "period": period,
            "periods": [
                ("30", _("Last 30 days")),
                ("90", _("Last 90 days")),
                ("365", _("Last year")),
                ("all", _("All time")),
            ],
            "figures": figures,
            "tables": [
                (_("Category"), figures.by_category, "by-category"),
                (_("School"), figures.by_school, "by-school"),
                (_("Monitoring tool"), figures.by_source, "by-source"),
            ],
        },
    )


@never_cache
@login_required
def district_settings(request: SignedInRequest) -> HttpResponse:
    """The district's sensitive categories, identity guardrail and retention."""
    district, districts = _district(request)
    prefs = services.district_settings(district)
    if request.method == "POST":
        form = SettingsForm(request.POST)
        done = submit(
            request,
            form,
            lambda data: services.update_settings(
                request.user,
                district,
                sensitive_categories=data["sensitive_categories"],
                guard_identity=data["guard_identity"],
                retention_days=data["retention_days"],
            ),
            success=_("Saved. New signals follow these settings."),
            then=f"{request.path}?district={district.slug}",
        )
        if done:
            return done
    else:
        form = SettingsForm(
            initial={
                "sensitive_categories": prefs.sensitive_categories,
                "guard_identity": prefs.guard_identity,
                "retention_days": prefs.retention_days,
            }
        )
    return render(
        request,
        "triage/settings.html",
        {
            "district": district,
            "districts": districts,
            "form": form,
            "default_retention": services.retention_days(DistrictTriageSettings()),
        },
    )
