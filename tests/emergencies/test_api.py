"""The incidents API: the contract other systems rely on."""

from __future__ import annotations

import json

from django.test import Client

from haven.accounts.models import ApiToken
from haven.emergencies.models import Incident
from tests.conftest import signed_in


def _post(client, url, body=None, **headers):
    return client.post(
        url,
        json.dumps(body) if body is not None else "",
        content_type="application/json",
        **headers,
    )


def test_raise_by_api_answers_201_at_once(teacher, northside):
    response = _post(
        signed_in(teacher),
        "/api/v1/incidents",
        {"school": "northside-high", "protocol": "lockdown", "drill": False, "note": "Gym"},
    )
    assert response.status_code == 201
    body = response.json()
    incident = Incident.objects.get()
    assert body["id"] == incident.pk
    assert (body["school"], body["protocol"], body["drill"], body["status"]) == (
        "northside-high",
        "lockdown",
        False,
        "active",
    )
    assert body["note"] == "Gym" and body["url"] == f"/emergencies/{incident.pk}/"
    assert incident.events.get().data["via"] == "api"


def test_raise_with_a_bearer_token(teacher, northside):
    _, secret = ApiToken.issue(teacher)
    response = _post(
        Client(),
        "/api/v1/incidents",
        {"school": "northside-high", "protocol": "hold", "drill": True},
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 201
    assert response.json()["drill"] is True


def test_unknown_protocol_is_422_naming_the_field(teacher, northside):
    response = _post(
        signed_in(teacher),
        "/api/v1/incidents",
        {"school": "northside-high", "protocol": "panic", "drill": False},
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["protocol"]
    assert not Incident.objects.exists()


def test_unknown_school_is_404(teacher, northside):
    response = _post(
        signed_in(teacher), "/api/v1/incidents", {"school": "nowhere", "protocol": "hold"}
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_another_schools_slug_is_404_for_an_outsider(outsider, northside):
    response = _post(
        signed_in(outsider), "/api/v1/incidents", {"school": "northside-high", "protocol": "hold"}
    )
    assert response.status_code == 404
    assert not Incident.objects.exists()


def test_missing_fields_are_422(teacher, northside):
    response = _post(signed_in(teacher), "/api/v1/incidents", {"protocol": "hold"})
    assert response.status_code == 422
    assert "school" in [e["field"] for e in response.json()["errors"]]


def test_read_acknowledge_and_all_clear(people, lockdown):
    teacher = signed_in(people["teacher"])
    detail = teacher.get(f"/api/v1/incidents/{lockdown.pk}").json()
    assert detail["protocol"] == "lockdown" and detail["acknowledged"] == 0
    assert [e["kind"] for e in detail["timeline"]] == ["raised"]
    assert "teacher" in detail["not_acknowledged"] and len(detail["not_acknowledged"]) == 8

    ack = _post(teacher, f"/api/v1/incidents/{lockdown.pk}/acknowledge")
    assert ack.status_code == 200 and ack.json()["first"] is True
    assert _post(teacher, f"/api/v1/incidents/{lockdown.pk}/acknowledge").json()["first"] is False

    refused = _post(teacher, f"/api/v1/incidents/{lockdown.pk}/all-clear")
    assert refused.status_code == 403
    done = _post(
        signed_in(people["principal"]),
        f"/api/v1/incidents/{lockdown.pk}/all-clear",
        {"message": "Building cleared"},
    )
    assert done.status_code == 200 and done.json()["status"] == "all_clear"
    lockdown.refresh_from_db()
    assert lockdown.events.last().data == {"message": "Building cleared"}
    again = _post(signed_in(people["principal"]), f"/api/v1/incidents/{lockdown.pk}/all-clear")
    assert again.status_code == 422
    assert again.json()["errors"][0]["field"] == "incident"


def test_list_shows_only_what_the_user_may_see(people, lockdown):
    mine = signed_in(people["teacher"]).get("/api/v1/incidents").json()
    assert [i["id"] for i in mine] == [lockdown.pk]
    assert signed_in(people["outsider"]).get("/api/v1/incidents").json() == []
    active = signed_in(people["teacher"]).get("/api/v1/incidents?status=all_clear").json()
    assert active == []


def test_cap_export_in_the_api(teacher, lockdown):
    response = signed_in(teacher).get(f"/api/v1/incidents/{lockdown.pk}/cap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/cap+xml")
    assert b"<msgType>Alert</msgType>" in response.content


def test_operation_ids_do_not_move_with_the_modules():
    """Clients generated from the OpenAPI document call operations by id: splitting the app into
    sub-packages must not rename them."""
    from haven.api import api

    document = api.get_openapi_schema(path_prefix="/api/v1")
    ids = {
        (method, path): operation["operationId"]
        for path, item in document["paths"].items()
        if path.startswith("/api/v1/incidents")
        for method, operation in item.items()
    }
    assert ids == {
        ("get", "/api/v1/incidents"): "haven_emergencies_api_incidents",
        ("post", "/api/v1/incidents"): "haven_emergencies_api_raise_incident",
        ("get", "/api/v1/incidents/{pk}"): "haven_emergencies_api_incident",
        ("post", "/api/v1/incidents/{pk}/acknowledge"): "haven_emergencies_api_acknowledge",
        ("post", "/api/v1/incidents/{pk}/updates"): "haven_emergencies_api_post_update",
        ("post", "/api/v1/incidents/{pk}/all-clear"): "haven_emergencies_api_all_clear",
        ("get", "/api/v1/incidents/{pk}/cap.xml"): "haven_emergencies_api_cap_xml",
        ("post", "/api/v1/incidents/{pk}/roll-call"): "haven_emergencies_api_roll_call_roll_call",
        (
            "get",
            "/api/v1/incidents/{pk}/accountability",
        ): "haven_emergencies_api_roll_call_incident_accountability",
        ("get", "/api/v1/incidents/{pk}/releases"): "haven_emergencies_api_reunification_releases",
        (
            "post",
            "/api/v1/incidents/{pk}/releases",
        ): "haven_emergencies_api_reunification_create_release",
    }
