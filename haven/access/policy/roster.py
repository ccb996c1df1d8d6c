"""Scopes for the roster: schools, students and classes."""

from __future__ import annotations

from django.db import models

from haven.access.policy.core import Actor, Perm, school_q, schools_for, scope


@scope("core.school")
def _schools(user: Actor, qs: models.QuerySet) -> models.QuerySet:
    return qs.filter(pk__in=schools_for(user).values("pk"))


@scope("core.student")
def _students(user: Actor, qs: models.QuerySet) -> models.QuerySet:
    return qs.filter(school_q(user, Perm.ROSTER_VIEW))


@scope("core.section")
def _sections(user: Actor, qs: models.QuerySet) -> models.QuerySet:
    return qs.filter(school_q(user, Perm.ROSTER_VIEW))
