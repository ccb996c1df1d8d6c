"""Compartments and break-glass: who owns a compartment, who may open one now (by role or
through an active break-glass grant) and who may break glass into one."""

from __future__ import annotations

from typing import Any

from django.db import models

from haven.access.models import BreakGlassGrant, Compartment
from haven.access.policy.core import ROLE_PERMS, Actor, Perm, has_perm
from haven.access.policy.recipients import _users_with_roles

#: Who owns each compartment (may read and write it without breaking glass).
COMPARTMENT_PERM = {
    Compartment.TEAM: Perm.CASES_TEAM,
    Compartment.CLINICAL: Perm.CASES_CLINICAL,
    Compartment.LAW_ENFORCEMENT: Perm.CASES_LAW_ENFORCEMENT,
}


def _ref(obj: models.Model) -> tuple[str, str]:
    return obj._meta.label_lower, str(obj.pk)


def active_grant(user: Actor, obj: models.Model, compartment: str) -> BreakGlassGrant | None:
    object_type, object_id = _ref(obj)
    return (
        BreakGlassGrant.objects.active()
        .filter(user=user.pk, object_type=object_type, object_id=object_id, compartment=compartment)
        .order_by("-expires_at")
        .first()
    )


def owns_compartment(user: Actor, obj: Any, compartment: str) -> bool:
    return has_perm(user, COMPARTMENT_PERM[Compartment(compartment)], obj.school_id)


def can_open_compartment(user: Actor, obj: Any, compartment: str) -> bool:
    """May ``user`` read/write ``compartment`` of ``obj`` (something with a ``school``) now?"""
    if owns_compartment(user, obj, compartment):
        return True
    if not has_perm(user, Perm.CASES_TEAM, obj.school_id):
        return False
    return active_grant(user, obj, compartment) is not None


def may_break_glass(user: Actor, obj: Any, compartment: str) -> bool:
    """Only members of the team at the object's school may break glass, and only into a
    compartment they do not already own."""
    return (
        compartment != Compartment.TEAM
        and has_perm(user, Perm.BREAK_GLASS, obj.school_id)
        and not owns_compartment(user, obj, compartment)
    )


def compartment_owners(obj: Any, compartment: str) -> models.QuerySet:
    """Users who own ``compartment`` at the object's school (to be told of a break-glass)."""
    perm = COMPARTMENT_PERM[Compartment(compartment)]
    owner_roles = [role for role, perms in ROLE_PERMS.items() if perm in perms]
    return _users_with_roles(owner_roles, obj.school)
