"""The generated permission matrix: every case endpoint x every person x every compartment.

The expected answer of each call is computed from the policy's expectations below (docs/access.md,
"Who may do what"), never written down call by call. Every response is also checked for leaks: the
content of a compartment the person may not read never appears in it, whatever the status.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from haven.access.models import Compartment
from haven.cases import services
from tests.cases.conftest import REASON, SECRET, Api

TEAM, CLINICAL, LAW = "team", "clinical", "law_enforcement"
PARTS = (TEAM, CLINICAL, LAW)

# --- the expectations -----------------------------------------------------------------------------

#: The compartments of a Northside case each person reads. Everyone else reads nothing.
SEES: dict[str, set[str]] = {
    "principal": {TEAM},  # school_admin: the team record
    "counselor": {TEAM, CLINICAL},  # + the clinical record
    "sro": {TEAM, LAW},  # + the law-enforcement record
    "admin": {TEAM},  # district_admin: never clinical or law enforcement
    "team_member": {TEAM},  # safety_team, on this case's team
    "principal_glass": {TEAM, CLINICAL},  # the principal after breaking glass into clinical
}
#: Compartments a person writes in besides the team record: only a compartment's owners.
OWNS: dict[str, set[str]] = {"counselor": {CLINICAL}, "sro": {LAW}}
#: The school's threat-assessment roles: open and manage cases, handle referrals, break glass.
CASE_WIDE = {"principal", "counselor", "sro", "admin", "principal_glass"}
#: Everyone holding a role at Northside or district-wide (Northside is one of their schools).
AT_NORTHSIDE = CASE_WIDE | {
    "teacher",
    "frontdesk",
    "coordinator",
    "team_member",
    "team_member_off",
    "auditor",
}
#: Every staff member at Northside may refer (the auditor is not staff).
REFERS = AT_NORTHSIDE - {"auditor"}
PEOPLE = [
    "principal",
    "counselor",
    "sro",
    "teacher",
    "frontdesk",
    "coordinator",
    "team_member",
    "team_member_off",
    "outsider",
    "principal2",
    "admin",
    "auditor",
    "nobody",
    "principal_glass",
]


def sees(person: str, part: str = TEAM) -> bool:
    return part in SEES.get(person, set())


def writes(person: str, part: str) -> bool:
    return sees(person, part) and (part == TEAM or part in OWNS.get(person, set()))


# The expected status of each kind of call, computed from the tables above.


def read_case(person: str, part: str, ok: int = 200) -> int:
    return ok if sees(person) else 404


def read_part(person: str, part: str) -> int:
    return 200 if sees(person, part) else 404


def write_part(person: str, part: str, ok: int = 201) -> int:
    if writes(person, part):
        return ok
    return 403 if sees(person, part) else 404


def publish(person: str, part: str) -> int:
    return write_part(person, part)  # only the owner of the note's compartment publishes


def manage(person: str, part: str) -> int:
    if not sees(person):
        return 404
    return 200 if person in CASE_WIDE else 403


def break_glass(person: str, part: str) -> int:
    if not sees(person):
        return 404
    if part == TEAM or part in OWNS.get(person, set()) or person not in CASE_WIDE:
        return 403
    return 201


def open_case(person: str, part: str) -> int:
    if person not in AT_NORTHSIDE:
        return 422  # Northside is not one of their schools: "school: no such school"
    return 201 if person in CASE_WIDE else 403


def refer(person: str, part: str) -> int:
    if person not in AT_NORTHSIDE:
        return 422
    return 201 if person in REFERS else 403


def dismiss(person: str, part: str) -> int:
    if person in CASE_WIDE:
        return 200
    return 403 if person == "teacher" else 404  # the referrer follows their own referral


def always(person: str, part: str) -> int:
    return 200


# --- the endpoints --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: Callable[[dict[str, Any], str], str]
    expect: Callable[[str, str], int]
    body: Callable[[dict[str, Any], str], Any] = lambda w, p: None
    parts: tuple[str, ...] = (TEAM,)


def _c(w: dict[str, Any], key: str = "case") -> int:
    return w[key].pk


def _a(w: dict[str, Any]) -> str:
    return f"/cases/{_c(w)}/assessments/{w['assessment'].pk}"


ENDPOINTS: dict[str, Endpoint] = {
    "cases": Endpoint("get", lambda w, p: "/cases", always),
    "case_create": Endpoint(
        "post",
        lambda w, p: "/cases",
        open_case,
        lambda w, p: {"school": "northside-high", "student": w["maya"].pk, "type": "threat"},
    ),
    "case": Endpoint("get", lambda w, p: f"/cases/{_c(w)}", read_case),
    "case_team": Endpoint(
        "post",
        lambda w, p: f"/cases/{_c(w)}/team",
        manage,
        lambda w, p: {"members": ["principal", "counselor", "sro", "team_member"]},
    ),
    "case_close": Endpoint(
        "post",
        lambda w, p: f"/cases/{_c(w, 'plain_case')}/close",
        manage,
        lambda w, p: {"criteria": list(services.CLOSURE_CRITERIA), "summary": "Resolved."},
    ),
    "case_reopen": Endpoint(
        "post",
        lambda w, p: f"/cases/{_c(w, 'closed_case')}/reopen",
        manage,
        lambda w, p: {"reason": "A new concern came in."},
    ),
    "case_timeline": Endpoint("get", lambda w, p: f"/cases/{_c(w)}/timeline", read_case),
    "case_notes": Endpoint(
        "get", lambda w, p: f"/cases/{_c(w)}/notes?compartment={p}", read_part, parts=PARTS
    ),
    "case_note_create": Endpoint(
        "post",
        lambda w, p: f"/cases/{_c(w)}/notes?compartment={p}",
        write_part,
        lambda w, p: {"text": "A new note."},
        PARTS,
    ),
    "case_note_publish": Endpoint(
        "post",
        lambda w, p: f"/cases/{_c(w)}/notes/{w['notes'][p].pk}/summary",
        publish,
        lambda w, p: {"text": "Summary for the team."},
        (CLINICAL, LAW),
    ),
    "case_break_glass": Endpoint(
        "post",
        lambda w, p: f"/cases/{_c(w)}/break-glass",
        break_glass,
        lambda w, p: {"compartment": p, "reason": REASON},
        PARTS,
    ),
    "case_screenings": Endpoint("get", lambda w, p: f"/cases/{_c(w)}/screenings", read_case),
    "case_screening_create": Endpoint(
        "post",
        lambda w, p: f"/cases/{_c(w)}/screenings",
        lambda person, part: write_part(person, CLINICAL),
        lambda w, p: {"answers": {"q1": True, "q2": False, "q6": False}},
    ),
    "case_pathway": Endpoint("get", lambda w, p: f"/cases/{_c(w)}/pathway", read_case),
    "case_pathway_create": Endpoint(
        "post",
        lambda w, p: f"/cases/{_c(w)}/pathway",
        lambda person, part: read_case(person, part, 201),
        lambda w, p: {"stage": "grievance", "observed_on": "2020-01-02", "source": "staff"},
    ),
    "case_assessments": Endpoint("get", lambda w, p: f"/cases/{_c(w)}/assessments", read_case),
    "case_assessment_create": Endpoint(
        "post",
        lambda w, p: f"/cases/{_c(w)}/assessments",
        lambda person, part: read_case(person, part, 201),
        lambda w, p: {"model": "ntac"},
    ),
    "case_step_update": Endpoint(
        "post",
        lambda w, p: f"{_a(w)}/steps/evaluate",
        read_case,
        lambda w, p: {"answers": {"witness_account": "Two friends heard it."}},
    ),
    "case_step_close": Endpoint("post", lambda w, p: f"{_a(w)}/steps/evaluate/close", read_case),
    "case_action": Endpoint(
        "post",
        lambda w, p: f"/cases/{_c(w)}/actions/{w['action'].pk}",
        read_case,
        lambda w, p: {"status": "done"},
    ),
    "case_plan": Endpoint("get", lambda w, p: f"/cases/{_c(w)}/plan", read_case),
    "case_plan_item": Endpoint(
        "post",
        lambda w, p: f"/cases/{_c(w)}/plan/items",
        lambda person, part: read_case(person, part, 201),
        lambda w, p: {
            "kind": "supervision",
            "description": "Escort between classes",
            "owner": "sro",
            "due_on": "2099-01-01",
        },
    ),
    "case_plan_item_status": Endpoint(
        "post",
        lambda w, p: f"/cases/{_c(w)}/plan/items/{w['plan_item'].pk}",
        read_case,
        lambda w, p: {"status": "done"},
    ),
    "case_review": Endpoint(
        "post",
        lambda w, p: f"/cases/{_c(w)}/reviews",
        lambda person, part: read_case(person, part, 201),
        lambda w, p: {"due_on": "2099-01-01"},
    ),
    "case_review_record": Endpoint(
        "post",
        lambda w, p: f"/cases/{_c(w)}/reviews/{w['review'].pk}",
        read_case,
        lambda w, p: {"outcome": "Doing well."},
    ),
    "case_messages": Endpoint("get", lambda w, p: f"/cases/{_c(w)}/messages", read_case),
    "case_message_create": Endpoint(
        "post",
        lambda w, p: f"/cases/{_c(w)}/messages",
        lambda person, part: read_case(person, part, 201),
        lambda w, p: {"text": "Meeting at 8?"},
    ),
    "case_referrals": Endpoint("get", lambda w, p: "/cases/referrals", always),
    "case_referral_create": Endpoint(
        "post",
        lambda w, p: "/cases/referrals",
        refer,
        lambda w, p: {"school": "northside-high", "unknown_person": "A boy", "concern": "Worried."},
    ),
    "case_referral_dismiss": Endpoint(
        "post",
        lambda w, p: f"/cases/referrals/{w['referral'].pk}/dismiss",
        dismiss,
        lambda w, p: {"reason": "Handled by the teacher and parents."},
    ),
}

CALLS = [
    (name, person, part)
    for name, endpoint in sorted(ENDPOINTS.items())
    for person in PEOPLE
    for part in endpoint.parts
]


def _call(world: dict[str, Any], name: str, person: str, part: str):  # type: ignore[no-untyped-def]
    endpoint = ENDPOINTS[name]
    if person == "principal_glass":
        services.break_glass(world["principal"], world["case"], Compartment.CLINICAL, REASON)
    client = Api(world[person])
    path = endpoint.path(world, part)
    if endpoint.method == "get":
        return client.get(path)
    return client.post(path, endpoint.body(world, part), method=endpoint.method)


@pytest.mark.parametrize(("name", "person", "part"), CALLS)
def test_matrix(world, name, person, part):
    response = _call(world, name, person, part)
    expected = ENDPOINTS[name].expect(person, part)
    assert response.status_code == expected, response.content
    body = response.content.decode()
    for compartment, secret in SECRET.items():
        if not sees(person, compartment):
            assert secret not in body, f"{person} was shown the {compartment} record"
    if expected >= 400:
        assert "detail" in response.json()


@pytest.mark.parametrize("person", PEOPLE)
def test_case_list_shows_the_case_exactly_to_those_who_see_it(world, person):
    if person == "principal_glass":
        return
    rows = Api(world[person]).get("/cases").json()
    assert (world["case"].pk in {row["id"] for row in rows}) is sees(person)


@pytest.mark.parametrize("person", PEOPLE)
def test_notes_read_are_only_of_the_compartment_asked(world, person):
    for part in PARTS:
        response = _call(world, "case_notes", person, part)
        if response.status_code == 200:
            notes = response.json()
            assert {n["compartment"] for n in notes} == {part}
            assert SECRET[Compartment(part)] in {n["text"] for n in notes}


@pytest.mark.parametrize(("name", "part"), sorted({(n, p) for n, _, p in CALLS}))
def test_anonymous_gets_401(world, client, name, part):
    endpoint = ENDPOINTS[name]
    path = "/api/v1" + endpoint.path(world, part)
    response = getattr(client, endpoint.method)(path, content_type="application/json")
    assert response.status_code == 401
    assert "detail" in response.json()


def _api_names(patterns: list[Any], namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            prefix = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _api_names(pattern.url_patterns, prefix)
        elif isinstance(pattern, URLPattern) and "cases" in str(pattern.pattern):
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_case_endpoint_is_in_the_matrix():
    routes = {n.removeprefix("api:") for n in _api_names(get_resolver().url_patterns)}
    routes = {n for n in routes if n.startswith("case")}
    assert routes == set(ENDPOINTS), "add the new case endpoints to ENDPOINTS"
