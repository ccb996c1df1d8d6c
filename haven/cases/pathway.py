"""The pathway to violence (Calhoun & Weston): the stages a person who commits targeted violence
moves through, in order. A case's observations are dated; an observation at a stage further along
than any observed before is *forward movement*, and the team is warned."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    GRIEVANCE = "grievance", _("Grievance")
    IDEATION = "ideation", _("Violent ideation")
    RESEARCH_PLANNING = "research_planning", _("Research and planning")
    PREPARATION = "preparation", _("Preparation")
    PROBING_BREACHING = "probing_breaching", _("Probing and breaching")
    ATTACK = "attack", _("Attack")


#: Stage -> position along the path (1 = grievance ... 6 = attack).
RANK: dict[str, int] = {stage.value: n for n, stage in enumerate(Stage, start=1)}


def rank(stage: str) -> int:
    """Position of ``stage`` along the path; 0 for none."""
    return RANK.get(stage, 0)


def furthest(stages: Iterable[str]) -> str:
    """The stage furthest along the path among ``stages`` ("" if there are none)."""
    return max(stages, key=rank, default="")


def is_forward(previous: Iterable[str], new: str) -> bool:
    """Does an observation at ``new`` move the case further than every stage seen before?"""
    return rank(new) > rank(furthest(previous))
