"""POST /api/v1/screenings, through Haven's API as a signed-in user."""

from __future__ import annotations

from json import dumps

import pytest
from django.test import Client

from haven.audit.models import AuditEvent
from haven.screening import registry
from haven.screening.models import Screening
from tests.conftest import signed_in
from tests.screening.conftest import TX_ROWS

pytestmark = pytest.mark.django_db

URL = "/api/v1/screenings"


class _Client:
    def post(self, path, json=None, user=None):
        client = signed_in(user)
        return client.post(URL + path, data=dumps(json), content_type="application/json")


client = _Client()


def test_the_front_desk_screens_a_visitor(people, registry_file):
    registry.import_registry(registry_file(*TX_ROWS))
    response = client.post(
        "",
        json={"first_name": "Bill", "last_name": "Smith", "date_of_birth": "1975-03-14"},
        user=people["frontdesk"],
    )
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "id": Screening.objects.get().pk,
        "outcome": "match",
        "matches": [
            {
                "source": "registry:TX",
                "record_id": "tx-1",
                "name": "William James Smith Jr",
                "date_of_birth": "1975-03-14",
                "score": 1.0,
            }
        ],
    }
    assert AuditEvent.objects.get(object_type="screening.check").actor == people["frontdesk"]


def test_a_clear_visitor(people):
    response = client.post(
        "",
        json={
            "first_name": "Hannah",
            "middle_name": "J",
            "last_name": "Kim",
            "date_of_birth": "1990-01-01",
        },
        user=people["sro"],
    )
    assert response.status_code == 200
    assert response.json()["outcome"] == "clear"
    assert response.json()["matches"] == []


@pytest.mark.parametrize("who", ["teacher", "counselor", "auditor", "nobody"])
def test_people_without_the_screening_role_get_404(people, who):
    response = client.post(
        "",
        json={"first_name": "Bill", "last_name": "Smith", "date_of_birth": "1975-03-14"},
        user=people[who],
    )
    assert response.status_code == 404
    assert not Screening.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"last_name": "Smith", "date_of_birth": "1975-03-14"}, "first_name"),
        ({"first_name": "", "last_name": "Smith", "date_of_birth": "1975-03-14"}, "first_name"),
        (
            {"first_name": "Al", "last_name": "Smith", "date_of_birth": "1975-02-30"},
            "date_of_birth",
        ),
        ({"first_name": "Al", "last_name": "Smith", "date_of_birth": "soon"}, "date_of_birth"),
        ({"first_name": "Al", "last_name": "S" * 201, "date_of_birth": "1975-03-14"}, "last_name"),
    ],
)
def test_bad_input_is_422_naming_the_field(people, body, field):
    response = client.post("", json=body, user=people["frontdesk"])
    assert response.status_code == 422
    assert response.json()["detail"] == "Invalid input."
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert not Screening.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"first_name": "Al", "last_name": "Smith", "date_of_birth": "2999-01-01"},
            "date_of_birth",
        ),
        ({"first_name": "!!", "last_name": "Smith", "date_of_birth": "1975-03-14"}, "first_name"),
    ],
)
def test_input_the_service_refuses_is_422_too(people, body, field):
    response = client.post("", json=body, user=people["frontdesk"])
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_anonymous_callers_must_sign_in():
    body = {"first_name": "Bill", "last_name": "Smith", "date_of_birth": "1975-03-14"}
    response = Client().post(URL, data=dumps(body), content_type="application/json")
    assert response.status_code == 401
    assert not Screening.objects.exists()
