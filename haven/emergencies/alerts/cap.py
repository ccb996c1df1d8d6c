"""An alert as a CAP 1.2 message (OASIS Common Alerting Protocol), for public-safety systems.

A drill is ``status`` Exercise (and says DRILL in its note and headline); an update or a protocol
change is ``msgType`` Update and an all clear is Cancel, each referring to the incident's first
alert. The audience is ``Restricted``: the school's staff and its public-safety partners.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET

from django.conf import settings
from django.utils import translation

from haven.emergencies.alerts.payload import absolute
from haven.emergencies.alerts.protocols import action
from haven.emergencies.models import Alert, Incident

NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
CONTENT_TYPE = "application/cap+xml; charset=utf-8"


def sender() -> str:
    return settings.HAVEN_CAP_SENDER or settings.DEFAULT_FROM_EMAIL


def cap_time(moment: datetime) -> str:
    # CAP's dateTime has no fractional seconds and always an explicit offset (never "Z").
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def identifier(alert: Alert) -> str:
    # No spaces, commas or restricted characters (CAP 1.2, 3.2.1).
    return f"haven-{alert.incident.district.slug}-incident{alert.incident_id}-alert{alert.pk}"


def _sub(parent: ET.Element, tag: str, text: Any = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{NAMESPACE}}}{tag}")
    if text is not None:
        element.text = str(text)
    return element


def document(alert: Alert) -> bytes:
    """The CAP XML of one stored alert."""
    incident: Incident = alert.incident
    data = alert.payload
    first = incident.alerts.filter(school=alert.school_id).order_by("sequence").first() or alert
    with translation.override(settings.LANGUAGE_CODE):
        act = action(data.get("protocol", incident.protocol))
        root = ET.Element(f"{{{NAMESPACE}}}alert")
        _sub(root, "identifier", identifier(alert))
        _sub(root, "sender", sender())
        _sub(root, "sent", cap_time(alert.sent_at))
        _sub(root, "status", "Exercise" if incident.drill else "Actual")
        msg_type = {"raised": "Alert", "all_clear": "Cancel"}.get(alert.kind, "Update")
        _sub(root, "msgType", msg_type)
        _sub(root, "source", "Haven")
        _sub(root, "scope", "Restricted")
        _sub(root, "restriction", "School staff and public-safety partners")
        if incident.drill:
            _sub(root, "note", "DRILL: this is an exercise, not a real emergency.")
        if msg_type != "Alert" and first.pk != alert.pk:
            _sub(root, "references", f"{sender()},{identifier(first)},{cap_time(first.sent_at)}")
        _sub(root, "incidents", f"haven-{incident.district.slug}-incident{incident.pk}")

        info = _sub(root, "info")
        _sub(info, "language", "en-US")
        _sub(info, "category", act.cap_category)
        _sub(info, "event", f"School {act.protocol.label.lower()}")
        if alert.kind == Alert.Kind.ALL_CLEAR:
            _sub(info, "responseType", "AllClear")
            _sub(info, "urgency", "Past")
            _sub(info, "severity", "Minor")
            _sub(info, "certainty", "Observed")
        else:
            _sub(info, "responseType", act.cap_response)
            _sub(info, "urgency", "Immediate")
            _sub(info, "severity", act.cap_severity)
            _sub(info, "certainty", "Observed")
        _sub(info, "senderName", data.get("school_name") or alert.school.name)
        _sub(info, "headline", data.get("title", "")[:160])
        description = " ".join(
            part
            for part in (
                data.get("message", ""),
                data.get("note", ""),
                data.get("evacuate_location", "") and f"Evacuate to: {data['evacuate_location']}",
                data.get("shelter_hazard", "") and f"Hazard: {data['shelter_hazard']}",
            )
            if part
        )
        _sub(info, "description", description or str(act.directive))
        instruction = [str(act.directive), *(str(step) for step in act.staff)]
        if data.get("shelter_strategy"):
            instruction.append(f"Safety strategy: {data['shelter_strategy']}")
        _sub(info, "instruction", " ".join(instruction))
        if settings.HAVEN_BASE_URL:
            _sub(info, "web", absolute(data.get("url", "")))
        area = _sub(info, "area")
        _sub(area, "areaDesc", alert.school.name)
        if alert.school.identifier:
            geocode = _sub(area, "geocode")
            _sub(geocode, "valueName", "NCES")
            _sub(geocode, "value", alert.school.identifier)
    ET.register_namespace("", NAMESPACE)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def latest_alert(incident: Incident, school_id: int | None = None) -> Alert | None:
    alerts = incident.alerts.select_related("incident__district", "school")
    if school_id is not None:
        alerts = alerts.filter(school_id=school_id)
    return alerts.order_by("-sent_at", "-pk").first()
