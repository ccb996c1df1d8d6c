"""Raising, acknowledging, changing and ending an incident: who may, what is recorded."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from haven.audit.models import AuditEvent
from haven.emergencies.alerts import audience, services
from haven.emergencies.models import (
    Acknowledgement,
    Alert,
    AlertStream,
    Incident,
    IncidentEvent,
)


def test_any_staff_member_can_raise_at_their_school(teacher, northside):
    incident = services.raise_incident(teacher, northside, "lockdown", note="Shots heard")
    assert incident.status == Incident.Status.ACTIVE
    assert incident.raised_by == teacher
    event = incident.events.get()
    assert event.kind == IncidentEvent.Kind.RAISED
    assert event.data == {
        "protocol": "lockdown",
        "drill": False,
        "note": "Shots heard",
        "via": "page",
    }
    audit = AuditEvent.objects.get(action="emergency.raise")
    assert (audit.actor_id, audit.object_id) == (teacher.pk, str(incident.pk))
    assert "Shots" not in str(audit.detail)  # the log says who did what, not what was written


def test_raise_stores_the_alert_exactly_as_sent(teacher, northside):
    incident = services.raise_incident(teacher, northside, "evacuate", evacuate_location="Field")
    alert = incident.alerts.get()
    assert (alert.school, alert.kind, alert.sequence) == (northside, "raised", 1)
    data = alert.payload
    assert data["incident"] == incident.pk
    assert data["protocol"] == "evacuate"
    assert data["school"] == "northside-high"
    assert data["drill"] is False
    assert data["evacuate_location"] == "Field"
    assert data["url"] == f"/emergencies/{incident.pk}/"
    assert data["title"] == "EVACUATE — Northside High School"
    assert data["directive"] == "To the announced location."
    assert data["alert"] == 1 and data["sent_at"]


def test_outsider_cannot_raise_at_another_school(outsider, northside):
    with pytest.raises(PermissionDenied):
        services.raise_incident(outsider, northside, "lockdown")
    assert not Incident.objects.exists()


def test_auditor_cannot_raise(auditor, northside):
    with pytest.raises(PermissionDenied):
        services.raise_incident(auditor, northside, "hold")


def test_unknown_protocol_names_the_field(teacher, northside):
    with pytest.raises(ValidationError) as caught:
        services.raise_incident(teacher, northside, "panic")
    assert "protocol" in caught.value.message_dict
    assert not Incident.objects.exists()


def test_too_long_a_note_names_the_field(teacher, northside):
    with pytest.raises(ValidationError) as caught:
        services.raise_incident(teacher, northside, "hold", note="x" * 501)
    assert list(caught.value.message_dict) == ["note"]


def test_a_drill_is_marked_drill_in_its_alert(teacher, northside):
    incident = services.raise_incident(teacher, northside, "lockdown", drill=True)
    payload = incident.alerts.get().payload
    assert payload["drill"] is True
    assert payload["title"] == "DRILL: LOCKDOWN — Northside High School"


def test_district_wide_incident_needs_a_district_role(people, district, northside, riverside):
    with pytest.raises(PermissionDenied):
        services.raise_incident(people["principal"], None, "secure")
    incident = services.raise_incident(people["admin"], None, "secure", note="Police activity")
    assert incident.school is None and incident.district == district
    # One alert per school, each numbered in that school's own stream.
    alerts = {a.school.slug: a.sequence for a in incident.alerts.select_related("school")}
    assert alerts == {"northside-high": 1, "riverside-middle": 1}
    assert incident.alerts.get(school=riverside).payload["district_wide"] is True


def test_each_school_numbers_its_alerts_in_order(teacher, principal, northside, riverside, people):
    services.raise_incident(teacher, northside, "hold")
    services.raise_incident(people["principal2"], riverside, "hold")
    second = services.raise_incident(principal, northside, "secure")
    assert second.alerts.get().sequence == 2
    assert AlertStream.objects.get(school=northside).last_sequence == 2
    assert AlertStream.objects.get(school=riverside).last_sequence == 1


def test_acknowledging_is_recorded_once(teacher, lockdown):
    ack, created = services.acknowledge(teacher, lockdown)
    again, created_again = services.acknowledge(teacher, lockdown, via="api")
    assert created and not created_again and again.pk == ack.pk
    assert lockdown.events.filter(kind=IncidentEvent.Kind.ACK, actor=teacher).count() == 1


def test_outsider_cannot_acknowledge_another_schools_alert(outsider, lockdown):
    with pytest.raises(PermissionDenied):
        services.acknowledge(outsider, lockdown)
    assert not Acknowledgement.objects.exists()


def test_unacknowledged_lists_the_schools_staff_minus_acks(people, lockdown):
    services.acknowledge(people["teacher"], lockdown)
    missing = {u.username for u in audience.unacknowledged(lockdown)}
    # Everyone at Northside who receives alerts, and the district administrator; not the
    # auditor (who receives none) nor Riverside's staff.
    assert missing == {
        "principal",
        "counselor",
        "sro",
        "frontdesk",
        "coordinator",
        "team_member",
        "admin",
    }


@pytest.mark.parametrize("commander", ["principal", "sro", "admin"])
def test_incident_command_changes_the_protocol(people, lockdown, commander):
    services.update_incident(people[commander], lockdown, protocol="evacuate", message="To field")
    lockdown.refresh_from_db()
    assert lockdown.protocol == "evacuate"
    alert = lockdown.alerts.order_by("sequence").last()
    assert (alert.kind, alert.sequence, alert.payload["message"]) == (
        "protocol_changed",
        2,
        "To field",
    )
    event = lockdown.events.get(kind=IncidentEvent.Kind.PROTOCOL_CHANGED)
    assert event.data["from"] == "lockdown" and event.data["protocol"] == "evacuate"


@pytest.mark.parametrize("person", ["teacher", "counselor", "frontdesk"])
def test_staff_without_command_cannot_change_or_end_it(people, lockdown, person):
    with pytest.raises(PermissionDenied):
        services.update_incident(people[person], lockdown, message="hello")
    with pytest.raises(PermissionDenied):
        services.declare_all_clear(people[person], lockdown)
    assert Alert.objects.count() == 1


def test_an_update_without_change_or_message_is_refused(principal, lockdown):
    with pytest.raises(ValidationError) as caught:
        services.update_incident(principal, lockdown, protocol="lockdown", message="  ")
    assert "message" in caught.value.message_dict


def test_all_clear_ends_the_incident_and_is_broadcast(principal, lockdown):
    services.declare_all_clear(principal, lockdown, message="Police have cleared the building")
    lockdown.refresh_from_db()
    assert lockdown.status == Incident.Status.ALL_CLEAR
    assert lockdown.all_clear_by == principal and lockdown.all_clear_at
    alert = lockdown.alerts.order_by("sequence").last()
    assert alert.kind == "all_clear" and alert.payload["status"] == "all_clear"
    assert alert.payload["title"] == "ALL CLEAR — Northside High School"
    with pytest.raises(ValidationError):
        services.declare_all_clear(principal, lockdown)
    with pytest.raises(ValidationError):
        services.update_incident(principal, lockdown, message="too late")
