"""Who holds a permission: the users to alert or to tell (of an incident, a break-glass, a
screening match)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models

from haven.access.policy.core import ROLE_PERMS, Perm
from haven.accounts.models import Role


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
