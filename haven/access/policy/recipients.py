"""Who holds a permission: the users to alert or to tell (of an incident, a break-glass, a
screening match), and who among some people may see a record — each answered in a fixed number of
queries, however many people there are."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.models import Exists, OuterRef

from haven.access.policy.core import ROLE_PERMS, Perm, visible_to
from haven.accounts.models import Role, RoleAssignment, User


def holders(
    perm: Perm,
    school: Any = None,
    district: Any = None,
    *,
    at_school: bool = False,
    can_see: models.Model | None = None,
) -> models.QuerySet[User]:
    """Active users who hold ``perm`` at ``school`` (by a role there or district-wide) — or, with
    only ``district``, anywhere in that district (who to alert of a district-wide incident).

    ``at_school``: only those who also hold a role at the school itself (the school's own people,
    not the district's, who read the queue but are not paged for it). ``can_see``: only those the
    policy lets see that record (whom a notification about it may reach)."""
    role_list = [role for role, perms in ROLE_PERMS.items() if perm in perms]
    if school is not None:
        users = _users_with_roles(role_list, school)
        if at_school:
            here = RoleAssignment.objects.filter(school=school).values("user_id")
            users = users.filter(pk__in=here)
    else:
        district_id = getattr(district, "pk", district)
        assignments = RoleAssignment.objects.filter(role__in=role_list, district=district_id)
        users = User.objects.filter(is_active=True, pk__in=assignments.values("user_id"))
    if can_see is not None:
        allowed = who_may_see(can_see, users)
        users = User.objects.filter(pk__in=[user.pk for user in allowed])
    return users


def who_may_see(obj: models.Model, users: Iterable[User]) -> list[User]:
    """Those of ``users`` (in their order) whom :func:`visible_to` lets see ``obj``: their roles
    in one query, then one query asking the record's scope for all of them at once."""
    people = list(users)
    _load_memberships(people)
    model = type(obj)
    checks: dict[str, Exists] = {}
    for n, user in enumerate(people):
        narrowed = visible_to(user, model).filter(pk=OuterRef("pk"))
        if not narrowed.query.is_empty():
            checks[f"may_{n}"] = Exists(narrowed)
    if not checks:
        return []
    row = model._default_manager.filter(pk=obj.pk).annotate(**checks).values(*checks).first()
    if row is None:
        return []
    return [user for n, user in enumerate(people) if row.get(f"may_{n}")]


def _load_memberships(people: list[User]) -> None:
    """Fill the policy's cache of roles for everyone not yet cached, in one query."""
    missing = {
        user.pk: user
        for user in people
        if user.is_active and getattr(user, "_haven_memberships", None) is None
    }
    if not missing:
        return
    found: dict[int, list[tuple[str, int | None, int]]] = {pk: [] for pk in missing}
    rows = RoleAssignment.objects.filter(user__in=list(missing)).values_list(
        "user_id", "role", "school_id", "district_id"
    )
    for user_id, role, school_id, district_id in rows:
        found[user_id].append((role, school_id, district_id))
    for pk, user in missing.items():
        user._haven_memberships = found[pk]  # type: ignore[attr-defined]


def users_with_perm(perm: Perm, school: Any) -> models.QuerySet[User]:
    """Active users who hold ``perm`` at ``school`` (by a role there or district-wide)."""
    return holders(perm, school)


def auditors(school: Any) -> models.QuerySet[User]:
    return _users_with_roles([Role.AUDITOR], school)


def district_admins(district: Any) -> models.QuerySet[User]:
    """The district's administrators (a district-wide administrator role): the last tier of an
    escalation, and whom a tip sent to the district's own page goes to."""
    district_id = getattr(district, "pk", district)
    admins = RoleAssignment.objects.filter(
        role=Role.DISTRICT_ADMIN, school__isnull=True, district=district_id
    )
    return User.objects.filter(is_active=True, pk__in=admins.values("user_id"))


def _users_with_roles(role_list: Iterable[str], school: Any) -> models.QuerySet[User]:
    assignments = RoleAssignment.objects.filter(role__in=list(role_list)).filter(
        models.Q(school=school) | models.Q(school__isnull=True, district=school.district_id)
    )
    return User.objects.filter(is_active=True, pk__in=assignments.values("user_id"))


def school_holders(perm: Perm, school: Any) -> models.QuerySet[User]:
    """Active users who hold ``perm`` through a role at ``school`` itself — or, when nobody does,
    through a district-wide role. Who to alert at one school without alerting the whole district:
    a screening match goes to that school's administrators and SRO."""
    role_list = [role for role, perms in ROLE_PERMS.items() if perm in perms]
    here = RoleAssignment.objects.filter(role__in=role_list, school=school)
    users = User.objects.filter(is_active=True, pk__in=here.values("user_id"))
    if users.exists():
        return users
    district_wide = RoleAssignment.objects.filter(
        role__in=role_list, school__isnull=True, district=school.district_id
    )
    return User.objects.filter(is_active=True, pk__in=district_wide.values("user_id"))


def role_holdings(
    perm: Perm, district: Any, roles: Iterable[str] = (), schools: Iterable[int] = ()
) -> models.QuerySet[RoleAssignment]:
    """The role assignments through which active people hold ``perm`` in ``district``, only of
    ``roles`` and at ``schools`` when given: whom a requirement set by role applies to (training),
    one row per role held, with the school it is held at."""
    able = [role for role, perms in ROLE_PERMS.items() if perm in perms]
    wanted = [role for role in roles if role in able] if roles else able
    found = RoleAssignment.objects.filter(
        district_id=getattr(district, "pk", district), role__in=wanted, user__is_active=True
    )
    school_ids = list(schools)
    return found.filter(school__in=school_ids) if school_ids else found
