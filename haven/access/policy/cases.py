"""Cases: the team record, the professions' compartments, referrals."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import models

from haven.access.models import BreakGlassGrant, Compartment
from haven.access.policy.compartments import (
    COMPARTMENT_PERM,
    can_open_compartment,
    may_break_glass,
    owns_compartment,
)
from haven.access.policy.core import (
    Actor,
    Perm,
    _memberships,
    district_wide,
    has_perm,
    school_q,
    scope,
)

# --- cases ----------------------------------------------------------------------------------------
#
# A case's team record is seen by the school's threat-assessment roles (CASES_SCHOOL: school and
# district administrators, counsellors, SROs) and by safety-team members only on the cases whose
# team they are on. The clinical and law-enforcement compartments belong to their professions
# (COMPARTMENT_PERM). Anyone else who may see the case reads them only through an active
# break-glass grant, and never writes in them: emergency access is for reading what is there.


def case_q(user: Actor, prefix: str = "") -> models.Q:
    """A filter matching the cases whose team record ``user`` may see. ``prefix`` is the path from
    the filtered model to the case (``""`` for cases, ``"case__"`` for a note)."""
    on_team = apps.get_model("cases", "TeamMember").objects.filter(user=user.pk).values("case_id")
    return school_q(user, Perm.CASES_SCHOOL, f"{prefix}school") | (
        school_q(user, Perm.CASES_TEAM, f"{prefix}school")
        & models.Q(**{f"{prefix}pk__in": on_team})
    )


def _granted_case_ids(user: Actor, compartment: str) -> list[int]:
    ids = BreakGlassGrant.objects.active().filter(
        user=user.pk, object_type="cases.case", compartment=compartment
    )
    return [int(i) for i in ids.values_list("object_id", flat=True) if i.isdigit()]


def case_part_q(user: Actor, compartment: str, prefix: str = "case__") -> models.Q:
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


def can_see_case(user: Actor, case: Any) -> bool:
    """May ``user`` see this case's team record (and so know that the case exists)?"""
    if not _memberships(user):
        return False
    if has_perm(user, Perm.CASES_SCHOOL, case.school_id):
        return True
    return (
        has_perm(user, Perm.CASES_TEAM, case.school_id)
        and case.team_members.filter(user=user).exists()
    )


def case_compartments(user: Actor, case: Any) -> set[Compartment]:
    """The compartments of ``case`` that ``user`` may read now (empty: the case is not visible)."""
    if not can_see_case(user, case):
        return set()
    return {Compartment.TEAM} | {
        part
        for part in (Compartment.CLINICAL, Compartment.LAW_ENFORCEMENT)
        if can_open_compartment(user, case, part)
    }


def can_read_compartment(user: Actor, case: Any, compartment: str) -> bool:
    return compartment in case_compartments(user, case)


def can_write_compartment(user: Actor, case: Any, compartment: str) -> bool:
    """Anyone who sees the case writes its team record; only a compartment's owners write in it
    (a break-glass grant opens it for reading)."""
    if not can_see_case(user, case):
        return False
    if compartment == Compartment.TEAM:
        return True
    return owns_compartment(user, case, compartment)


def may_publish_summary(user: Actor, case: Any, compartment: str) -> bool:
    """The owner of a compartment may publish a summary of it into the team record."""
    return (
        compartment != Compartment.TEAM
        and can_see_case(user, case)
        and owns_compartment(user, case, compartment)
    )


def may_break_glass_into_case(user: Actor, case: Any, compartment: str) -> bool:
    return can_see_case(user, case) and may_break_glass(user, case, compartment)


def may_open_case(user: Actor, school: Any) -> bool:
    return has_perm(user, Perm.CASES_SCHOOL, school)


def equity_districts(user: Actor) -> set[int]:
    """Districts whose case equity figures (cases by school and grade against enrolment) the user
    may see: those where they see every case of the school district-wide (district
    administrators)."""
    return district_wide(user, Perm.CASES_SCHOOL)


def may_see_equity(user: Actor) -> bool:
    return bool(equity_districts(user))


def may_manage_case(user: Actor, case: Any) -> bool:
    """Change a case's team, close or reopen it: the school's threat-assessment roles, not every
    member of the team."""
    return has_perm(user, Perm.CASES_SCHOOL, case.school_id)


def may_join_case_team(user: Actor, school: Any) -> bool:
    return bool(getattr(user, "is_active", False)) and has_perm(user, Perm.CASES_TEAM, school)


def may_refer(user: Actor, school: Any) -> bool:
    return has_perm(user, Perm.CASES_REFER, school)


def may_handle_referral(user: Actor, referral: Any) -> bool:
    return has_perm(user, Perm.CASES_SCHOOL, referral.school_id)


@scope("cases.case")
def _cases(user: Actor, qs: models.QuerySet) -> models.QuerySet:
    return qs.filter(case_q(user))


@scope("cases.referral")
def _referrals(user: Actor, qs: models.QuerySet) -> models.QuerySet:
    # The person who referred follows their own referral (its status), nothing more.
    return qs.filter(school_q(user, Perm.CASES_SCHOOL) | models.Q(referred_by=user))


def _compartmented(user: Actor, qs: models.QuerySet) -> models.QuerySet:
    parts = models.Q(pk__in=[])
    for part in Compartment:
        parts |= models.Q(compartment=part) & case_part_q(user, part)
    return qs.filter(parts)


for _label in ("cases.note", "cases.document", "cases.caseevent"):
    scope(_label)(_compartmented)


def _case_team_record(user: Actor, qs: models.QuerySet) -> models.QuerySet:
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
