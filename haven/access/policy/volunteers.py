"""Volunteers: their records, opportunities, hours and training requirements."""

from __future__ import annotations

from typing import Any

from django.db import models

from haven.access.policy.core import Actor, Perm, _districts_with, has_perm, school_q, scope
from haven.access.policy.recipients import holders
from haven.access.policy.visitors import MatchSight, match_sight

# --- volunteers -----------------------------------------------------------------------------------
#
# A volunteer is seen by those who manage volunteers (coordinators, administrators) at one of the
# schools the volunteer applied to or serves; opportunities and volunteer hours by those of the
# opportunity's or visit's school. The front desk checks an eligible volunteer in through the
# visitors' services without seeing the volunteer's record.


@scope("volunteers.volunteer")
def _volunteers(user: Actor, qs: models.QuerySet) -> models.QuerySet:
    served = qs.model.schools.through.objects.filter(
        school_q(user, Perm.VOLUNTEERS_MANAGE, "school")
    )
    return qs.filter(pk__in=served.values("volunteer_id"))


@scope("volunteers.opportunity")
def _opportunities(user: Actor, qs: models.QuerySet) -> models.QuerySet:
    return qs.filter(school_q(user, Perm.VOLUNTEERS_MANAGE))


@scope("volunteers.volunteervisit")
def _volunteer_visits(user: Actor, qs: models.QuerySet) -> models.QuerySet:
    return qs.filter(school_q(user, Perm.VOLUNTEERS_MANAGE, "visit__school"))


def may_manage_volunteer(user: Actor, volunteer: Any) -> bool:
    """Decide on, record checks and training for, and sign up a volunteer: those who manage
    volunteers at one of the volunteer's schools."""
    return any(has_perm(user, Perm.VOLUNTEERS_MANAGE, s) for s in volunteer.schools.all())


def may_manage_training(user: Actor, district: Any) -> bool:
    """The district's training requirements: anyone who manages volunteers in the district."""
    district_id = getattr(district, "pk", district)
    return district_id in _districts_with(user, Perm.VOLUNTEERS_MANAGE)


def may_answer_volunteer_screening(user: Actor, volunteer: Any) -> bool:
    """Say that an applicant with a possible screening match is not the person listed (and so
    approve them): someone who manages the volunteer, decides screenings (SCREENING_DECIDE) at one
    of their schools and sees every match in full. Never the coordinator, who sees the outcome
    only (see the visitors' module of the policy)."""
    schools = list(volunteer.schools.all())
    if not any(has_perm(user, Perm.VOLUNTEERS_MANAGE, s) for s in schools):
        return False
    if not any(has_perm(user, Perm.SCREENING_DECIDE, s) for s in schools):
        return False
    registry = list(volunteer.screening.matches) if volunteer.screening else []
    matches = [*registry, *(volunteer.watchlist_matches or [])]
    return all(match_sight(user, match, schools) == MatchSight.FULL for match in matches)


def volunteer_screening_deciders(volunteer: Any) -> list[Any]:
    """Who decides a volunteer's possible screening match (:func:`may_answer_volunteer_screening`):
    what the coordinator is told instead of the match itself."""
    candidates: dict[int, Any] = {}
    for school in volunteer.schools.all():
        for user in holders(Perm.SCREENING_DECIDE, school).order_by("pk"):
            candidates.setdefault(user.pk, user)
    return [user for user in candidates.values() if may_answer_volunteer_screening(user, volunteer)]
