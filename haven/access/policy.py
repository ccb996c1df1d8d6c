"""THE access policy. Every decision about who may see or do what is made here: roles (held per
school or district-wide) x compartments x school scope, plus break-glass grants.

Views, API endpoints, the CLI, exports and the admin ask this module; nothing else decides.

* :func:`has_perm` — may this user do ``perm`` (at this school)?
* :func:`schools_for` — the schools where the user holds ``perm``.
* :func:`visible_to` — a queryset narrowed to what the user may see. Callers answer 404 for what is
  not in it, so a missing record and a forbidden one look the same.
* :func:`can_open_compartment` — role-based or through an active break-glass grant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Any

from django.db import models

from haven.access.models import BreakGlassGrant, Compartment
from haven.accounts.models import Role


class Perm(StrEnum):
    ROSTER_VIEW = "roster.view"  # students' names, classes and rosters
    GUARDIANS_VIEW = "guardians.view"  # guardians, pickup permission, custody restrictions
    TIPS_VIEW = "tips.view"  # read and respond to the school's tips
    LEGAL_HOLD = "tips.legal_hold"  # keep a record past its retention
    CASES_TEAM = "cases.team"
    CASES_CLINICAL = "cases.clinical"
    CASES_LAW_ENFORCEMENT = "cases.law_enforcement"
    CASES_REFER = "cases.refer"  # submit a staff referral
    VISITORS_MANAGE = "visitors.manage"
    SCREENING_VIEW = "screening.view"
    VOLUNTEERS_MANAGE = "volunteers.manage"
    EMERGENCY_RAISE = "emergency.raise"
    EMERGENCY_RECEIVE = "emergency.receive"
    ROLL_CALL = "emergency.roll_call"
    AUDIT_VIEW = "audit.view"
    BREAK_GLASS = "access.break_glass"


_EVERY_STAFF = {Perm.CASES_REFER, Perm.EMERGENCY_RAISE, Perm.EMERGENCY_RECEIVE, Perm.ROLL_CALL}
_TEAM = _EVERY_STAFF | {
    Perm.ROSTER_VIEW,
    Perm.GUARDIANS_VIEW,
    Perm.TIPS_VIEW,
    Perm.CASES_TEAM,
    Perm.BREAK_GLASS,
}

#: The table in DESIGN.md ("Who sees what"), as data.
ROLE_PERMS: dict[str, frozenset[Perm]] = {
    Role.DISTRICT_ADMIN: frozenset(
        _TEAM
        | {Perm.VISITORS_MANAGE, Perm.SCREENING_VIEW, Perm.VOLUNTEERS_MANAGE, Perm.AUDIT_VIEW}
        | {Perm.LEGAL_HOLD}
    ),
    Role.SCHOOL_ADMIN: frozenset(
        _TEAM | {Perm.VISITORS_MANAGE, Perm.SCREENING_VIEW, Perm.VOLUNTEERS_MANAGE, Perm.LEGAL_HOLD}
    ),
    Role.COUNSELOR: frozenset(_TEAM | {Perm.CASES_CLINICAL}),
    Role.SRO: frozenset(_TEAM | {Perm.CASES_LAW_ENFORCEMENT, Perm.SCREENING_VIEW}),
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

#: Who owns each compartment (may read and write it without breaking glass).
COMPARTMENT_PERM = {
    Compartment.TEAM: Perm.CASES_TEAM,
    Compartment.CLINICAL: Perm.CASES_CLINICAL,
    Compartment.LAW_ENFORCEMENT: Perm.CASES_LAW_ENFORCEMENT,
}

#: Roles whose holders must sign in with a second factor: all that can see tips, cases, screenings
#: or the audit log.
SECOND_FACTOR_PERMS = {
    Perm.TIPS_VIEW,
    Perm.CASES_TEAM,
    Perm.SCREENING_VIEW,
    Perm.AUDIT_VIEW,
    Perm.GUARDIANS_VIEW,
}


def _memberships(user: Any) -> list[tuple[str, int | None, int]]:
    """(role, school id or None for district-wide, district id), cached on the user object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_haven_memberships", None)
    if cached is None:
        cached = list(user.role_assignments.values_list("role", "school_id", "district_id"))
        user._haven_memberships = cached
    return cached


def forget(user: Any) -> None:
    """Drop the cached memberships (after roles change)."""
    if hasattr(user, "_haven_memberships"):
        del user._haven_memberships


def roles(user: Any) -> set[str]:
    return {role for role, _, _ in _memberships(user)}


def perms_for_role(role: str) -> frozenset[Perm]:
    return ROLE_PERMS.get(role, frozenset())


def requires_second_factor(user: Any) -> bool:
    return any(perms_for_role(role) & SECOND_FACTOR_PERMS for role in roles(user))


def has_perm(user: Any, perm: Perm, school: Any = None) -> bool:
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


def school_ids_for(user: Any, perm: Perm) -> tuple[set[int], set[int]]:
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


def school_q(user: Any, perm: Perm, school_field: str = "school") -> models.Q:
    """A filter on ``school_field`` matching the schools where the user holds ``perm``."""
    schools, districts = school_ids_for(user, perm)
    if not schools and not districts:
        return models.Q(pk__in=[])
    q = models.Q(**{f"{school_field}__in": schools}) if schools else models.Q(pk__in=[])
    if districts:
        q |= models.Q(**{f"{school_field}__district__in": districts})
    return q


def schools_for(user: Any, perm: Perm | None = None) -> models.QuerySet:
    """Schools where the user holds ``perm``, or any role at all when ``perm`` is None."""
    from haven.core.models import School

    if perm is None:
        memberships = _memberships(user)
        schools = {school for _, school, _ in memberships if school is not None}
        districts = {district for _, school, district in memberships if school is None}
        return School.objects.filter(models.Q(pk__in=schools) | models.Q(district__in=districts))
    return School.objects.filter(_school_self_q(user, perm))


def _school_self_q(user: Any, perm: Perm) -> models.Q:
    schools, districts = school_ids_for(user, perm)
    return models.Q(pk__in=schools) | models.Q(district__in=districts)


# --- querysets narrowed per model -----------------------------------------------------------------

Scope = Callable[[Any, models.QuerySet], models.QuerySet]
_SCOPES: dict[str, Scope] = {}


def scope(model_label: str) -> Callable[[Scope], Scope]:
    """Register how a model's queryset is narrowed for a user (used by apps for their models)."""

    def register(func: Scope) -> Scope:
        _SCOPES[model_label] = func
        return func

    return register


def visible_to(user: Any, queryset: models.QuerySet | type[models.Model]) -> models.QuerySet:
    """Narrow a queryset (or a model's default queryset) to the rows ``user`` may see.

    A model with no registered scope is visible to nobody: forgetting to register is safe.
    """
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    if not _memberships(user):
        return qs.none()
    func = _SCOPES.get(qs.model._meta.label_lower)
    return func(user, qs) if func else qs.none()


@scope("core.school")
def _schools(user: Any, qs: models.QuerySet) -> models.QuerySet:
    return qs.filter(pk__in=schools_for(user).values("pk"))


@scope("core.student")
def _students(user: Any, qs: models.QuerySet) -> models.QuerySet:
    return qs.filter(school_q(user, Perm.ROSTER_VIEW))


@scope("core.section")
def _sections(user: Any, qs: models.QuerySet) -> models.QuerySet:
    return qs.filter(school_q(user, Perm.ROSTER_VIEW))


@scope("tips.tip")
def _tips(user: Any, qs: models.QuerySet) -> models.QuerySet:
    # A tip sent to the district's page (no school) is for district-wide roles only.
    _, districts = school_ids_for(user, Perm.TIPS_VIEW)
    return qs.filter(
        school_q(user, Perm.TIPS_VIEW) | models.Q(school__isnull=True, district__in=districts)
    )


@scope("audit.auditevent")
def _audit(user: Any, qs: models.QuerySet) -> models.QuerySet:
    return qs if has_perm(user, Perm.AUDIT_VIEW) else qs.none()


# --- compartments and break-glass -----------------------------------------------------------------


def _ref(obj: models.Model) -> tuple[str, str]:
    return obj._meta.label_lower, str(obj.pk)


def active_grant(user: Any, obj: models.Model, compartment: str) -> BreakGlassGrant | None:
    object_type, object_id = _ref(obj)
    return (
        BreakGlassGrant.objects.active()
        .filter(user=user, object_type=object_type, object_id=object_id, compartment=compartment)
        .order_by("-expires_at")
        .first()
    )


def owns_compartment(user: Any, obj: Any, compartment: str) -> bool:
    return has_perm(user, COMPARTMENT_PERM[Compartment(compartment)], obj.school_id)


def can_open_compartment(user: Any, obj: Any, compartment: str) -> bool:
    """May ``user`` read/write ``compartment`` of ``obj`` (something with a ``school``) now?"""
    if owns_compartment(user, obj, compartment):
        return True
    if not has_perm(user, Perm.CASES_TEAM, obj.school_id):
        return False
    return active_grant(user, obj, compartment) is not None


def may_break_glass(user: Any, obj: Any, compartment: str) -> bool:
    """Only members of the team at the object's school may break glass, and only into a
    compartment they do not already own."""
    return (
        compartment != Compartment.TEAM
        and has_perm(user, Perm.BREAK_GLASS, obj.school_id)
        and not owns_compartment(user, obj, compartment)
    )


def compartment_owners(obj: Any, compartment: str) -> models.QuerySet:
    """Users who own ``compartment`` at the object's school (to be told of a break-glass)."""
    from haven.accounts.models import RoleAssignment, User

    perm = COMPARTMENT_PERM[Compartment(compartment)]
    owner_roles = [role for role, perms in ROLE_PERMS.items() if perm in perms]
    return _users_with_roles(owner_roles, obj.school, RoleAssignment, User)


def auditors(school: Any) -> models.QuerySet:
    from haven.accounts.models import RoleAssignment, User

    return _users_with_roles([Role.AUDITOR], school, RoleAssignment, User)


def _users_with_roles(
    role_list: Iterable[str], school: Any, assignment_model: Any, user_model: Any
):
    assignments = assignment_model.objects.filter(role__in=list(role_list)).filter(
        models.Q(school=school) | models.Q(school__isnull=True, district=school.district_id)
    )
    return user_model.objects.filter(is_active=True, pk__in=assignments.values("user_id"))
