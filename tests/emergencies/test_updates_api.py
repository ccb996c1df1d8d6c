"""POST /api/v1/incidents/{id}/updates: incident command posts an update and/or changes the
protocol, with the same rules as the incident page."""

from __future__ import annotations

import json

from django.test import Client

from haven.accounts.models import ApiToken
from haven.emergencies.alerts import services
from haven.emergencies.models import Alert, IncidentEvent
from tests.conftest import signed_in


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_commander_changes_the_protocol_and_everyone_is_alerted(
    lockdown, sro, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            signed_in(sro),
            f"/api/v1/incidents/{lockdown.pk}/updates",
            {
                "protocol": "evacuate",
                "message": "Leave by the north doors",
                "evacuate_location": "Field",
            },
        )
    assert response.status_code == 201
    body = response.json()
    assert (body["id"], body["protocol"], body["evacuate_location"]) == (
        lockdown.pk,
        "evacuate",
        "Field",
    )
    last = body["timeline"][-1]
    assert last["kind"] == "protocol_changed"
    assert (
        last["data"]["from"] == "lockdown" and last["data"]["message"] == "Leave by the north doors"
    )
    alert = Alert.objects.filter(incident=lockdown).order_by("sequence").last()
    assert alert.kind == "protocol_changed" and alert.payload["protocol"] == "evacuate"
    assert alert.payload["message"] == "Leave by the north doors"


def test_a_message_alone_is_an_update(lockdown, principal):
    response = _post(
        signed_in(principal),
        f"/api/v1/incidents/{lockdown.pk}/updates",
        {"message": "Police on site"},
    )
    assert response.status_code == 201
    event = lockdown.events.order_by("at", "pk").last()
    assert (event.kind, event.data["message"], event.actor) == (
        "update",
        "Police on site",
        principal,
    )
    assert response.json()["protocol"] == "lockdown"


def test_with_a_bearer_token(lockdown, principal):
    _, secret = ApiToken.issue(principal)
    response = Client().post(
        f"/api/v1/incidents/{lockdown.pk}/updates",
        json.dumps({"protocol": "secure"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 201 and response.json()["protocol"] == "secure"


def test_unknown_protocol_is_422_naming_it(lockdown, principal):
    response = _post(
        signed_in(principal), f"/api/v1/incidents/{lockdown.pk}/updates", {"protocol": "panic"}
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["protocol"]
    assert "panic" in errors[0]["message"]
    assert lockdown.events.count() == 1


def test_nothing_to_say_is_422(lockdown, principal):
    response = _post(signed_in(principal), f"/api/v1/incidents/{lockdown.pk}/updates", {})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "message"


def test_too_long_a_message_is_422(lockdown, principal):
    response = _post(
        signed_in(principal), f"/api/v1/incidents/{lockdown.pk}/updates", {"message": "x" * 501}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "message"


def test_after_the_all_clear_it_is_409_with_a_clear_message(lockdown, principal):
    services.declare_all_clear(principal, lockdown)
    response = _post(
        signed_in(principal), f"/api/v1/incidents/{lockdown.pk}/updates", {"message": "Late"}
    )
    assert response.status_code == 409
    assert response.json() == {"detail": "This incident has already been declared all clear."}
    assert not lockdown.events.filter(kind=IncidentEvent.Kind.UPDATE).exists()


def test_staff_who_see_the_incident_get_403_and_others_404(lockdown, teacher, outsider):
    refused = _post(
        signed_in(teacher), f"/api/v1/incidents/{lockdown.pk}/updates", {"message": "x"}
    )
    assert refused.status_code == 403
    hidden = _post(
        signed_in(outsider), f"/api/v1/incidents/{lockdown.pk}/updates", {"message": "x"}
    )
    assert hidden.status_code == 404
    assert lockdown.events.count() == 1


def test_the_endpoint_is_in_the_openapi_document(db):
    spec = Client().get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/incidents/{pk}/updates"]["post"]
    assert set(operation["responses"]) >= {"201", "409"}
