"""The emergencies app's pages: one module per part of the response."""

from haven.emergencies.views.incidents import (
    acknowledge,
    all_clear,
    cap_xml,
    incident_detail,
    incident_list,
    push_subscribe,
    push_unsubscribe,
    raise_incident,
    service_worker,
    update,
)

__all__ = [
    "acknowledge",
    "all_clear",
    "cap_xml",
    "incident_detail",
    "incident_list",
    "push_subscribe",
    "push_unsubscribe",
    "raise_incident",
    "service_worker",
    "update",
]
