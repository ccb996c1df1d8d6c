"""Example requirement sets a district can start from: data, installed inactive by
:func:`install` (the district reviews and switches them on in the admin).

They show how two states' kinds of rules are expressed — they are **examples, not legal advice**:
statutes change, and a district checks the current text and its own policy before relying on
them. Each names the statute it is modelled on in ``note``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from haven.training.models import Module, Requirement, TrainingPolicy

PRESETS: dict[str, list[dict[str, Any]]] = {
    # Pennsylvania-style: safety and threat-recognition hours every school year, suicide
    # prevention renewed every five years.
    "pennsylvania": [
        {
            "name": "Example (Pennsylvania-style): safety and threat recognition, 2 h a year",
            "note": "Modelled on Pennsylvania's school safety and security training for school "
            "employees (24 P.S. § 13-1310-B). Example only: check the current statute.",
            "due": "hours",
            "hours": "2",
            "year_starts": 7,
        },
        {
            "name": "Example (Pennsylvania-style): suicide prevention, every five years",
            "note": "Modelled on Pennsylvania's youth suicide awareness and prevention training "
            "(24 P.S. § 15-1526, Act 71 of 2014). Example only: check the current statute.",
            "module": "suicide-warning-signs",
            "due": "after_start",
            "due_days": 90,
            "renew_months": 60,
            "accepts": ["qpr", "ymhfa"],
        },
    ],
    # Florida-style: listed staff trained in youth mental health awareness; the superintendent
    # certifies each year that at least 80% are (the summary PDF).
    "florida": [
        {
            "name": "Example (Florida-style): youth mental health awareness, certified each year",
            "note": "Modelled on Florida's youth mental health awareness and assistance training "
            "and the superintendent's yearly certification that at least 80% of school personnel "
            "are trained (s. 1012.584, F.S.). Example only: check the current statute.",
            "module": "suicide-warning-signs",
            "due": "fixed",
            "due_on": "next-july-1",
            "renew_months": 36,
            "accepts": ["ymhfa", "mhfa"],
            "certified": True,
        },
        {
            "name": "Example (Florida-style): threat assessment awareness",
            "note": "Modelled on Florida's requirement that school personnel know how to report "
            "concerning behaviour to the threat management team (s. 1006.07, F.S.). Example "
            "only: check the current statute.",
            "module": "pathway-to-violence",
            "due": "fixed",
            "due_on": "next-july-1",
            "renew_months": 12,
            "certified": True,
        },
    ],
}


def _next_july_first(today: dt.date) -> dt.date:
    year = today.year if today < dt.date(today.year, 7, 1) else today.year + 1
    return dt.date(year, 7, 1)


@transaction.atomic
def install(
    district: Any, name: str, *, active: bool = False, today: dt.date | None = None
) -> list[Requirement]:
    """Add (or refresh) a preset's requirements for ``district``, inactive unless ``active``."""
    today = today or timezone.localdate()
    TrainingPolicy.objects.get_or_create(district=district)
    made = []
    for row in PRESETS[name]:
        module = Module.objects.filter(slug=row["module"]).first() if row.get("module") else None
        if row.get("module") and module is None:
            raise ValueError(f"preset {name}: module {row['module']!r} is not loaded")
        due_on = row.get("due_on")
        req, _ = Requirement.objects.update_or_create(
            district=district,
            name=row["name"],
            defaults={
                "note": row["note"],
                "module": module,
                "due": row["due"],
                "due_on": _next_july_first(today) if due_on == "next-july-1" else due_on,
                "due_days": row.get("due_days"),
                "renew_months": row.get("renew_months"),
                "hours": row.get("hours"),
                "year_starts": row.get("year_starts", 8),
                "accepts": row.get("accepts", []),
                "certified": row.get("certified", False),
                "active": active,
            },
        )
        made.append(req)
    return made
