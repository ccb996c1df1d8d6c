"""CAP 1.2 export, validated against the OASIS schema."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import xmlschema

from haven.emergencies.alerts import cap, services
from tests.conftest import signed_in

SCHEMA = xmlschema.XMLSchema(Path(__file__).parents[1] / "fixtures" / "cap" / "CAP-v1.2.xsd")
NS = {"cap": cap.NAMESPACE}


def _valid(document: bytes) -> ET.Element:
    SCHEMA.validate(document.decode())
    return ET.fromstring(document)  # noqa: S314 - our own output


def _text(root: ET.Element, path: str) -> str | None:
    found = root.find(path, NS)
    return None if found is None else found.text


def test_a_lockdown_is_a_valid_actual_security_alert(lockdown, northside):
    northside.identifier = "130123004567"
    northside.save()
    root = _valid(cap.document(lockdown.alerts.get()))
    assert _text(root, "cap:status") == "Actual"
    assert _text(root, "cap:msgType") == "Alert"
    assert _text(root, "cap:scope") == "Restricted"
    assert _text(root, "cap:sent").endswith("+00:00")
    assert (
        _text(root, "cap:identifier")
        == f"haven-test-district-incident{lockdown.pk}-alert{lockdown.alerts.get().pk}"
    )
    assert _text(root, "cap:info/cap:category") == "Security"
    assert _text(root, "cap:info/cap:urgency") == "Immediate"
    assert _text(root, "cap:info/cap:severity") == "Extreme"
    assert _text(root, "cap:info/cap:certainty") == "Observed"
    assert _text(root, "cap:info/cap:responseType") == "Shelter"
    assert _text(root, "cap:info/cap:headline") == "LOCKDOWN — Northside High School"
    assert _text(root, "cap:info/cap:description") == "Intruder near gym"
    assert _text(root, "cap:info/cap:instruction").startswith("Locks, lights, out of sight.")
    assert _text(root, "cap:info/cap:web") == f"https://haven.test/emergencies/{lockdown.pk}/"
    assert _text(root, "cap:info/cap:area/cap:areaDesc") == "Northside High School"
    assert _text(root, "cap:info/cap:area/cap:geocode/cap:value") == "130123004567"


def test_a_drill_is_an_exercise(teacher, northside):
    incident = services.raise_incident(teacher, northside, "evacuate", drill=True)
    root = _valid(cap.document(incident.alerts.get()))
    assert _text(root, "cap:status") == "Exercise"
    assert "DRILL" in _text(root, "cap:note")
    assert _text(root, "cap:info/cap:headline").startswith("DRILL")
    assert _text(root, "cap:info/cap:category") == "Safety"
    assert _text(root, "cap:info/cap:responseType") == "Evacuate"


def test_an_update_and_the_all_clear_refer_to_the_first_alert(principal, lockdown):
    services.update_incident(principal, lockdown, protocol="evacuate", evacuate_location="Field")
    services.declare_all_clear(principal, lockdown)
    first, update, clear = lockdown.alerts.order_by("sequence")
    reference = f"{cap.sender()},{cap.identifier(first)},{cap.cap_time(first.sent_at)}"
    updated = _valid(cap.document(update))
    assert _text(updated, "cap:msgType") == "Update"
    assert _text(updated, "cap:references") == reference
    assert "Evacuate to: Field" in _text(updated, "cap:info/cap:description")
    cleared = _valid(cap.document(clear))
    assert _text(cleared, "cap:msgType") == "Cancel"
    assert _text(cleared, "cap:references") == reference
    assert _text(cleared, "cap:info/cap:responseType") == "AllClear"


@pytest.mark.parametrize("protocol", ["hold", "secure", "lockdown", "evacuate", "shelter"])
def test_every_protocol_validates(teacher, northside, protocol):
    incident = services.raise_incident(
        teacher,
        northside,
        protocol,
        shelter_hazard="Tornado",
        shelter_strategy="Drop & cover <now>",
    )
    _valid(cap.document(incident.alerts.get()))


def test_district_wide_alerts_validate(people, district, northside, riverside):
    incident = services.raise_incident(people["admin"], None, "secure")
    for alert in incident.alerts.all():
        root = _valid(cap.document(alert))
        assert _text(root, "cap:info/cap:area/cap:areaDesc") == alert.school.name


def test_the_page_offers_the_cap_file(teacher, lockdown):
    response = signed_in(teacher).get(f"/emergencies/{lockdown.pk}/cap.xml")
    assert response.status_code == 200
    assert (
        response["Content-Disposition"] == f'attachment; filename="incident-{lockdown.pk}.cap.xml"'
    )
    _valid(response.content)


def test_the_schema_refuses_what_cap_forbids(lockdown):
    good = cap.document(lockdown.alerts.get()).decode()
    assert SCHEMA.is_valid(good)
    assert not SCHEMA.is_valid(good.replace("<msgType>Alert</msgType>", "<msgType>Panic</msgType>"))
    assert not SCHEMA.is_valid(good.replace("+00:00</sent>", "Z</sent>"))
