"""The signals API for monitoring tools and the classify endpoint: a service account's token,
validation (422 naming the field, 404 for an unknown student), truncation, junk that never 500s,
the guardrails and the audit."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from haven.accounts.models import ApiToken
from haven.audit.models import AuditEvent
from haven.triage.models import DistrictTriageSettings, Signal
from haven.triage.text import MAX_CHARS
from tests.conftest import signed_in
from tests.triage.world import HIGH, IMMINENT, ROUTINE, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(people, roster):
    return {**people, **roster}


def client_for(user) -> Client:
    _token, secret = ApiToken.issue(user, "tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.fixture
def tool(world):
    """The monitoring tool: a service account with a school administrator's role at Northside."""
    return client_for(world["principal"])


def body(**changes):
    data = {
        "student": "stu-maya",
        "source": "Lightspeed Alert",
        "text": HIGH,
        "observed_at": "2026-03-02T10:00:00+00:00",
        **changes,
    }
    return {k: v for k, v in data.items() if v is not ...}


def post(client, data, url="/api/v1/signals"):
    raw = data if isinstance(data, bytes | str) else json.dumps(data)
    return client.post(url, raw, content_type="application/json")


def test_a_tool_submits_a_signal(tool, world):
    response = post(tool, body(url="https://example.org/p/1", context={"app": "docs"}))
    assert response.status_code == 201
    data = response.json()
    signal = Signal.objects.get()
    assert data["id"] == signal.pk
    assert data["student"] == world["maya"].pk
    assert data["school"] == "northside-high"
    assert (data["urgency"], data["route"], data["status"]) == ("high", "team", "open")
    assert data["duplicate_of"] is None and data["truncated"] is False
    assert "self_harm" in data["flagged"]
    assert {c["name"] for c in data["categories"]} >= {"self_harm", "weapon"}
    assert all(set(e) == {"start", "end", "category"} for e in data["evidence"])
    assert "text" not in data  # the tool sent it; it is not echoed back
    assert signal.context == {"app": "docs"}


def test_a_duplicate_answers_200_with_the_first(tool):
    first = post(tool, body()).json()
    again = post(tool, body(text=HIGH.upper(), observed_at="2026-03-02T10:05:00+00:00"))
    assert again.status_code == 200
    assert again.json()["duplicate_of"] == first["id"] == again.json()["id"]
    assert again.json()["repeat_count"] == 1


def test_megabytes_are_truncated_and_say_so(tool):
    response = post(tool, body(text="I want to die. " + "x" * 2_000_000))
    assert response.status_code == 201
    assert response.json()["truncated"] is True
    assert len(Signal.objects.get().text) == MAX_CHARS


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"text": ...}, "text"),
        ({"text": ""}, "text"),
        ({"text": "  \n\t "}, "text"),
        ({"text": 42}, "text"),
        ({"student": ...}, "student"),
        ({"student": ""}, "student"),
        ({"source": ...}, "source"),
        ({"observed_at": ...}, "observed_at"),
        ({"observed_at": "last tuesday"}, "observed_at"),
        ({"observed_at": "2099-01-01T00:00:00Z"}, "observed_at"),
        ({"url": ["not", "text"]}, "url"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(tool, changes, field):
    response = post(tool, body(**changes))
    assert response.status_code == 422
    assert response.json()["detail"] == "Invalid input."
    assert field in {e["field"] for e in response.json()["errors"]}
    assert Signal.objects.count() == 0


def test_an_unknown_student_is_a_404_that_says_so(tool):
    for student in ("no-such-student", "stu-sam", "999999", "9" * 40, "x\x00y"):
        response = post(tool, body(student=student))
        assert response.status_code == 404, student
        assert "student" in response.json()["detail"]
        assert "sourcedId" in response.json()["detail"]
    assert Signal.objects.count() == 0


def test_the_student_by_haven_id(tool, world):
    response = post(tool, body(student=str(world["eli"].pk)))
    assert response.json()["student"] == world["eli"].pk


@pytest.mark.parametrize(
    "raw",
    [
        b"\x00\xff\xfe\x89PNG\r\n\x1a\n",
        b"",
        b"[1, 2, 3]",
        b'{"student": "stu-maya", "text": ',
        "not json at all",
    ],
)
def test_junk_bodies_are_refused_never_a_500(tool, raw):
    response = post(tool, raw)
    assert response.status_code in (400, 422)
    assert "detail" in response.json()


def test_a_body_in_windows_1252_is_read(tool):
    raw = json.dumps(body(text="me quiero morir mañana"), ensure_ascii=False).encode("cp1252")
    response = post(tool, raw)
    assert response.status_code == 201
    assert Signal.objects.get().text == "me quiero morir mañana"


def test_escaped_junk_in_the_text_is_stored(tool):
    raw = '{"student": "stu-maya", "source": "Gaggle\\u0000", "text": "bad \\ud800 \\u0000 bytes",'
    raw += ' "observed_at": "2026-03-02T10:00:00Z"}'
    response = post(tool, raw)
    assert response.status_code == 201
    assert Signal.objects.get().text == "bad ?  bytes"
    assert Signal.objects.get().source == "Gaggle"


def test_a_form_body_is_read_too(tool):
    response = tool.post("/api/v1/signals", body())
    assert response.status_code == 201


@pytest.mark.parametrize("who", ["teacher", "counselor", "sro", "outsider"])
def test_who_may_not_submit_gets_a_403_before_the_body_is_read(world, who):
    response = post(client_for(world[who]), b"junk")
    assert response.status_code == 403


def test_anonymous_gets_a_401():
    assert post(Client(), body()).status_code == 401


def test_a_session_works_too(world):
    response = post(signed_in(world["admin"]), body())
    assert response.status_code == 201


# --- reading and reviewing ------------------------------------------------------------------------


def test_the_sro_never_sees_a_sensitive_signal(world, northside):
    DistrictTriageSettings.objects.create(
        district=northside.district, sensitive_categories=["self_harm"]
    )
    sensitive = send(world["principal"], HIGH).signal
    plain = send(world["principal"], "he said he'd shoot everyone at school").signal
    sro = client_for(world["sro"])
    assert sro.get(f"/api/v1/signals/{sensitive.pk}").status_code == 404
    assert sro.get(f"/api/v1/signals/{plain.pk}").status_code == 200
    assert [s["id"] for s in sro.get("/api/v1/signals").json()] == [plain.pk]
    counselor = client_for(world["counselor"])
    detail = counselor.get(f"/api/v1/signals/{sensitive.pk}").json()
    assert detail["sensitive"] is True and detail["text"] == HIGH


def test_listing_filters(world):
    send(world["principal"], HIGH)
    send(world["principal"], ROUTINE, source="Beacon")
    counselor = client_for(world["counselor"])
    assert len(counselor.get("/api/v1/signals").json()) == 2
    assert [s["urgency"] for s in counselor.get("/api/v1/signals?urgency=routine").json()] == [
        "routine"
    ]
    assert len(counselor.get("/api/v1/signals?source=Beacon").json()) == 1
    assert counselor.get("/api/v1/signals?status=bogus").status_code == 422
    assert client_for(world["outsider"]).get("/api/v1/signals").json() == []


def test_review_through_the_api(world):
    signal = send(world["principal"], HIGH).signal
    counselor = client_for(world["counselor"])
    url = f"/api/v1/signals/{signal.pk}/review"
    missing = post(counselor, {"verdict": "dismiss"}, url)
    assert missing.status_code == 422
    assert {e["field"] for e in missing.json()["errors"]} == {"reason"}
    done = post(counselor, {"verdict": "dismiss", "reason": "quote", "note": "From a novel."}, url)
    assert done.status_code == 200
    assert done.json()["status"] == "dismissed" and done.json()["dismiss_reason"] == "quote"
    assert post(counselor, {"verdict": "confirm"}, url).status_code == 422
    assert post(client_for(world["sro"]), {"verdict": "confirm"}, url).status_code == 403
    assert post(client_for(world["outsider"]), {"verdict": "confirm"}, url).status_code == 404


def test_confirm_and_open_a_case_through_the_api(world):
    signal = send(world["principal"], IMMINENT).signal
    response = post(
        client_for(world["counselor"]),
        {"verdict": "confirm", "open_case": True, "case_type": "both"},
        f"/api/v1/signals/{signal.pk}/review",
    )
    assert response.status_code == 200
    assert response.json()["case_id"]


# --- classify -------------------------------------------------------------------------------------


def test_classify_gives_the_classifiers_json(world):
    response = post(client_for(world["counselor"]), {"text": IMMINENT}, "/api/v1/triage/classify")
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"categories", "urgency", "evidence", "truncated", "reported"}
    assert data["urgency"] == "imminent"
    scores = {c["name"]: c["score"] for c in data["categories"]}
    assert scores["self_harm"] >= 0.5 and scores["weapon"] >= 0.5 and scores["substance"] < 0.5
    assert any("gun" in IMMINENT[e["start"] : e["end"]] for e in data["evidence"])


def test_classify_is_audited_without_the_text(world):
    post(client_for(world["sro"]), {"text": IMMINENT}, "/api/v1/triage/classify")
    event = AuditEvent.objects.get(object_type="triage.classifier")
    assert event.actor == world["sro"]
    assert event.detail == {"chars": len(IMMINENT), "urgency": "imminent", "truncated": False}


def test_classify_bad_input(world):
    client = client_for(world["principal"])
    assert post(client, {"text": ""}, "/api/v1/triage/classify").status_code == 422
    assert post(client, {"text": " "}, "/api/v1/triage/classify").status_code == 422
    assert post(client, {}, "/api/v1/triage/classify").status_code == 422
    assert post(client, b"\xff\x00", "/api/v1/triage/classify").status_code == 400
    long = post(client, {"text": "hola " * 300_000}, "/api/v1/triage/classify")
    assert long.status_code == 200 and long.json()["truncated"] is True


@pytest.mark.parametrize(("who", "status"), [("coordinator", 403), ("auditor", 403)])
def test_classify_is_for_staff_who_read_tips_or_cases(world, who, status):
    response = post(client_for(world[who]), {"text": "hi"}, "/api/v1/triage/classify")
    assert response.status_code == status


def test_openapi_documents_the_bodies(client):
    spec = client.get("/api/v1/openapi.json").json()
    schema = spec["paths"]["/api/v1/signals"]["post"]["requestBody"]["content"]
    assert "observed_at" in schema["application/json"]["schema"]["properties"]
    assert "/api/v1/triage/classify" in spec["paths"]
