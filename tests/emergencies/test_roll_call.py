"""Roll call: a teacher reports their class (API and page), corrects it, adds a student from
another class, asks for help; bad reports are refused whole, with the field named."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from haven.audit.models import AuditEvent
from haven.core.models import Section, Student
from haven.emergencies.alerts import services
from haven.emergencies.models import IncidentEvent, RollCall, RollCallEntry
from haven.emergencies.roll_call import services as roll_call
from haven.notify.models import Notification
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def zoe(northside):
    """A Northside student in no class of the teacher's."""
    return Student.objects.create(
        school=northside, given_name="Zoe", family_name="Park", grade="10", sourced_id="stu-zoe"
    )


def url(incident) -> str:
    return f"/api/v1/incidents/{incident.pk}/roll-call"


def post(user, incident, body):
    return signed_in(user).post(url(incident), json.dumps(body), content_type="application/json")


def fields(response) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


# --- through the API ------------------------------------------------------------------------------


def test_teacher_reports_the_class_and_it_goes_on_the_timeline(teacher, roster, lockdown):
    body = {
        "section": roster["english"].pk,
        "statuses": [
            {"student": roster["maya"].pk, "status": "present"},
            {"student": roster["eli"].pk, "status": "missing"},
        ],
    }
    response = post(teacher, lockdown, body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["section_title"] == "English 10"
    assert data["counts"] == {"present": 1, "missing": 1, "injured": 0, "extra": 0}
    assert data["corrected"] is False and data["reporter_status"] == "safe"
    rc = RollCall.objects.get(incident=lockdown)
    assert rc.reported_by == teacher
    assert dict(rc.entries.values_list("student__given_name", "status")) == {
        "Maya": "present",
        "Eli": "missing",
    }
    event = lockdown.events.get(kind=IncidentEvent.Kind.ROLL_CALL)
    assert event.actor == teacher and event.data["section_title"] == "English 10"
    assert AuditEvent.objects.filter(action="emergency.roll_call", actor=teacher).count() == 1


def test_sending_again_corrects_the_roll_call(teacher, roster, lockdown):
    english, maya, eli = roster["english"], roster["maya"], roster["eli"]
    first = {"section": english.pk, "statuses": [{"student": eli.pk, "status": "missing"}]}
    assert post(teacher, lockdown, first).status_code == 201
    second = {
        "section": english.pk,
        "statuses": [
            {"student": maya.pk, "status": "present"},
            {"student": eli.pk, "status": "present"},
        ],
    }
    response = post(teacher, lockdown, second)
    assert response.status_code == 200 and response.json()["corrected"] is True
    assert RollCall.objects.count() == 1
    assert set(RollCallEntry.objects.values_list("status", flat=True)) == {"present"}
    assert RollCallEntry.objects.count() == 2


def test_roster_sourced_ids_are_accepted(teacher, roster, lockdown):
    body = {
        "section": "sec-eng",
        "statuses": [
            {"student": "stu-maya", "status": "present"},
            {"student": str(roster["eli"].pk), "status": "present"},
        ],
    }
    response = post(teacher, lockdown, body)
    assert response.status_code == 201, response.content
    assert response.json()["counts"]["present"] == 2


def test_a_student_from_another_class_is_added_as_extra(teacher, roster, lockdown, zoe):
    body = {
        "section": roster["english"].pk,
        "statuses": [{"student": zoe.pk, "status": "extra"}],
    }
    assert post(teacher, lockdown, body).status_code == 201
    assert RollCallEntry.objects.get().student == zoe


def test_a_student_not_in_the_class_must_be_marked_extra(teacher, roster, lockdown, zoe):
    body = {
        "section": roster["english"].pk,
        "statuses": [
            {"student": roster["maya"].pk, "status": "present"},
            {"student": zoe.pk, "status": "present"},
        ],
    }
    response = post(teacher, lockdown, body)
    assert response.status_code == 422
    assert "Zoe Park is not in English 10" in fields(response)["statuses[1].student"]
    assert not RollCall.objects.exists() and not RollCallEntry.objects.exists()


def test_bad_reports_name_every_field_and_write_nothing(teacher, roster, lockdown):
    maya = roster["maya"]
    body = {
        "section": roster["english"].pk,
        "statuses": [
            {"student": maya.pk, "status": "asleep"},
            {"student": maya.pk, "status": "present"},
            {"student": 999999, "status": "present"},
            {"student": roster["sam"].pk, "status": "extra"},  # another school's student
            {"student": roster["eli"].pk, "status": "extra"},  # in the class
        ],
        "reporter_status": "fine",
    }
    response = post(teacher, lockdown, body)
    assert response.status_code == 422
    errors = fields(response)
    assert "Unknown status “asleep”" in errors["statuses[0].status"]
    assert "listed twice" in errors["statuses[1].student"]
    assert "No student 999999" in errors["statuses[2].student"]
    assert "No student" in errors["statuses[3].student"]
    assert "mark them present" in errors["statuses[4].status"]
    assert "safe, need_help" in errors["reporter_status"]
    assert not RollCall.objects.exists()
    assert not lockdown.events.filter(kind=IncidentEvent.Kind.ROLL_CALL).exists()


def test_unknown_section_and_malformed_body(teacher, roster, lockdown):
    response = post(teacher, lockdown, {"section": 424242, "statuses": []})
    assert response.status_code == 422
    assert "No class" in fields(response)["section"]
    response = post(teacher, lockdown, {"statuses": [{"student": 1}]})
    assert response.status_code == 422
    assert {"section", "statuses.0.status"} <= set(fields(response))
    response = signed_in(teacher).post(url(lockdown), "{", content_type="application/json")
    assert response.status_code == 422


def test_a_class_that_is_not_yours_is_refused_clearly(frontdesk, roster, lockdown):
    body = {"section": roster["english"].pk, "statuses": []}
    response = post(frontdesk, lockdown, body)
    assert response.status_code == 403
    assert "You do not teach English 10" in response.json()["detail"]
    assert not RollCall.objects.exists()


def test_incident_command_may_report_any_class_of_the_school(principal, roster, lockdown):
    body = {
        "section": roster["english"].pk,
        "statuses": [{"student": roster["maya"].pk, "status": "present"}],
    }
    assert post(principal, lockdown, body).status_code == 201


def test_another_schools_class_is_not_found_and_another_schools_incident_is_a_404(
    principal, outsider, roster, lockdown
):
    response = post(principal, lockdown, {"section": roster["science"].pk, "statuses": []})
    assert response.status_code == 422 and "section" in fields(response)
    response = post(outsider, lockdown, {"section": roster["science"].pk, "statuses": []})
    assert response.status_code == 404


def test_no_roll_call_after_the_all_clear(teacher, principal, roster, lockdown):
    services.declare_all_clear(principal, lockdown)
    body = {
        "section": roster["english"].pk,
        "statuses": [{"student": roster["maya"].pk, "status": "present"}],
    }
    response = post(teacher, lockdown, body)
    assert response.status_code == 422
    assert "all clear" in fields(response)["incident"]
    assert not RollCall.objects.exists()


def test_need_help_alerts_incident_command_at_once_and_only_once(
    teacher, principal, sro, counselor, roster, lockdown, django_capture_on_commit_callbacks
):
    body = {
        "section": roster["english"].pk,
        "statuses": [{"student": roster["maya"].pk, "status": "present"}],
        "reporter_status": "need_help",
        "note": "Door will not lock",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert post(teacher, lockdown, body).status_code == 201
    alerted = Notification.objects.filter(kind="emergency.need_help")
    assert {n.user for n in alerted} >= {principal, sro}
    assert counselor not in {n.user for n in alerted}
    assert all(n.urgent for n in alerted)
    assert "English 10" in alerted.first().title
    assert lockdown.events.filter(kind=IncidentEvent.Kind.NEED_HELP).count() == 1
    count = alerted.count()
    assert post(teacher, lockdown, body).status_code == 200  # still needs help: no second alarm
    assert Notification.objects.filter(kind="emergency.need_help").count() == count


def test_an_injury_note_is_encrypted_at_rest(teacher, roster, lockdown):
    body = {
        "section": roster["english"].pk,
        "statuses": [{"student": roster["maya"].pk, "status": "injured", "note": "Cut on arm"}],
    }
    assert post(teacher, lockdown, body).status_code == 201
    assert RollCallEntry.objects.get().note == "Cut on arm"
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(RollCallEntry._meta.db_table)
        cursor.execute(f"SELECT note FROM {table}")  # noqa: S608 - the model's own table name
        (raw,) = cursor.fetchone()
    assert "Cut on arm" not in str(raw)


def test_sections_for_a_teacher_are_their_own(teacher, principal, roster, lockdown, northside):
    Section.objects.create(school=northside, title="Chemistry")
    assert [s.title for s in roll_call.sections_for(teacher, lockdown)] == ["English 10"]
    assert {s.title for s in roll_call.sections_for(principal, lockdown)} == {
        "English 10",
        "Chemistry",
    }


# --- the page -------------------------------------------------------------------------------------


def page(incident, section) -> str:
    return f"/emergencies/{incident.pk}/roll-call/{section.pk}/"


def test_the_incident_page_offers_the_roll_call(teacher, roster, lockdown):
    html = signed_in(teacher).get(f"/emergencies/{lockdown.pk}/").content.decode()
    assert 'data-testid="take-roll-call"' in html
    response = signed_in(teacher).get(f"/emergencies/{lockdown.pk}/roll-call/")
    assert response.status_code == 302 and response["Location"] == page(lockdown, roster["english"])


def test_the_page_lists_the_class_with_one_tap_choices(teacher, roster, lockdown):
    html = signed_in(teacher).get(page(lockdown, roster["english"])).content.decode()
    assert "Roll call: English 10" in html
    maya = roster["maya"].pk
    for status in ("present", "missing", "injured"):
        assert f'name="status-{maya}" value="{status}"' in html
    assert f'<label for="note-{maya}">' in html
    assert 'name="reporter_status" value="need_help"' in html


def test_submitting_the_page_saves_and_returns_to_the_list(teacher, roster, lockdown):
    maya, eli = roster["maya"].pk, roster["eli"].pk
    client = signed_in(teacher)
    response = client.post(
        page(lockdown, roster["english"]),
        {
            "action": "save",
            "reporter_status": "safe",
            f"status-{maya}": "injured",
            f"note-{maya}": "Sprained ankle",
            f"status-{eli}": "present",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/emergencies/{lockdown.pk}/roll-call/"
    entries = dict(RollCallEntry.objects.values_list("student_id", "status"))
    assert entries == {maya: "injured", eli: "present"}
    listing = client.get(response["Location"]).content.decode()
    assert "Reported at" in listing
    # Opening the class again shows what was sent, ready to correct.
    html = client.get(page(lockdown, roster["english"])).content.decode()
    assert f'name="status-{maya}" value="injured" checked' in html
    assert 'value="Sprained ankle"' in html


def test_mark_the_rest_present_keeps_what_was_marked(teacher, roster, lockdown):
    maya, eli = roster["maya"].pk, roster["eli"].pk
    html = (
        signed_in(teacher)
        .post(
            page(lockdown, roster["english"]), {"action": "all_present", f"status-{eli}": "missing"}
        )
        .content.decode()
    )
    assert f'name="status-{maya}" value="present" checked' in html
    assert f'name="status-{eli}" value="missing" checked' in html
    assert not RollCall.objects.exists()


def test_search_adds_a_student_who_is_with_me(teacher, roster, lockdown, zoe):
    client = signed_in(teacher)
    html = client.post(
        page(lockdown, roster["english"]), {"action": "search", "q": "park"}
    ).content.decode()
    assert "Zoe Park" in html and f'name="extra" value="{zoe.pk}"' in html
    assert "Sam Reyes" not in html  # another school's student
    response = client.post(
        page(lockdown, roster["english"]),
        {"action": "save", "extra": [str(zoe.pk)], f"status-{zoe.pk}": "extra"},
    )
    assert response.status_code == 302
    assert RollCallEntry.objects.get().student == zoe


def test_page_errors_are_shown_next_to_the_student(teacher, roster, lockdown):
    maya = roster["maya"].pk
    response = signed_in(teacher).post(
        page(lockdown, roster["english"]),
        {"action": "save", f"status-{maya}": "injured", f"note-{maya}": "x" * 600},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "At most 500 characters." in html
    assert not RollCall.objects.exists()


def test_a_class_that_is_not_yours_is_a_403_on_the_page(frontdesk, roster, lockdown):
    response = signed_in(frontdesk).get(page(lockdown, roster["english"]))
    assert response.status_code == 403
