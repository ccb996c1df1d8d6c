"""Whom an incident's alerts reach and where: the schools it covers, the staff who receive it, who
has not acknowledged it yet, and where a user may raise one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

from haven.access import policy
from haven.access.policy import Perm
from haven.core.models import School
from haven.emergencies.models import Acknowledgement, Incident

if TYPE_CHECKING:
    from haven.accounts.models import User


def raisable_schools(user: User) -> models.QuerySet[School]:
    return policy.schools_for(user, Perm.EMERGENCY_RAISE).order_by("name")


def recipients(incident: Incident) -> models.QuerySet:
    """Everyone the incident's alerts are for: staff who receive alerts at its school (or anywhere
    in the district, for a district-wide incident)."""
    if incident.school_id is not None:
        return policy.holders(Perm.EMERGENCY_RECEIVE, incident.school)
    return policy.holders(Perm.EMERGENCY_RECEIVE, district=incident.district_id)


def unacknowledged(incident: Incident) -> models.QuerySet:
    acked = Acknowledgement.objects.filter(incident=incident).values("user_id")
    return recipients(incident).exclude(pk__in=acked).order_by("last_name", "username")


def schools_of(incident: Incident) -> list[School]:
    if incident.school_id is not None:
        return [incident.school]  # type: ignore[list-item]
    return list(School.objects.filter(district=incident.district_id).order_by("pk"))
