"""The incident that the generated permission table (tests/test_permissions.py) tries its
emergency routes on: a lockdown at Northside raised by the principal."""

from __future__ import annotations

from typing import Any


def incident(world: dict[str, Any]) -> str:
    if "incident" not in world:
        from haven.emergencies.alerts import services

        principal = world["principal"]
        school = principal.role_assignments.get().school
        world["incident"] = services.raise_incident(principal, school, "lockdown")
    return str(world["incident"].pk)
