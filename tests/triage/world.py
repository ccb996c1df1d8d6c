"""Signals for the triage tests and for the generated permission table (tests/test_permissions.py):
a monitoring tool's service account (the principal's role holds SIGNALS_SUBMIT) reports what it
flagged about Maya, a student at Northside."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

#: Texts the classifier reads at each urgency (checked in test_signals.py).
IMMINENT = "tonight I'm going to end it, I have my dad's gun"
HIGH = "I keep cutting myself and I can't stop"
ROUTINE = "kids are vaping in the bathroom"
NONE = "can we get more vegetarian options in the cafeteria?"


def send(
    user: Any,
    text: Any,
    *,
    student: str = "stu-maya",
    source: str = "Lightspeed Alert",
    observed_at: datetime | None = None,
    **extra: Any,
):
    """Submit a signal as ``user``; returns the intake."""
    from haven.triage import services

    return services.submit_signal(
        user,
        services.SignalInput(
            student=student,
            source=source,
            text=text,
            observed_at=observed_at or timezone.now(),
            **extra,
        ),
    )


def signal(world: dict[str, Any]) -> str:
    """A high-urgency signal about Maya, made once per test (the SRO's team sees it too)."""
    if "signal" not in world:
        world["signal"] = send(world["principal"], HIGH).signal
    return str(world["signal"].pk)
