"""Scopes for the roster: schools, students and classes."""

from __future__ import annotations

from typing import Any

from django.db import models

from haven.access.policy.core import Perm, school_q, schools_for, scope


@scope("core.school")
def _schools(user: Any, qs: models.QuerySet) -> models.QuerySet:
    return qs.filter(pk__in=schools_for(user).values("pk"))


@scope("core.student")
def _students(user: Any, qs: models.QuerySet) -> models.QuerySet:
    return qs.filter(school_q(user, Perm.ROSTER_VIEW))


@scope("core.section")
def _sections(user: Any, qs: models.QuerySet) -> models.QuerySet:
    return qs.filter(school_q(user, Perm.ROSTER_VIEW))
