"""Accounts: who manages another person's sign-in (enrolment codes, a lost second factor)."""

from __future__ import annotations

from django.db import models

from haven.access.policy.core import Actor, Perm, _memberships, perms_for_role, scope


def _managed_districts(user: Actor) -> set[int]:
    return {
        district
        for role, _, district in _memberships(user)
        if Perm.ACCOUNTS_MANAGE in perms_for_role(role)
    }


@scope("accounts.user")
def _users(user: Actor, qs: models.QuerySet) -> models.QuerySet:
    """The people who hold a role in a district where ``user`` manages sign-ins."""
    districts = _managed_districts(user)
    if not districts:
        return qs.none()
    return qs.filter(role_assignments__district__in=districts).distinct()


def may_manage_sign_in(actor: Actor, person: Actor) -> bool:
    """A district administrator issues enrolment codes to, and resets the second factor of, the
    people who hold a role in their district — but not their own: another administrator, or the
    operator with ``haven enrol-code``, does that, so one stolen session cannot re-enrol itself."""
    if actor is None or person is None or getattr(actor, "pk", None) == person.pk:
        return False
    districts = _managed_districts(actor)
    return any(district in districts for _, _, district in _memberships(person))
