"""Emergencies: incidents under the Standard Response Protocol, the alerts that announce them and
where each alert went, acknowledgements, devices subscribed to Web Push and outgoing webhooks —
and, for the response that follows, roll calls, reunification releases and drills.

An incident belongs to one school, or to the whole district (``school`` empty). Every broadcast
about it is an :class:`Alert`: one row per school that hears it, numbered in that school's own
sequence (:class:`AlertStream`), so a client that reconnects with ``Last-Event-ID`` gets exactly
what it missed, in order.
"""

from haven.emergencies.models.alerts import (
    Acknowledgement,
    Alert,
    AlertStream,
    Delivery,
    Incident,
    IncidentEvent,
    Protocol,
    PushSubscription,
    Webhook,
)
from haven.emergencies.models.drills import (
    Drill,
    DrillKind,
    DrillPolicy,
    DrillRequirement,
)
from haven.emergencies.models.reunification import (
    Release,
    ReunificationRequest,
)
from haven.emergencies.models.roll_call import (
    RollCall,
    RollCallEntry,
    VisitorAccount,
)

__all__ = [
    "Acknowledgement",
    "Alert",
    "AlertStream",
    "Delivery",
    "Drill",
    "DrillKind",
    "DrillPolicy",
    "DrillRequirement",
    "Incident",
    "IncidentEvent",
    "Protocol",
    "PushSubscription",
    "Release",
    "ReunificationRequest",
    "RollCall",
    "RollCallEntry",
    "VisitorAccount",
    "Webhook",
]
