"""/api/v1/reports/: the contract's keys, CSV, scoping and bad input named."""

from __future__ import annotations

import csv
import io

import pytest
import time_machine

from haven.audit.models import AuditEvent
from tests.conftest import signed_in
from tests.reports.conftest import NOW


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def get(user, path, **params):
    return signed_in(user).get(f"/api/v1/reports/{path}", params)


def test_tips_contract(principal, tips_world):
    response = get(
        principal, "tips", school="northside-high", **{"from": "2026-08-01", "to": "2027-07-31"}
    )
    assert response.status_code == 200
    body = response.json()
    for key in (
        "total",
        "by_category",
        "life_safety",
        "time_to_acknowledge",
        "time_to_close",
        "dispositions",
        "duplicates",
        "dialogue_rate",
    ):
        assert key in body
    assert body["total"] == 4
    assert body["time_to_acknowledge"]["median_minutes"] == 8.0
    assert body["time_to_close"]["p90_minutes"] == 108.0
    assert body["filters"]["school"] == "northside-high"


def test_tips_as_csv_holds_the_same_figures(principal, tips_world):
    response = get(principal, "tips", year="2026-27", format="csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = dict(csv.reader(io.StringIO(response.content.decode())))
    assert rows["total"] == "4"
    assert rows["time_to_acknowledge.p90_minutes"] == "9.6"
    assert rows["dispositions.false"] == "1"


def test_every_report_read_is_audited(principal, tips_world):
    get(principal, "tips", year="2026-27")
    get(principal, "tips", year="2026-27", format="csv")
    events = list(AuditEvent.objects.filter(actor=principal).order_by("pk"))
    assert [e.action for e in events][-2:] == ["view", "export"]
    assert events[-1].detail["report"] == "tips"
    assert events[-1].detail["filters"]["year"] == "2026-27"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-12-01", "to": "2026-11-01"}, "to"),
        ({"from": "1900-01-01", "to": "2026-11-01"}, "from"),
        ({"from": "2026-13-01", "to": "2026-12-01"}, "from"),
        ({"from": "2026-11-01"}, "to"),
        ({"year": "2026-28"}, "year"),
        ({"year": "banana"}, "year"),
        ({"year": "1990-91"}, "year"),
        ({"year": "2026-27", "from": "2026-11-01", "to": "2026-12-01"}, "year"),
        ({"school": "nowhere"}, "school"),
        ({"school": "riverside-middle"}, "school"),  # exists, but not the principal's
        ({"category": "ufo"}, "category"),
        ({"format": "xml"}, "format"),
    ],
)
def test_bad_input_is_named(principal, tips_world, params, field):
    response = get(principal, "tips", **params)
    assert response.status_code == 422, response.content
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_unknown_and_hidden_schools_read_the_same(principal, tips_world):
    hidden = get(principal, "tips", school="riverside-middle").json()["errors"][0]["message"]
    unknown = get(principal, "tips", school="nowhere").json()["errors"][0]["message"]
    assert hidden.replace("riverside-middle", "X") == unknown.replace("nowhere", "X")


@pytest.mark.parametrize("who", ["teacher", "frontdesk", "counselor", "auditor", "nobody"])
@pytest.mark.parametrize("area", ["tips", "cases", "drills"])
def test_staff_without_the_report_are_refused(people, who, area):
    assert get(people[who], area).status_code == 403


def test_anonymous_callers_must_sign_in(db):
    from django.test import Client

    assert Client().get("/api/v1/reports/tips").status_code == 401
