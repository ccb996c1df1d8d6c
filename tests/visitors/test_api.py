"""The visitors' API: the contract's shapes (check-in with screening and badge, on site, sign-out,
ID parsing), 422s that name the field and store nothing, and who may call it."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from haven.accounts.models import ApiToken
from haven.audit.models import AuditEvent
from haven.visitors.models import Person, Visit
from tests.conftest import signed_in
from tests.visitors import test_services
from tests.visitors.test_services import VA, vector

small_registry = test_services.small_registry  # the fixture, for the tests below

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, body: dict | str):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, data, content_type="application/json")


def visit_body(**fields) -> dict:
    return {
        "school": "northside-high",
        "purpose": "Meeting with staff",
        "first_name": "Hannah",
        "last_name": "Kim",
        "date_of_birth": "1990-01-01",
        **fields,
    }


def test_check_in_answers_201_with_the_visit_its_screening_and_its_badge(people, northside):
    response = post(signed_in(people["frontdesk"]), "/api/v1/visits", visit_body(destination="Gym"))
    assert response.status_code == 201
    body = response.json()
    visit = Visit.objects.get()
    assert body["id"] == visit.pk
    assert body["school"] == "northside-high" and body["status"] == "on_site"
    assert body["visitor"] == {
        "first_name": "Hannah",
        "middle_name": "",
        "last_name": "Kim",
        "suffix": "",
        "name": "Hannah Kim",
    }
    assert body["destination"] == "Gym" and body["purpose"] == "Meeting with staff"
    assert body["screening"] == {
        "outcome": "clear",
        "matches": [],
        "review_answer": "",
        "decision": "",
    }
    assert body["badge_url"] == f"http://testserver/visitors/{visit.pk}/badge.pdf"
    assert visit.dob_typed_by_hand


def test_check_in_from_the_barcode_text(people, northside):
    response = post(
        signed_in(people["frontdesk"]), "/api/v1/visits", visit_body(id_barcode=VA["payload"])
    )
    assert response.status_code == 201
    assert response.json()["visitor"]["name"] == "Michael John Sample JR"
    assert not Visit.objects.get().dob_typed_by_hand


@pytest.mark.usefixtures("small_registry")
def test_a_match_records_the_attempt_but_issues_no_badge(people, northside):
    response = post(
        signed_in(people["frontdesk"]),
        "/api/v1/visits",
        visit_body(first_name="Bill", last_name="Smith", date_of_birth="1975-03-14"),
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "refused" and body["badge_url"] is None
    assert body["screening"]["outcome"] == "match"
    [match] = body["screening"]["matches"]
    assert {k: match[k] for k in ("source", "record_id", "name", "date_of_birth", "score")} == {
        "source": "registry:TX",
        "record_id": "tx-1",
        "name": "William James Smith Jr",
        "date_of_birth": "1975-03-14",
        "score": 1.0,
    }


@pytest.mark.usefixtures("small_registry")
def test_a_possible_match_is_answered_through_the_api(people, northside):
    client = signed_in(people["frontdesk"])
    body = post(
        client,
        "/api/v1/visits",
        visit_body(first_name="Maria", last_name="Delacruz", date_of_birth="1990-11-03"),
    ).json()
    assert (body["status"], body["badge_url"]) == ("pending", None)
    response = post(client, f"/api/v1/visits/{body['id']}/review", {"answer": "maybe"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "answer"
    response = post(client, f"/api/v1/visits/{body['id']}/review", {"answer": "no"})
    assert response.status_code == 200
    assert response.json()["status"] == "on_site" and response.json()["badge_url"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"id_barcode": "@\nANSI 63600008"}, "id_barcode"),
        ({"id_barcode": "just some text, not a licence"}, "id_barcode"),
        ({"date_of_birth": "1980-02-30"}, "date_of_birth"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"first_name": ""}, "first_name"),
        ({"purpose": ""}, "purpose"),
        ({"host": 999999}, "host"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_stores_nothing(people, northside, fields, field):
    response = post(signed_in(people["frontdesk"]), "/api/v1/visits", visit_body(**fields))
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["detail"] == "Invalid input."
    assert field in [error["field"] for error in body["errors"]]
    assert all(error["message"] for error in body["errors"])
    assert not Visit.objects.exists() and not Person.objects.exists()


def test_a_body_that_is_not_json_is_a_400(people, northside):
    response = post(signed_in(people["frontdesk"]), "/api/v1/visits", "{not json")
    assert response.status_code == 400
    assert not Visit.objects.exists()


def test_on_site_lists_who_is_in_the_building(people, northside, riverside):
    client = signed_in(people["frontdesk"])
    here = post(client, "/api/v1/visits", visit_body()).json()
    gone = post(client, "/api/v1/visits", visit_body(first_name="Ann", last_name="Lee")).json()
    response = client.post(f"/api/v1/visits/{gone['id']}/sign-out")
    assert response.status_code == 200 and response.json()["status"] == "signed_out"
    assert response.json()["checked_out_at"]
    again = client.post(f"/api/v1/visits/{gone['id']}/sign-out")
    assert again.status_code == 409 and "Already signed out" in again.json()["detail"]
    listed = client.get("/api/v1/visits?school=northside-high&on_site=true").json()
    assert [v["id"] for v in listed] == [here["id"]]
    everyone = client.get("/api/v1/visits?school=northside-high").json()
    assert [v["id"] for v in everyone] == [gone["id"], here["id"]]
    assert client.get("/api/v1/visits?school=riverside-middle").status_code == 404
    assert client.get("/api/v1/visits?school=nowhere").status_code == 404
    assert AuditEvent.objects.filter(action="list", object_type="visitors.visit").count() == 2


def test_a_token_holder_checks_in_too(people, northside):
    _, secret = ApiToken.issue(people["frontdesk"], "kiosk")
    response = Client().post(
        "/api/v1/visits",
        json.dumps(visit_body()),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 201


@pytest.mark.parametrize("who", ["teacher", "outsider", "coordinator", "auditor", "nobody"])
def test_people_who_do_not_check_visitors_in_get_404(people, northside, who):
    client = signed_in(people[who])
    visit = post(signed_in(people["frontdesk"]), "/api/v1/visits", visit_body()).json()
    assert post(client, "/api/v1/visits", visit_body()).status_code == 404
    assert post(client, "/api/v1/visits", "garbage").status_code == 404  # before the body
    assert client.get("/api/v1/visits?on_site=true").status_code == 404
    assert client.get(f"/api/v1/visits/{visit['id']}").status_code == 404
    assert client.post(f"/api/v1/visits/{visit['id']}/sign-out").status_code == 404
    assert post(client, "/api/v1/id/parse", {"barcode": VA["payload"]}).status_code == 404
    assert Visit.objects.count() == 1


def test_the_other_schools_admin_sees_nothing_here(people, northside):
    visit = post(signed_in(people["frontdesk"]), "/api/v1/visits", visit_body()).json()
    client = signed_in(people["principal2"])
    assert client.get(f"/api/v1/visits/{visit['id']}").status_code == 404
    assert client.get("/api/v1/visits?school=northside-high").status_code == 404
    assert client.get("/api/v1/visits").json() == []
    assert post(client, "/api/v1/visits", visit_body()).status_code == 404


def test_anonymous_callers_are_asked_to_sign_in(northside):
    assert post(Client(), "/api/v1/visits", visit_body()).status_code == 401
    assert post(Client(), "/api/v1/id/parse", {"barcode": "x"}).status_code == 401


def test_the_sro_reads_visits_and_screenings(people, northside):
    visit = post(signed_in(people["frontdesk"]), "/api/v1/visits", visit_body()).json()
    response = signed_in(people["sro"]).get(f"/api/v1/visits/{visit['id']}")
    assert response.status_code == 200 and response.json()["screening"]["outcome"] == "clear"
    event = AuditEvent.objects.filter(action="view", object_type="visitors.visit").get()
    assert event.actor == people["sro"] and event.detail == {"screening": True}


@pytest.mark.parametrize(
    "name", ["va_v08_dl_standard_sample", "ct_v01_aamva_file_type", "qc_v10_dl_accents"]
)
def test_id_parse_gives_the_cards_fields(people, name):
    case = vector(name)
    response = post(
        signed_in(people["frontdesk"]), "/api/v1/id/parse", {"barcode": case["payload"]}
    )
    assert response.status_code == 200
    assert response.json() == case["expected"]


@pytest.mark.parametrize(
    ("barcode", "field"),
    [
        ("Hello, I am not a licence", "barcode"),
        ("https://example.org/", "barcode"),
        ("", "barcode"),
        (VA["payload"].replace("DBB06061986", "DBB99999999"), "date_of_birth"),
        (VA["payload"].replace("DAQT64235789\n", "DAQ\n"), "id_number"),
    ],
)
def test_id_parse_names_what_is_wrong(people, barcode, field):
    response = post(signed_in(people["frontdesk"]), "/api/v1/id/parse", {"barcode": barcode})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == field and error["message"]


def test_id_parse_needs_its_body(people):
    response = post(signed_in(people["frontdesk"]), "/api/v1/id/parse", {})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "barcode"


def test_the_screening_api_is_mounted(people):
    response = post(
        signed_in(people["frontdesk"]),
        "/api/v1/screenings",
        {"first_name": "Hannah", "last_name": "Kim", "date_of_birth": "1990-01-01"},
    )
    assert response.status_code == 200 and response.json()["outcome"] == "clear"
