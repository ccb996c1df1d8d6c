"""Triage: who sees monitoring signals, reviews them and may classify a text."""

from __future__ import annotations

from typing import Any

from django.db import models

from haven.access.policy.core import Actor, Perm, has_perm, school_q, scope


@scope("triage.signal")
def _signals(user: Actor, qs: models.QuerySet) -> models.QuerySet:
    # Reviewers see every signal of their schools. The school's team (CASES_SCHOOL, the SRO too)
    # sees the high and imminent ones, except sensitive signals, which stay with the reviewers.
    team = school_q(user, Perm.CASES_SCHOOL) & models.Q(
        urgency__in=("high", "imminent"), sensitive=False
    )
    return qs.filter(school_q(user, Perm.TRIAGE_REVIEW) | team)


def may_review_signal(user: Actor, signal: Any) -> bool:
    return has_perm(user, Perm.TRIAGE_REVIEW, signal.school_id)


def may_classify(user: Actor) -> bool:
    """Classify a text on request: staff who read tips or cases, and integrations."""
    return any(has_perm(user, p) for p in (Perm.TIPS_VIEW, Perm.CASES_TEAM, Perm.SIGNALS_SUBMIT))
