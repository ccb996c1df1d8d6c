"""The core of the access policy: permissions, roles, memberships and the scope registry.

* :class:`Perm` and :data:`ROLE_PERMS` — the role → permission table of docs/access.md, as data.
* :func:`has_perm`, :func:`school_ids_for`, :func:`school_q`, :func:`schools_for` — where a user
  holds a permission, from their role assignments (cached on the user object; :func:`forget`).
* :func:`scope` and :func:`visible_to` — the registry of how each model's queryset is narrowed for
  a user. The areas' modules of this package register their models' scopes.
  :func:`get_visible_or_404` fetches one row or answers 404 — a missing record and a forbidden one
  look the same. (``haven.access.querysets.VisibleQuerySet`` gives a model
  ``Model.objects.visible_to(user)``, the same question asked from the model's side.)
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.http import Http404

from haven.accounts.models import Role, User

#: Whoever asks: a signed-in person or, on a public page, the anonymous user (who may see nothing).
Actor = User | AnonymousUser


class Perm(StrEnum):
    ROSTER_VIEW = "roster.view"  # students' names, classes and rosters
    GUARDIANS_VIEW = "guardians.view"  # guardians, pickup permission, custody restrictions
    TIPS_VIEW = "tips.view"  # read and respond to the school's tips
    LEGAL_HOLD = "tips.legal_hold"  # keep a record past its retention
    CASES_TEAM = "cases.team"
    CASES_SCHOOL = "cases.school"  # every case of the school, not only those one is on the team of
    CASES_CLINICAL = "cases.clinical"
    CASES_LAW_ENFORCEMENT = "cases.law_enforcement"
    CASES_REFER = "cases.refer"  # submit a staff referral
    VISITORS_MANAGE = "visitors.manage"
    SCREENING_VIEW = "screening.view"
    SCREENING_DECIDE = "screening.decide"  # decide escalated screenings; alerted of matches
    WATCHLIST_MANAGE = "visitors.watchlist"  # add and change the district's watchlist entries
    VOLUNTEERS_MANAGE = "volunteers.manage"
    EMERGENCY_RAISE = "emergency.raise"
    EMERGENCY_RECEIVE = "emergency.receive"
    ROLL_CALL = "emergency.roll_call"
    EMERGENCY_COMMAND = "emergency.command"  # change the protocol, post updates, all clear
    AUDIT_VIEW = "audit.view"
    BREAK_GLASS = "access.break_glass"
    SIGNALS_SUBMIT = "triage.signals_submit"  # send monitoring tools' signals (service accounts)
    TRIAGE_REVIEW = "triage.review"  # confirm or dismiss signals; sees sensitive ones
    TRIAGE_QUALITY = "triage.quality"  # the district's false-alarm rates and triage settings
    ACCOUNTS_MANAGE = "accounts.manage"  # issue enrolment codes, reset a lost second factor
    TRAINING_TAKE = "training.take"  # take the warning-signs modules; one's own transcript
    TRAINING_OVERSEE = "training.oversee"  # the school's compliance, others' records, extensions
    # Reports: aggregate figures only (no names), each area apart.
    REPORTS_TIPS = "reports.tips"
    REPORTS_CASES = "reports.cases"
    REPORTS_DRILLS = "reports.drills"
    REPORTS_VISITS = "reports.visits"
    REPORTS_TRAINING = "reports.training"


_EVERY_STAFF = {
    Perm.CASES_REFER,
    Perm.EMERGENCY_RAISE,
    Perm.EMERGENCY_RECEIVE,
    Perm.ROLL_CALL,
    Perm.TRAINING_TAKE,
}
_TEAM = _EVERY_STAFF | {
    Perm.ROSTER_VIEW,
    Perm.GUARDIANS_VIEW,
    Perm.TIPS_VIEW,
    Perm.CASES_TEAM,
    Perm.CASES_SCHOOL,
    Perm.BREAK_GLASS,
}

#: The reports of a school (or, district-wide, of every school): administrators only.
_REPORTS = {
    Perm.REPORTS_TIPS,
    Perm.REPORTS_CASES,
    Perm.REPORTS_DRILLS,
    Perm.REPORTS_VISITS,
    Perm.REPORTS_TRAINING,
}

#: The role → permission table of docs/access.md, as data (tests/test_permissions.py compares them).
ROLE_PERMS: dict[str, frozenset[Perm]] = {
    Role.DISTRICT_ADMIN: frozenset(
        _TEAM
        | {Perm.VISITORS_MANAGE, Perm.SCREENING_VIEW, Perm.VOLUNTEERS_MANAGE, Perm.AUDIT_VIEW}
        | {Perm.LEGAL_HOLD, Perm.EMERGENCY_COMMAND}
        | {Perm.SCREENING_DECIDE, Perm.WATCHLIST_MANAGE}
        | {Perm.SIGNALS_SUBMIT, Perm.TRIAGE_REVIEW, Perm.TRIAGE_QUALITY}
        | {Perm.ACCOUNTS_MANAGE, Perm.TRAINING_OVERSEE}
        | _REPORTS
    ),
    Role.SCHOOL_ADMIN: frozenset(
        _TEAM
        | {Perm.VISITORS_MANAGE, Perm.SCREENING_VIEW, Perm.VOLUNTEERS_MANAGE, Perm.LEGAL_HOLD}
        | {Perm.EMERGENCY_COMMAND, Perm.SIGNALS_SUBMIT, Perm.TRIAGE_REVIEW}
        | {Perm.SCREENING_DECIDE, Perm.WATCHLIST_MANAGE}
        | {Perm.TRAINING_OVERSEE}
        | _REPORTS
    ),
    Role.COUNSELOR: frozenset(_TEAM | {Perm.CASES_CLINICAL, Perm.TRIAGE_REVIEW}),
    Role.SRO: frozenset(
        _TEAM
        | {Perm.CASES_LAW_ENFORCEMENT, Perm.SCREENING_VIEW, Perm.EMERGENCY_COMMAND}
        | {Perm.SCREENING_DECIDE, Perm.WATCHLIST_MANAGE}
    ),
    # Team members see only the cases they are assigned to (the cases app narrows further).
    Role.SAFETY_TEAM: frozenset(_EVERY_STAFF | {Perm.ROSTER_VIEW, Perm.CASES_TEAM}),
    Role.STAFF: frozenset(_EVERY_STAFF | {Perm.ROSTER_VIEW}),
    Role.FRONT_DESK: frozenset(
        _EVERY_STAFF
        | {Perm.ROSTER_VIEW, Perm.GUARDIANS_VIEW, Perm.VISITORS_MANAGE, Perm.SCREENING_VIEW}
    ),
    Role.VOLUNTEER_COORDINATOR: frozenset(_EVERY_STAFF | {Perm.VOLUNTEERS_MANAGE}),
    Role.AUDITOR: frozenset({Perm.AUDIT_VIEW}),
}

#: Roles whose holders must sign in with a second factor: all that can see tips, cases, guardians,
#: the audit log, or screenings — their details, or only their outcomes (the front desk's visitor
#: log, the volunteer coordinator's applications with their addresses and dates of birth).
SECOND_FACTOR_PERMS = {
    Perm.TIPS_VIEW,
    Perm.CASES_TEAM,
    Perm.SCREENING_VIEW,
    Perm.SCREENING_DECIDE,
    Perm.WATCHLIST_MANAGE,
    Perm.VISITORS_MANAGE,
    Perm.VOLUNTEERS_MANAGE,
    Perm.AUDIT_VIEW,
    Perm.GUARDIANS_VIEW,
}


def _memberships(user: Actor) -> list[tuple[str, int | None, int]]:
    """(role, school id or None for district-wide, district id), cached on the user object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached: list[tuple[str, int | None, int]] | None = getattr(user, "_haven_memberships", None)
    if cached is None:
        cached = list(user.role_assignments.values_list("role", "school_id", "district_id"))
        user._haven_memberships = cached  # type: ignore[attr-defined]
    return cached


def forget(user: Actor) -> None:
    """Drop the cached memberships (after roles change)."""
    if hasattr(user, "_haven_memberships"):
        del user._haven_memberships


def roles(user: Actor) -> set[str]:
    return {role for role, _, _ in _memberships(user)}


def perms_for_role(role: str) -> frozenset[Perm]:
    return ROLE_PERMS.get(role, frozenset())


def requires_second_factor(user: Actor) -> bool:
    return any(perms_for_role(role) & SECOND_FACTOR_PERMS for role in roles(user))


def has_perm(user: Actor, perm: Perm, school: Any = None) -> bool:
    """Does the user hold ``perm`` — anywhere (school=None), or at this school (object or id)?"""
    school_id = getattr(school, "pk", school)
    district_id = getattr(school, "district_id", None)
    for role, role_school, role_district in _memberships(user):
        if perm not in perms_for_role(role):
            continue
        if school_id is None or role_school == school_id:
            return True
        if role_school is None and (district_id is None or district_id == role_district):
            if district_id is None:
                from haven.core.models import School

                district_id = (
                    School.objects.filter(pk=school_id)
                    .values_list("district_id", flat=True)
                    .first()
                )
            if district_id == role_district:
                return True
    return False


def school_ids_for(user: Actor, perm: Perm) -> tuple[set[int], set[int]]:
    """(school ids, district ids) where the user holds ``perm``."""
    schools: set[int] = set()
    districts: set[int] = set()
    for role, school_id, district_id in _memberships(user):
        if perm in perms_for_role(role):
            if school_id is None:
                districts.add(district_id)
            else:
                schools.add(school_id)
    return schools, districts


def district_wide(user: Actor, perm: Perm) -> set[int]:
    """The districts where the user holds ``perm`` through a district-wide role (no school)."""
    return school_ids_for(user, perm)[1]


def school_q(user: Actor, perm: Perm, school_field: str = "school") -> models.Q:
    """A filter on ``school_field`` matching the schools where the user holds ``perm``."""
    schools, districts = school_ids_for(user, perm)
    if not schools and not districts:
        return models.Q(pk__in=[])
    q = models.Q(**{f"{school_field}__in": schools}) if schools else models.Q(pk__in=[])
    if districts:
        q |= models.Q(**{f"{school_field}__district__in": districts})
    return q


def schools_for(user: Actor, perm: Perm | None = None) -> models.QuerySet:
    """Schools where the user holds ``perm``, or any role at all when ``perm`` is None."""
    from haven.core.models import School

    if perm is None:
        memberships = _memberships(user)
        schools = {school for _, school, _ in memberships if school is not None}
        districts = {district for _, school, district in memberships if school is None}
        return School.objects.filter(models.Q(pk__in=schools) | models.Q(district__in=districts))
    return School.objects.filter(_school_self_q(user, perm))


def _school_self_q(user: Actor, perm: Perm) -> models.Q:
    schools, districts = school_ids_for(user, perm)
    return models.Q(pk__in=schools) | models.Q(district__in=districts)


# --- querysets narrowed per model -----------------------------------------------------------------

Scope = Callable[[Actor, models.QuerySet], models.QuerySet]
_SCOPES: dict[str, Scope] = {}


def scope(model_label: str) -> Callable[[Scope], Scope]:
    """Register how a model's queryset is narrowed for a user (used by apps for their models)."""

    def register(func: Scope) -> Scope:
        _SCOPES[model_label] = func
        return func

    return register


def visible_to(user: Actor, queryset: models.QuerySet | type[models.Model]) -> models.QuerySet:
    """Narrow a queryset (or a model's default queryset) to the rows ``user`` may see.

    A model with no registered scope is visible to nobody: forgetting to register is safe.
    """
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    if not _memberships(user):
        return qs.none()
    func = _SCOPES.get(qs.model._meta.label_lower)
    return func(user, qs) if func else qs.none()


_M = TypeVar("_M", bound=models.Model)


def get_visible_or_404(
    user: Actor, queryset: models.QuerySet[_M] | type[_M], pk: Any = None, **lookup: Any
) -> _M:
    """The one row of ``queryset`` (or a model) that ``user`` may see, found by ``pk`` or by
    ``lookup`` — or :class:`~django.http.Http404`, whether it is missing or not theirs to see."""
    if pk is not None:
        lookup["pk"] = pk
    found = visible_to(user, queryset).filter(**lookup).first()
    if found is None:
        raise Http404
    return found


def districts_of(user: Actor) -> set[int]:
    """The districts where the user holds any role."""
    return {district for _, _, district in _memberships(user)}


def _districts_with(user: Actor, perm: Perm) -> set[int]:
    """Districts where the user holds ``perm`` at any school or district-wide."""
    return {district for role, _, district in _memberships(user) if perm in perms_for_role(role)}
