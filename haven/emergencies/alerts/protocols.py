"""What each Standard Response Protocol action says and asks of staff, in the SRP's own words
(the "directive" spoken over the PA), with the staff actions from the SRP K-12 guidance, and how
each maps onto the Common Alerting Protocol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from haven.emergencies.models import Protocol


@dataclass(frozen=True)
class Action:
    protocol: Protocol
    directive: Any  # the SRP words, e.g. "Locks, lights, out of sight"
    staff: tuple[Any, ...]  # what staff do
    cap_category: str  # CAP <category>
    cap_response: str  # CAP <responseType>
    cap_severity: str  # CAP <severity>

    @property
    def word(self) -> str:
        return str(self.protocol.label).upper()


ACTIONS: dict[str, Action] = {
    Protocol.HOLD: Action(
        Protocol.HOLD,
        _("In your room or area. Clear the halls."),
        (
            _("Clear the hallway into the nearest room."),
            _("Close and lock the door."),
            _("Take attendance; business as usual inside the room."),
        ),
        "Safety",
        "Shelter",
        "Moderate",
    ),
    Protocol.SECURE: Action(
        Protocol.SECURE,
        _("Get inside. Lock outside doors."),
        (
            _("Bring everyone indoors."),
            _("Lock outside doors and windows."),
            _("Increase situational awareness; take attendance."),
            _("Business as usual inside the building."),
        ),
        "Security",
        "Shelter",
        "Moderate",
    ),
    Protocol.LOCKDOWN: Action(
        Protocol.LOCKDOWN,
        _("Locks, lights, out of sight."),
        (
            _("Lock the classroom door; turn off the lights."),
            _("Move everyone out of sight and keep silent."),
            _("Do not open the door: first responders will open it."),
            _("Take attendance when it is safe to do so."),
        ),
        "Security",
        "Shelter",
        "Extreme",
    ),
    Protocol.EVACUATE: Action(
        Protocol.EVACUATE,
        _("To the announced location."),
        (
            _("Lead students to the evacuation location."),
            _("Bring your phone and the class roster."),
            _("Take roll; report missing, extra and injured students."),
        ),
        "Safety",
        "Evacuate",
        "Severe",
    ),
    Protocol.SHELTER: Action(
        Protocol.SHELTER,
        _("State the hazard and the safety strategy."),
        (
            _("Use the safety strategy announced for the hazard."),
            _("Take attendance; report missing, extra and injured students."),
        ),
        "Safety",
        "Shelter",
        "Severe",
    ),
}


def action(protocol: str) -> Action:
    return ACTIONS[Protocol(protocol)]
