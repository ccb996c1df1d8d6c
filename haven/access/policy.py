"""THE access policy. Every decision about who may see or do what is made here: roles (held per
school or district-wide) x compartments x school scope, plus break-glass grants.

Views, API endpoints, the CLI, exports and the admin ask this module; nothing else decides.

* :func:`has_perm` — may this user do ``perm`` (at this school)?
* :func:`schools_for` — the schools where the user holds ``perm``.
* :func:`visible_to` — a queryset narrowed to what the user may see. Callers answer 404 for what is
  not in it, so a missing record and a forbidden one look the same.
* :func:`can_open_compartment` — role-based or through an active break-glass grant.
* Cases: :func:`can_see_case`, :func:`case_compartments` (what may be read),
  :func:`can_write_compartment`, :func:`may_manage_case` and the other ``may_*`` questions below.
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


_EVERY_STAFF = {Perm.CASES_REFER, Perm.EMERGENCY_RAISE, Perm.EMERGENCY_RECEIVE, Perm.ROLL_CALL}
_TEAM = _EVERY_STAFF | {
    Perm.ROSTER_VIEW,
    Perm.GUARDIANS_VIEW,
    Perm.TIPS_VIEW,
    Perm.CASES_TEAM,
    Perm.CASES_SCHOOL,
    Perm.BREAK_GLASS,
}

#: The table in DESIGN.md ("Who sees what"), as data.
ROLE_PERMS: dict[str, frozenset[Perm]] = {
    Role.DISTRICT_ADMIN: frozenset(
        _TEAM
        | {Perm.VISITORS_MANAGE, Perm.SCREENING_VIEW, Perm.VOLUNTEERS_MANAGE, Perm.AUDIT_VIEW}
        | {Perm.LEGAL_HOLD, Perm.EMERGENCY_COMMAND}
        | {Perm.SCREENING_DECIDE, Perm.WATCHLIST_MANAGE}
        | {Perm.SIGNALS_SUBMIT, Perm.TRIAGE_REVIEW, Perm.TRIAGE_QUALITY}
    ),
    Role.SCHOOL_ADMIN: frozenset(
        _TEAM
        | {Perm.VISITORS_MANAGE, Perm.SCREENING_VIEW, Perm.VOLUNTEERS_MANAGE, Perm.LEGAL_HOLD}
        | {Perm.EMERGENCY_COMMAND, Perm.SIGNALS_SUBMIT, Perm.TRIAGE_REVIEW}
        | {Perm.SCREENING_DECIDE, Perm.WATCHLIST_MANAGE}
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


@scope("emergencies.incident")
def _incidents(user: Any, qs: models.QuerySet) -> models.QuerySet:
    # A district-wide incident (no school) reaches everyone in the district who receives alerts.
    districts = {
        district
        for role, _, district in _memberships(user)
        if Perm.EMERGENCY_RECEIVE in perms_for_role(role)
    }
    return qs.filter(
        school_q(user, Perm.EMERGENCY_RECEIVE)
        | models.Q(school__isnull=True, district__in=districts)
    )


@scope("emergencies.drill")
def _drills(user: Any, qs: models.QuerySet) -> models.QuerySet:
    # Every staff member of the school sees its drill schedule and log.
    return qs.filter(school_q(user, Perm.EMERGENCY_RECEIVE))


def may_manage_drills(user: Any, school: Any) -> bool:
    """Schedule, start and log drills: the school's incident command (administrators, SROs)."""
    return has_perm(user, Perm.EMERGENCY_COMMAND, school)


@scope("triage.signal")
def _signals(user: Any, qs: models.QuerySet) -> models.QuerySet:
    # Reviewers see every signal of their schools. The school's team (CASES_SCHOOL, the SRO too)
    # sees the high and imminent ones, except sensitive signals, which stay with the reviewers.
    team = school_q(user, Perm.CASES_SCHOOL) & models.Q(
        urgency__in=("high", "imminent"), sensitive=False
    )
    return qs.filter(school_q(user, Perm.TRIAGE_REVIEW) | team)


def may_review_signal(user: Any, signal: Any) -> bool:
    return has_perm(user, Perm.TRIAGE_REVIEW, signal.school_id)


def may_classify(user: Any) -> bool:
    """Classify a text on request: staff who read tips or cases, and integrations."""
    return any(has_perm(user, p) for p in (Perm.TIPS_VIEW, Perm.CASES_TEAM, Perm.SIGNALS_SUBMIT))


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


def holders(perm: Perm, school: Any = None, district: Any = None) -> models.QuerySet:
    """Active users who hold ``perm`` at ``school`` — or, with only ``district``, anywhere in that
    district (who to alert of a district-wide incident)."""
    from haven.accounts.models import RoleAssignment, User

    role_list = [role for role, perms in ROLE_PERMS.items() if perm in perms]
    if school is not None:
        return _users_with_roles(role_list, school, RoleAssignment, User)
    district_id = getattr(district, "pk", district)
    assignments = RoleAssignment.objects.filter(role__in=role_list, district=district_id)
    return User.objects.filter(is_active=True, pk__in=assignments.values("user_id"))


def users_with_perm(perm: Perm, school: Any) -> models.QuerySet:
    """Active users who hold ``perm`` at ``school`` (by a role there or district-wide)."""
    return holders(perm, school)


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


# --- emergencies: roll call and accountability ----------------------------------------------------
#
# A teacher reports the classes they teach (core.Section.teachers); incident command reports for
# any class of the school. Names of the students not accounted for, and injuries (health
# information), are for incident command and the school's team roles (CASES_SCHOOL: administrators,
# counsellors, the SRO); other staff see the counts.


def may_report_roll_call(user: Any, section: Any) -> bool:
    if has_perm(user, Perm.EMERGENCY_COMMAND, section.school_id):
        return True
    return (
        has_perm(user, Perm.ROLL_CALL, section.school_id)
        and section.teachers.filter(user=user.pk).exists()
    )


def may_see_accountability_names(user: Any, school: Any) -> bool:
    return has_perm(user, Perm.EMERGENCY_COMMAND, school) or has_perm(
        user, Perm.CASES_SCHOOL, school
    )


def may_account_visitors(user: Any, school: Any) -> bool:
    """The office accounts for the visitors on site (and incident command)."""
    return has_perm(user, Perm.VISITORS_MANAGE, school) or has_perm(
        user, Perm.EMERGENCY_COMMAND, school
    )


def may_download_after_action(user: Any, incident: Any) -> bool:
    """Incident command (administrators, the SRO) of the incident's school; for a district-wide
    incident, incident command held district-wide."""
    if incident.school_id is not None:
        return has_perm(user, Perm.EMERGENCY_COMMAND, incident.school_id)
    _schools, districts = school_ids_for(user, Perm.EMERGENCY_COMMAND)
    return incident.district_id in districts


# --- emergencies: reunification ------------------------------------------------------------------
#
# Checking an adult in at the reunification point, sending a runner, releasing a student and
# refusing a release are for staff who may see guardians and custody restrictions at the student's
# school (GUARDIANS_VIEW: administrators, counsellors, the SRO, the front desk) or who command the
# incident there (EMERGENCY_COMMAND). Everyone who sees the incident sees the board's counts; names
# on it need the roster (ROSTER_VIEW). A request held by the screening is decided by incident
# command or those who decide screenings.


def may_reunify(user: Any, school: Any) -> bool:
    return has_perm(user, Perm.GUARDIANS_VIEW, school) or has_perm(
        user, Perm.EMERGENCY_COMMAND, school
    )


def may_decide_held_release(user: Any, school: Any) -> bool:
    return has_perm(user, Perm.EMERGENCY_COMMAND, school) or has_perm(
        user, Perm.SCREENING_DECIDE, school
    )


@scope("emergencies.reunificationrequest")
def _reunification_requests(user: Any, qs: models.QuerySet) -> models.QuerySet:
    return qs.filter(
        school_q(user, Perm.GUARDIANS_VIEW, "student__school")
        | school_q(user, Perm.EMERGENCY_COMMAND, "student__school")
    )


# --- cases ----------------------------------------------------------------------------------------
#
# A case's team record is seen by the school's threat-assessment roles (CASES_SCHOOL: school and
# district administrators, counsellors, SROs) and by safety-team members only on the cases whose
# team they are on. The clinical and law-enforcement compartments belong to their professions
# (COMPARTMENT_PERM). Anyone else who may see the case reads them only through an active
# break-glass grant, and never writes in them: emergency access is for reading what is there.


def case_q(user: Any, prefix: str = "") -> models.Q:
    """A filter matching the cases whose team record ``user`` may see. ``prefix`` is the path from
    the filtered model to the case (``""`` for cases, ``"case__"`` for a note)."""
    from haven.cases.models import TeamMember

    on_team = TeamMember.objects.filter(user=user).values("case_id")
    return school_q(user, Perm.CASES_SCHOOL, f"{prefix}school") | (
        school_q(user, Perm.CASES_TEAM, f"{prefix}school")
        & models.Q(**{f"{prefix}pk__in": on_team})
    )


def _granted_case_ids(user: Any, compartment: str) -> list[int]:
    ids = BreakGlassGrant.objects.active().filter(
        user=user, object_type="cases.case", compartment=compartment
    )
    return [int(i) for i in ids.values_list("object_id", flat=True) if i.isdigit()]


def case_part_q(user: Any, compartment: str, prefix: str = "case__") -> models.Q:
    """A filter matching rows of ``compartment`` (of cases reached through ``prefix``) that
    ``user`` may read now: the team record of visible cases, a profession's own compartment at its
    schools, or a compartment opened by an active break-glass grant."""
    visible = case_q(user, prefix)
    if compartment == Compartment.TEAM:
        return visible
    owned = school_q(user, COMPARTMENT_PERM[Compartment(compartment)], f"{prefix}school")
    granted = models.Q(**{f"{prefix}pk__in": _granted_case_ids(user, compartment)}) & school_q(
        user, Perm.CASES_TEAM, f"{prefix}school"
    )
    return visible & (owned | granted)


def can_see_case(user: Any, case: Any) -> bool:
    """May ``user`` see this case's team record (and so know that the case exists)?"""
    if not _memberships(user):
        return False
    if has_perm(user, Perm.CASES_SCHOOL, case.school_id):
        return True
    return (
        has_perm(user, Perm.CASES_TEAM, case.school_id)
        and case.team_members.filter(user=user).exists()
    )


def case_compartments(user: Any, case: Any) -> set[Compartment]:
    """The compartments of ``case`` that ``user`` may read now (empty: the case is not visible)."""
    if not can_see_case(user, case):
        return set()
    return {Compartment.TEAM} | {
        part
        for part in (Compartment.CLINICAL, Compartment.LAW_ENFORCEMENT)
        if can_open_compartment(user, case, part)
    }


def can_read_compartment(user: Any, case: Any, compartment: str) -> bool:
    return compartment in case_compartments(user, case)


def can_write_compartment(user: Any, case: Any, compartment: str) -> bool:
    """Anyone who sees the case writes its team record; only a compartment's owners write in it
    (a break-glass grant opens it for reading)."""
    if not can_see_case(user, case):
        return False
    if compartment == Compartment.TEAM:
        return True
    return owns_compartment(user, case, compartment)


def may_publish_summary(user: Any, case: Any, compartment: str) -> bool:
    """The owner of a compartment may publish a summary of it into the team record."""
    return (
        compartment != Compartment.TEAM
        and can_see_case(user, case)
        and owns_compartment(user, case, compartment)
    )


def may_break_glass_into_case(user: Any, case: Any, compartment: str) -> bool:
    return can_see_case(user, case) and may_break_glass(user, case, compartment)


def may_open_case(user: Any, school: Any) -> bool:
    return has_perm(user, Perm.CASES_SCHOOL, school)


def may_manage_case(user: Any, case: Any) -> bool:
    """Change a case's team, close or reopen it: the school's threat-assessment roles, not every
    member of the team."""
    return has_perm(user, Perm.CASES_SCHOOL, case.school_id)


def may_join_case_team(user: Any, school: Any) -> bool:
    return bool(getattr(user, "is_active", False)) and has_perm(user, Perm.CASES_TEAM, school)


def may_refer(user: Any, school: Any) -> bool:
    return has_perm(user, Perm.CASES_REFER, school)


def may_handle_referral(user: Any, referral: Any) -> bool:
    return has_perm(user, Perm.CASES_SCHOOL, referral.school_id)


@scope("cases.case")
def _cases(user: Any, qs: models.QuerySet) -> models.QuerySet:
    return qs.filter(case_q(user))


@scope("cases.referral")
def _referrals(user: Any, qs: models.QuerySet) -> models.QuerySet:
    # The person who referred follows their own referral (its status), nothing more.
    return qs.filter(school_q(user, Perm.CASES_SCHOOL) | models.Q(referred_by=user))


def _compartmented(user: Any, qs: models.QuerySet) -> models.QuerySet:
    parts = models.Q(pk__in=[])
    for part in Compartment:
        parts |= models.Q(compartment=part) & case_part_q(user, part)
    return qs.filter(parts)


for _label in ("cases.note", "cases.document", "cases.caseevent"):
    scope(_label)(_compartmented)


def _case_team_record(user: Any, qs: models.QuerySet) -> models.QuerySet:
    return qs.filter(case_q(user, "case__"))


# Screening rows are scoped to the team record for their risk level; the answers are clinical
# and are read only through haven.cases.services.screening_answers.
for _label in (
    "cases.message",
    "cases.task",
    "cases.planitem",
    "cases.review",
    "cases.pathwayobservation",
    "cases.screening",
    "cases.assessment",
):
    scope(_label)(_case_team_record)


# --- visitors -------------------------------------------------------------------------------------
#
# Visits are seen by the front desk and everyone who sees screening results at the school (the
# administrators and the SRO, who are alerted of matches). Watchlist entries are seen where
# screening results are; a district-wide entry (no school) by those roles anywhere in the district.


def _districts_with(user: Any, perm: Perm) -> set[int]:
    """Districts where the user holds ``perm`` at any school or district-wide."""
    return {district for role, _, district in _memberships(user) if perm in perms_for_role(role)}


@scope("visitors.visit")
def _visits(user: Any, qs: models.QuerySet) -> models.QuerySet:
    return qs.filter(school_q(user, Perm.VISITORS_MANAGE) | school_q(user, Perm.SCREENING_VIEW))


@scope("screening.registrant")
def _registrants(user: Any, qs: models.QuerySet) -> models.QuerySet:
    # The registry is public record, but only those who screen people need to browse it.
    return qs if has_perm(user, Perm.SCREENING_VIEW) else qs.none()


@scope("screening.screening")
def _screenings(user: Any, qs: models.QuerySet) -> models.QuerySet:
    # A screening has no school of its own: it is the screener's, and belongs to the visits that
    # used it (a visit is seen by its school's front desk, administrators and SRO).
    if not has_perm(user, Perm.SCREENING_VIEW):
        return qs.none()
    from haven.visitors.models import Visit

    used_by = visible_to(user, Visit).filter(screening__isnull=False).values("screening")
    return qs.filter(models.Q(actor=user) | models.Q(pk__in=used_by))


@scope("visitors.person")
def _visitor_people(user: Any, qs: models.QuerySet) -> models.QuerySet:
    return qs.filter(district__in=_districts_with(user, Perm.VISITORS_MANAGE))


@scope("visitors.preregistration")
def _pre_registrations(user: Any, qs: models.QuerySet) -> models.QuerySet:
    return qs.filter(school_q(user, Perm.VISITORS_MANAGE))


@scope("visitors.watchlistentry")
def _watchlist(user: Any, qs: models.QuerySet) -> models.QuerySet:
    districts = _districts_with(user, Perm.SCREENING_VIEW)
    return qs.filter(
        school_q(user, Perm.SCREENING_VIEW) | models.Q(school__isnull=True, district__in=districts)
    )


def may_check_in(user: Any, school: Any) -> bool:
    return has_perm(user, Perm.VISITORS_MANAGE, school)


def may_see_screening(user: Any, visit: Any) -> bool:
    return has_perm(user, Perm.SCREENING_VIEW, visit.school_id)


def may_decide_screening(user: Any, visit: Any) -> bool:
    """The clerk answers a possible match (yes / no / not sure); once escalated ("not sure"), an
    administrator or the SRO of the school decides."""
    if visit.status == "escalated":
        return has_perm(user, Perm.SCREENING_DECIDE, visit.school_id)
    return has_perm(user, Perm.VISITORS_MANAGE, visit.school_id) or has_perm(
        user, Perm.SCREENING_DECIDE, visit.school_id
    )


def may_manage_watchlist(user: Any, school: Any = None, district: Any = None) -> bool:
    """Add or change an entry for ``school`` — or, with only ``district``, a district-wide entry
    (district-wide roles only)."""
    if school is not None:
        return has_perm(user, Perm.WATCHLIST_MANAGE, school)
    district_id = getattr(district, "pk", district)
    return any(
        Perm.WATCHLIST_MANAGE in perms_for_role(role) and school_id is None and d == district_id
        for role, school_id, d in _memberships(user)
    )


def school_holders(perm: Perm, school: Any) -> models.QuerySet:
    """Active users who hold ``perm`` through a role at ``school`` itself — or, when nobody does,
    through a district-wide role. Who to alert at one school without alerting the whole district:
    a screening match goes to that school's administrators and SRO."""
    from haven.accounts.models import RoleAssignment, User

    role_list = [role for role, perms in ROLE_PERMS.items() if perm in perms]
    here = RoleAssignment.objects.filter(role__in=role_list, school=school)
    users = User.objects.filter(is_active=True, pk__in=here.values("user_id"))
    if users.exists():
        return users
    district_wide = RoleAssignment.objects.filter(
        role__in=role_list, school__isnull=True, district=school.district_id
    )
    return User.objects.filter(is_active=True, pk__in=district_wide.values("user_id"))


# --- volunteers -----------------------------------------------------------------------------------
#
# A volunteer is seen by those who manage volunteers (coordinators, administrators) at one of the
# schools the volunteer applied to or serves; opportunities and volunteer hours by those of the
# opportunity's or visit's school. The front desk checks an eligible volunteer in through the
# visitors' services without seeing the volunteer's record.


@scope("volunteers.volunteer")
def _volunteers(user: Any, qs: models.QuerySet) -> models.QuerySet:
    from haven.volunteers.models import Volunteer

    served = Volunteer.schools.through.objects.filter(
        school_q(user, Perm.VOLUNTEERS_MANAGE, "school")
    )
    return qs.filter(pk__in=served.values("volunteer_id"))


@scope("volunteers.opportunity")
def _opportunities(user: Any, qs: models.QuerySet) -> models.QuerySet:
    return qs.filter(school_q(user, Perm.VOLUNTEERS_MANAGE))


@scope("volunteers.volunteervisit")
def _volunteer_visits(user: Any, qs: models.QuerySet) -> models.QuerySet:
    return qs.filter(school_q(user, Perm.VOLUNTEERS_MANAGE, "visit__school"))


def may_manage_volunteer(user: Any, volunteer: Any) -> bool:
    """Decide on, record checks and training for, and sign up a volunteer: those who manage
    volunteers at one of the volunteer's schools."""
    return any(has_perm(user, Perm.VOLUNTEERS_MANAGE, s) for s in volunteer.schools.all())


def may_manage_training(user: Any, district: Any) -> bool:
    """The district's training requirements: anyone who manages volunteers in the district."""
    district_id = getattr(district, "pk", district)
    return district_id in _districts_with(user, Perm.VOLUNTEERS_MANAGE)
