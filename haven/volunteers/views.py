"""The volunteer coordinator's pages: volunteers (application, screening, decision, background
check, training, eligibility), opportunities and sign-ups, training requirements, and hours.

Every view asks the access policy: a volunteer or opportunity the user may not see is a 404 (and
so is every page for someone who manages volunteers nowhere). Every change goes through
:mod:`haven.volunteers.services`; every read of a volunteer's record is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from haven.access import policy
from haven.access.policy import Perm
from haven.audit import services as audit
from haven.visitors import watchlists
from haven.visitors.models import Outcome
from haven.volunteers import hours, links, services
from haven.volunteers.forms import (
    ApproveForm,
    CancelOpportunityForm,
    ChangeTrainingTypeForm,
    CheckForm,
    DeclineForm,
    HoursForm,
    OpportunityForm,
    SignUpForm,
    TrainingForm,
    TrainingTypeForm,
)
from haven.volunteers.models import Opportunity, SignUp, TrainingType, Volunteer, VolunteerVisit
from haven.web.requests import SignedInRequest
from haven.web.views import page_of, perform, submit

if TYPE_CHECKING:
    from haven.accounts.models import User

STATUS_TONE = {
    Volunteer.Status.APPLIED: "high",
    Volunteer.Status.APPROVED: "done",
    Volunteer.Status.DECLINED: "life",
    Volunteer.Status.INACTIVE: "routine",
}
CHECK_TONE = {
    services.CheckState.NONE: "high",
    services.CheckState.PENDING: "routine",
    services.CheckState.CLEARED: "done",
    services.CheckState.EXPIRING: "high",
    services.CheckState.EXPIRED: "life",
    services.CheckState.DENIED: "life",
}
OUTCOME_TONE = {Outcome.CLEAR: "done", Outcome.REVIEW: "high", Outcome.MATCH: "life"}


def check_words() -> dict[str, str]:
    return {
        services.CheckState.NONE: _("No check"),
        services.CheckState.PENDING: _("Check pending"),
        services.CheckState.CLEARED: _("Check cleared"),
        services.CheckState.EXPIRING: _("Check expiring"),
        services.CheckState.EXPIRED: _("Check expired"),
        services.CheckState.DENIED: _("Check denied"),
    }


def _require(request: HttpRequest) -> Any:
    """The schools where the user manages volunteers; 404 when nowhere."""
    schools = policy.schools_for(request.user, Perm.VOLUNTEERS_MANAGE).order_by("name")
    if not schools.exists():
        raise Http404
    return schools


def _visible(request: HttpRequest, pk: int) -> Volunteer:
    return policy.get_visible_or_404(
        request.user,
        Volunteer.objects.select_related("screening", "decided_by", "district").prefetch_related(
            "schools"
        ),
        pk,
    )


def decorate(
    volunteer: Volunteer, required: Mapping[int, Sequence[TrainingType]] | None = None
) -> Any:
    """``volunteer`` with its eligibility and the words and tones the pages show. A list passes
    ``required`` (:func:`services.required_trainings`) and a queryset narrowed with
    :func:`services.for_eligibility`, so that it asks no query per row."""
    status = services.eligibility(volunteer, required=required)
    volunteer.tone = STATUS_TONE[Volunteer.Status(volunteer.status)]  # type: ignore[attr-defined]
    volunteer.eligible = status  # type: ignore[attr-defined]
    volunteer.check_tone = CHECK_TONE[status.check_state]  # type: ignore[attr-defined]
    volunteer.check_word = check_words()[status.check_state]  # type: ignore[attr-defined]
    return volunteer


# --- volunteers -----------------------------------------------------------------------------------


@never_cache
@login_required
def volunteer_list(request: SignedInRequest) -> HttpResponse:
    """Volunteers of the user's schools; applications waiting for a decision first."""
    _require(request)
    qs = services.for_eligibility(
        policy.visible_to(request.user, Volunteer).prefetch_related("schools")
    )
    status = request.GET.get("status", "")
    if status in Volunteer.Status.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    query = request.GET.get("q", "").strip()[:100]
    qs = services.search(qs, query)
    counts = dict(
        policy.visible_to(request.user, Volunteer)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    # applications waiting first, then by name
    qs = qs.annotate(
        waiting=Case(When(status=Volunteer.Status.APPLIED, then=Value(0)), default=Value(1))
    ).order_by("waiting", "last_name", "first_name", "pk")
    page = page_of(request, qs)
    required = services.required_trainings(v.district_id for v in page)
    for volunteer in page:
        decorate(volunteer, required)
    audit.record(
        request.user,
        "list",
        ("volunteers.volunteer", "list"),
        detail={"rows": len(page.object_list), "status": status, "search": bool(query)},
    )
    return render(
        request,
        "volunteers/list.html",
        {
            "page": page,
            "status": status,
            "q": query,
            "statuses": [
                (value, label, counts.get(value, 0)) for value, label in Volunteer.Status.choices
            ],
            "tab": "volunteers",
        },
    )


def _matches(user: User, volunteer: Volunteer) -> list[dict[str, Any]]:
    """The screening's matches as ``user`` may read them (none for the coordinator, who sees the
    outcome and who decides: :func:`haven.visitors.watchlists.shown_to`)."""
    registry = list(volunteer.screening.matches) if volunteer.screening else []
    everything = [*registry, *(volunteer.watchlist_matches or [])]
    found = [
        {**watchlists.labelled(match), "tone": OUTCOME_TONE.get(match.get("outcome", ""), "high")}
        for match in watchlists.shown_to(user, everything, volunteer.schools.all())
    ]
    found.sort(key=lambda m: (m.get("outcome") != Outcome.MATCH, -float(m.get("score", 0))))
    return found


@never_cache
@login_required
def detail(
    request: SignedInRequest,
    pk: int,
    forms: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    volunteer = decorate(_visible(request, pk))
    schools = list(volunteer.schools.all())
    sees_matches = policy.may_see_screening_matches(request.user, schools)
    audit.record(
        request.user,
        "view",
        volunteer,
        detail={"screening": volunteer.screening_outcome, "matches": sees_matches},
        school_id=services.school_id_of(volunteer),
    )
    waiting_on_screening = volunteer.screening_outcome in (Outcome.REVIEW, Outcome.MATCH)
    forms = forms or {}
    may_manage = policy.may_manage_volunteer(request.user, volunteer)
    visits = hours.rows(
        hours.in_range(VolunteerVisit.objects.filter(volunteer=volunteer), None, None)
    )[:20]
    return render(
        request,
        "volunteers/detail.html",
        {
            "volunteer": volunteer,
            "status": volunteer.eligible,  # type: ignore[attr-defined]
            "matches": _matches(request.user, volunteer) if sees_matches else [],
            "sees_matches": sees_matches,
            "may_answer": waiting_on_screening
            and policy.may_answer_volunteer_screening(request.user, volunteer),
            "deciders": policy.volunteer_screening_deciders(volunteer)
            if waiting_on_screening
            else [],
            "outcome_tone": OUTCOME_TONE.get(volunteer.screening_outcome, "high"),
            "checks": volunteer.checks.all(),
            "trainings": volunteer.trainings.select_related("training"),
            "signups": volunteer.signups.select_related("opportunity", "opportunity__school"),
            "visits": visits,
            "total_hours": sum((row.hours for row in visits), start=Decimal("0.00")),
            "may_manage": may_manage,
            "approve_form": forms.get("approve") or ApproveForm(),
            "decline_form": forms.get("decline") or DeclineForm(),
            "check_form": forms.get("check") or CheckForm(),
            "training_form": forms.get("training")
            or TrainingForm(district_id=volunteer.district_id),
            "renewal_years": services.renewal_years(),
            "tab": "volunteers",
            **(extra or {}),
        },
        status=400 if any(f.errors for f in forms.values()) else 200,
    )


def _managed(request: HttpRequest, pk: int) -> Volunteer:
    volunteer = _visible(request, pk)
    if not policy.may_manage_volunteer(request.user, volunteer):
        raise Http404
    return volunteer


@require_POST
@login_required
def approve(request: SignedInRequest, pk: int) -> HttpResponse:
    volunteer = _managed(request, pk)
    form = ApproveForm(request.POST)
    done = submit(
        request,
        form,
        lambda data: services.approve(
            request.user, volunteer, not_listed=data["not_listed"], reason=data["reason"]
        ),
        success=_("Approved."),
        then=reverse("volunteers:detail", args=[volunteer.pk]),
    )
    return done or detail(request, pk, {"approve": form})


@require_POST
@login_required
def decline(request: SignedInRequest, pk: int) -> HttpResponse:
    volunteer = _managed(request, pk)
    form = DeclineForm(request.POST)
    done = submit(
        request,
        form,
        lambda data: services.decline(request.user, volunteer, data["reason"]),
        success=_("Declined."),
        then=reverse("volunteers:detail", args=[volunteer.pk]),
    )
    return done or detail(request, pk, {"decline": form})


@require_POST
@login_required
def rescreen(request: SignedInRequest, pk: int) -> HttpResponse:
    volunteer = _managed(request, pk)
    return perform(
        request,
        lambda: services.rescreen(request.user, volunteer),
        success=_("Screened again."),
        then=reverse("volunteers:detail", args=[volunteer.pk]),
    )


@require_POST
@login_required
def record_check(request: SignedInRequest, pk: int) -> HttpResponse:
    volunteer = _managed(request, pk)
    form = CheckForm(request.POST)
    done = submit(
        request,
        form,
        lambda data: services.record_check(request.user, volunteer, **data),
        success=_("Background check recorded."),
        then=reverse("volunteers:detail", args=[volunteer.pk]),
    )
    return done or detail(request, pk, {"check": form})


@require_POST
@login_required
def record_training(request: SignedInRequest, pk: int) -> HttpResponse:
    volunteer = _managed(request, pk)
    form = TrainingForm(request.POST, district_id=volunteer.district_id)
    done = submit(
        request,
        form,
        lambda data: services.record_training(
            request.user, volunteer, data["training"], data["completed_on"]
        ),
        success=_("Training recorded."),
        then=reverse("volunteers:detail", args=[volunteer.pk]),
    )
    return done or detail(request, pk, {"training": form})


@require_POST
@login_required
def signup_link(request: SignedInRequest, pk: int) -> HttpResponse:
    """Make the volunteer's private sign-up link and show it this once (it is not kept)."""
    volunteer = _managed(request, pk)
    try:
        code = links.issue(request.user, volunteer)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("volunteers:detail", volunteer.pk)
    base = getattr(settings, "HAVEN_BASE_URL", "") or request.build_absolute_uri("/")
    url = f"{base.rstrip('/')}{reverse('volunteer:shifts')}#{code}"
    return detail(request, pk, extra={"signup_code": code, "signup_url": url})


# --- opportunities --------------------------------------------------------------------------------


@never_cache
@login_required
def opportunities(request: SignedInRequest) -> HttpResponse:
    """Upcoming opportunities of the user's schools, and the form to post one."""
    schools = _require(request)
    form = OpportunityForm(request.POST or None, schools=schools)

    def post(data: dict[str, Any]) -> Opportunity:
        start, end = form.times()
        return services.post_opportunity(
            request.user,
            data["school"],
            title=data["title"],
            description=data["description"],
            starts_at=start,
            ends_at=end,
            slots=data["slots"],
        )

    done = submit(
        request,
        form,
        post,
        success=_("Opportunity posted."),
        then=lambda posted: reverse("volunteers:opportunity", args=[posted.pk]),
    )
    if done:
        return done
    upcoming = (
        policy.visible_to(request.user, Opportunity)
        .filter(ends_at__gte=timezone.now(), cancelled_at__isnull=True)
        .select_related("school")
        .annotate(taken=Count("signups"))
        .order_by("starts_at", "pk")[:200]
    )
    return render(
        request,
        "volunteers/opportunities.html",
        {"form": form, "upcoming": upcoming, "tab": "opportunities"},
        status=400 if form.errors else 200,
    )


def _visible_opportunity(request: HttpRequest, pk: int) -> Opportunity:
    return policy.get_visible_or_404(request.user, Opportunity.objects.select_related("school"), pk)


def _candidates(request: HttpRequest, opportunity: Opportunity) -> Any:
    return (
        policy.visible_to(request.user, Volunteer)
        .filter(status=Volunteer.Status.APPROVED, schools=opportunity.school)
        .exclude(signups__opportunity=opportunity)
        .order_by("last_name", "first_name")
    )


@never_cache
@login_required
def opportunity(
    request: HttpRequest,
    pk: int,
    form: SignUpForm | None = None,
    cancel_form: CancelOpportunityForm | None = None,
) -> HttpResponse:
    item = _visible_opportunity(request, pk)
    signups = list(item.signups.select_related("volunteer"))
    over = item.ends_at <= timezone.now()
    may_manage = policy.has_perm(request.user, Perm.VOLUNTEERS_MANAGE, item.school_id)
    return render(
        request,
        "volunteers/opportunity.html",
        {
            "opportunity": item,
            "signups": signups,
            "left": max(0, item.slots - len(signups)),
            "full": len(signups) >= item.slots,
            "cancelled": item.cancelled_at is not None,
            "over": over,
            "may_manage": may_manage,
            "form": form or SignUpForm(volunteers=_candidates(request, item)),
            "cancel_form": cancel_form or CancelOpportunityForm(),
            "tab": "opportunities",
        },
        status=400 if any(f is not None and f.errors for f in (form, cancel_form)) else 200,
    )


@require_POST
@login_required
def cancel_opportunity(request: SignedInRequest, pk: int) -> HttpResponse:
    """Cancel the opportunity with a reason; the signed-up volunteers are told by e-mail."""
    item = _visible_opportunity(request, pk)
    form = CancelOpportunityForm(request.POST)
    done = submit(
        request,
        form,
        lambda data: services.cancel_opportunity(request.user, item, data["reason"]),
        success=_("Opportunity cancelled. The signed-up volunteers are told by e-mail."),
        then=reverse("volunteers:opportunity", args=[item.pk]),
    )
    return done or opportunity(request, pk, cancel_form=form)


@require_POST
@login_required
def sign_up(request: SignedInRequest, pk: int) -> HttpResponse:
    item = _visible_opportunity(request, pk)
    form = SignUpForm(request.POST, volunteers=_candidates(request, item))
    done = submit(
        request,
        form,
        lambda data: services.sign_up(request.user, item, data["volunteer"]),
        success=lambda _signup: (
            _("%(name)s is signed up.") % {"name": form.cleaned_data["volunteer"].name}
        ),
        then=reverse("volunteers:opportunity", args=[item.pk]),
    )
    return done or opportunity(request, pk, form)


@require_POST
@login_required
def cancel_sign_up(request: SignedInRequest, pk: int) -> HttpResponse:
    signup = (
        SignUp.objects.filter(pk=pk, opportunity__in=policy.visible_to(request.user, Opportunity))
        .select_related("opportunity", "volunteer")
        .first()
    )
    if signup is None:
        raise Http404
    services.cancel_sign_up(request.user, signup)
    messages.success(
        request, _("%(name)s is no longer signed up.") % {"name": signup.volunteer.name}
    )
    return redirect("volunteers:opportunity", signup.opportunity_id)


# --- training requirements ------------------------------------------------------------------------


def _trainings(district_id: int) -> Any:
    """The district's training, in use first (retired ones stay listed, to bring them back)."""
    return TrainingType.objects.filter(district_id=district_id).order_by("-active", "name")


@never_cache
@login_required
def training(request: SignedInRequest) -> HttpResponse:
    schools = _require(request)
    district_id = schools.first().district_id
    form = TrainingTypeForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda data: services.add_training_type(
            request.user,
            schools.first().district,
            data["name"],
            data["valid_months"],
            data["required"],
        ),
        success=_("Training added."),
        then="volunteers:training",
    )
    if done:
        return done
    return render(
        request,
        "volunteers/training.html",
        {
            "form": form,
            "trainings": _trainings(district_id),
            "tab": "training",
        },
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
def change_training(request: SignedInRequest, pk: int) -> HttpResponse:
    """The training page with one training's form: its validity, whether it is required, and
    whether it is still in use (retired when not)."""
    schools = _require(request)
    district_id = schools.first().district_id
    item = TrainingType.objects.filter(pk=pk, district_id=district_id).first()
    if item is None or not policy.may_manage_training(request.user, district_id):
        raise Http404
    initial = {"valid_months": item.valid_months, "required": item.required, "active": item.active}
    form = ChangeTrainingTypeForm(request.POST or None, initial=initial)
    done = submit(
        request,
        form,
        lambda data: services.change_training_type(
            request.user,
            item,
            valid_months=data["valid_months"],
            required=data["required"],
            active=data["active"],
        ),
        success=_("Training changed: %(name)s.") % {"name": item.name},
        then="volunteers:training",
    )
    if done:
        return done
    return render(
        request,
        "volunteers/training.html",
        {
            "change_form": form,
            "editing": item,
            "trainings": _trainings(district_id),
            "tab": "training",
        },
        status=400 if form.errors else 200,
    )


# --- hours ----------------------------------------------------------------------------------------


def _hours(request: HttpRequest) -> tuple[HoursForm, list[hours.Row], list[str]]:
    schools = _require(request)
    today = timezone.localdate()
    data = request.GET if request.GET else None
    form = HoursForm(data, schools=schools, initial={"start": today.replace(day=1), "end": today})
    start: dt.date | None = today.replace(day=1)
    end: dt.date | None = today
    school = None
    if data is not None and form.is_valid():
        start = form.cleaned_data.get("start")
        end = form.cleaned_data.get("end")
        school = form.cleaned_data.get("school")
    elif data is not None:
        return form, [], []
    qs = policy.visible_to(request.user, VolunteerVisit)
    if school is not None:
        qs = qs.filter(visit__school=school)
    used = [name for name, value in (("school", school), ("start", start), ("end", end)) if value]
    return form, hours.rows(hours.in_range(qs, start, end)), used


@never_cache
@login_required
def hours_report(request: SignedInRequest) -> HttpResponse:
    form, found, used = _hours(request)
    audit.record(
        request.user,
        "list",
        ("volunteers.hours", "report"),
        detail={"rows": len(found), "filters": used},
    )
    query = request.GET.urlencode()
    return render(
        request,
        "volunteers/hours.html",
        {
            "form": form,
            "rows": found[:500],
            "more": len(found) > 500,
            "per_volunteer": hours.totals(found, "volunteer"),
            "per_school": hours.totals(found, "school"),
            "total": sum((row.hours for row in found), start=Decimal("0.00")),
            "export_query": query,
            "max_hours": hours.max_visit_hours(),
            "tab": "hours",
        },
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
def hours_export(request: SignedInRequest) -> HttpResponse:
    form, found, used = _hours(request)
    if form.errors:
        messages.error(request, _("Fix the dates, then export again."))
        return redirect("volunteers:hours")
    text = hours.export_csv(request.user, found, used)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="volunteer-hours-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
