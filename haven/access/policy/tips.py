"""Scopes for the tip line."""

from __future__ import annotations

from django.db import models

from haven.access.policy.core import Actor, Perm, school_ids_for, school_q, scope


@scope("tips.tip")
def _tips(user: Actor, qs: models.QuerySet) -> models.QuerySet:
    # A tip sent to the district's page (no school) is for district-wide roles only.
    _, districts = school_ids_for(user, Perm.TIPS_VIEW)
    return qs.filter(
        school_q(user, Perm.TIPS_VIEW) | models.Q(school__isnull=True, district__in=districts)
    )
