"""Notes in compartments: 404 for a compartment one may not read whether or not it has notes,
refusal to write where one may not, summaries published to the team record, encryption at rest,
audited reads, and a timeline that shows each compartment only to those who may read it."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from haven.access import policy
from haven.access.models import Compartment
from haven.audit.models import AuditEvent
from haven.cases import services
from haven.cases.models import Note
from tests.cases.conftest import REASON, SECRET


def test_a_compartment_one_may_not_read_is_404_whether_or_not_it_has_notes(
    case, people, api, roster, northside
):
    from tests.cases.conftest import open_case

    empty = open_case(people, northside, roster["eli"])
    services.add_note(people["counselor"], case, "clinical", SECRET["clinical"])
    principal = api(people["principal"])
    with_notes = principal.get(f"/cases/{case.pk}/notes", compartment="clinical")
    without = principal.get(f"/cases/{empty.pk}/notes", compartment="clinical")
    missing = principal.get("/cases/999999/notes", compartment="clinical")
    assert with_notes.status_code == without.status_code == missing.status_code == 404
    assert with_notes.json() == without.json() == missing.json()


@pytest.mark.parametrize(
    ("person", "part", "status"),
    [
        ("sro", "clinical", 404),
        ("counselor", "law_enforcement", 404),
        ("principal", "clinical", 404),
        ("admin", "law_enforcement", 404),
        ("counselor", "clinical", 201),
        ("sro", "law_enforcement", 201),
        ("team_member", "team", 201),
    ],
)
def test_writing_where_one_may_not_is_refused_and_nothing_is_stored(
    case, people, api, person, part, status
):
    response = api(people[person]).post(
        f"/cases/{case.pk}/notes?compartment={part}", {"text": "A note."}
    )
    assert response.status_code == status
    assert Note.objects.filter(compartment=part).exists() is (status == 201)


def test_an_empty_note_is_a_422_naming_the_text(case, people, api):
    response = api(people["counselor"]).post(
        f"/cases/{case.pk}/notes?compartment=clinical", {"text": ""}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "text"


def test_notes_are_encrypted_at_rest(case, filled):
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM cases_note")
        raw = [row[0] for row in cursor.fetchall()]
    assert len(raw) == 3
    for value in raw:
        assert value.startswith("enc1:")
        assert not any(secret in value for secret in SECRET.values())


def test_reads_of_a_compartment_are_audited_without_content(case, filled, people, api):
    before = AuditEvent.objects.count()
    api(people["counselor"]).get(f"/cases/{case.pk}/notes", compartment="clinical")
    event = AuditEvent.objects.order_by("seq").last()
    assert AuditEvent.objects.count() == before + 1
    assert (event.action, event.compartment, event.actor) == (
        "view",
        "clinical",
        people["counselor"],
    )
    assert (event.object_type, event.object_id) == ("cases.case", str(case.pk))
    assert SECRET["clinical"] not in json.dumps(event.detail)


def test_reading_a_case_is_audited(case, people, api):
    api(people["principal"]).get(f"/cases/{case.pk}")
    event = AuditEvent.objects.order_by("seq").last()
    assert (event.action, event.object_type, event.compartment) == ("view", "cases.case", "team")


def test_writes_are_audited_with_their_compartment(case, people):
    note = services.add_note(people["sro"], case, "law_enforcement", SECRET["law_enforcement"])
    event = AuditEvent.objects.get(object_type="cases.note", object_id=str(note.pk))
    assert (event.action, event.compartment, event.school_id) == (
        "create",
        "law_enforcement",
        case.school_id,
    )
    assert SECRET["law_enforcement"] not in json.dumps(event.detail)


def test_the_owner_publishes_a_summary_to_the_team_record(case, filled, people, api):
    counselor = api(people["counselor"])
    clinical = filled[Compartment.CLINICAL]
    response = counselor.post(
        f"/cases/{case.pk}/notes/{clinical.pk}/summary", {"text": "Engaged with counselling."}
    )
    assert response.status_code == 201
    assert response.json()["source_note"] == clinical.pk
    team = api(people["principal"]).get(f"/cases/{case.pk}/notes", compartment="team").json()
    summaries = [n for n in team if n["kind"] == "summary"]
    assert [s["text"] for s in summaries] == ["Engaged with counselling."]
    assert SECRET["clinical"] not in json.dumps(team)


def test_a_break_glass_reader_cannot_publish(case, filled, people, api):
    services.break_glass(people["sro"], case, "clinical", REASON)
    note = filled[Compartment.CLINICAL]
    response = api(people["sro"]).post(
        f"/cases/{case.pk}/notes/{note.pk}/summary", {"text": "From the SRO."}
    )
    assert response.status_code == 403


def test_the_timeline_shows_each_compartment_only_to_its_readers(case, filled, people, api):
    def kinds(person):
        events = api(people[person]).get(f"/cases/{case.pk}/timeline").json()
        return {e["compartment"] for e in events}

    assert kinds("principal") == {"team"}
    assert kinds("counselor") == {"team", "clinical"}
    assert kinds("sro") == {"team", "law_enforcement"}


def test_the_policy_scopes_notes_by_compartment(case, filled, people):
    def visible(person):
        return set(policy.visible_to(people[person], Note).values_list("compartment", flat=True))

    assert visible("principal") == {"team"}
    assert visible("counselor") == {"team", "clinical"}
    assert visible("outsider") == set()
    services.break_glass(people["principal"], case, "law_enforcement", REASON)
    assert visible("principal") == {"team", "law_enforcement"}


def test_a_safety_team_member_sees_only_the_cases_they_are_on(case, people, team_member_off, api):
    assert api(team_member_off).get(f"/cases/{case.pk}").status_code == 404
    services.set_team(
        people["principal"], case, [people["principal"], people["counselor"], team_member_off]
    )
    assert api(team_member_off).get(f"/cases/{case.pk}").status_code == 200
    assert api(people["team_member"]).get(f"/cases/{case.pk}").status_code == 404


def test_the_team_takes_only_people_the_school_allows(case, people, api):
    response = api(people["principal"]).post(
        f"/cases/{case.pk}/team", {"members": ["principal", "teacher", "outsider"]}
    )
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "team"
    assert "outsider" in error["message"] and "teacher" in error["message"]


def test_team_chat_stays_in_the_team_record(case, people, api):
    sent = api(people["team_member"]).post(f"/cases/{case.pk}/messages", {"text": "Meet at 8?"})
    assert sent.status_code == 201
    seen = api(people["sro"]).get(f"/cases/{case.pk}/messages").json()
    assert [m["text"] for m in seen] == ["Meet at 8?"]
    assert api(people["teacher"]).get(f"/cases/{case.pk}/messages").status_code == 404
