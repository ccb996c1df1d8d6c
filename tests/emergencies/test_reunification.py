"""Reunification (Standard Reunification Method): an adult checks in with their ID, the roster and
the screening decide, a runner fetches the student, the release or the refusal is recorded — by
the pages and by the API's contract."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haven.audit.models import AuditEvent
from haven.core.models import Guardian, GuardianLink, Student
from haven.emergencies.models import IncidentEvent, Release, ReunificationRequest
from haven.emergencies.reunification import pickup
from haven.emergencies.reunification import services as reunification
from haven.notify.models import Notification
from haven.screening.models import Screening
from haven.visitors.models import WatchlistEntry
from tests.conftest import signed_in
from tests.emergencies.world import incident as world_incident
from tests.visitors.test_aamva_properties import build

pytestmark = pytest.mark.django_db

Decision = ReunificationRequest.Decision
Status = ReunificationRequest.Status


def licence(first: str, last: str, born: str = "07151980", middle: str = "", number="L1234567"):
    """A Virginia licence's barcode text as a keyboard-wedge scanner types it (AAMVA v8)."""
    elements = [
        f"DAQ{number}",
        f"DCS{last}",
        "DDEN",
        f"DAC{first}",
        "DDFN",
        f"DAD{middle}",
        "DDGN",
        "DCAD",
        "DCBNONE",
        "DCDNONE",
        "DBD06062019",
        f"DBB{born}",
        "DBA12102030",
        "DBC2",
        "DAU065 IN",
        "DAYBRO",
        "DAG1 MAIN ST",
        "DAIRICHMOND",
        "DAJVA",
        "DAK232690000  ",
        "DCGUSA",
    ]
    return build("636000", 8, "DL", elements, [])


def typed(first="Rosa", last="Lopez", born="1980-07-15", middle=""):
    return pickup.adult_typed(first, last, born, middle)


def post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def releases_url(incident) -> str:
    return f"/api/v1/incidents/{incident.pk}/releases"


# --- the decision rule ----------------------------------------------------------------------------


def test_authorised_guardian_is_released_after_the_runner(
    lockdown, roster, principal, teacher, frontdesk
):
    [request] = reunification.check_in(frontdesk, lockdown, typed(), [roster["maya"]])
    assert (request.decision, request.status) == (Decision.AUTHORISED, Status.WAITING)
    assert request.guardian == roster["mother"]

    reunification.send_runner(frontdesk, request, teacher)
    request.refresh_from_db()
    assert (request.status, request.runner) == (Status.RUNNER_SENT, teacher)
    fetch = Notification.objects.get(user=teacher, kind="reunification_runner")
    assert "Maya Lopez" in fetch.body

    release = reunification.release(frontdesk, request)
    assert not release.refused
    assert (release.adult_name, release.released_by, release.guardian) == (
        "Rosa Lopez",
        frontdesk,
        roster["mother"],
    )
    request.refresh_from_db()
    assert (request.status, request.release) == (Status.RELEASED, release)
    event = lockdown.events.get(kind=IncidentEvent.Kind.RELEASE)
    assert event.actor == frontdesk and event.data["release"] == release.pk
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"reunification.check_in", "reunification.runner", "reunification.release"} <= actions


def test_the_release_that_completes_accountability_puts_it_on_the_timeline(
    lockdown, roster, teacher, frontdesk
):
    from haven.emergencies.roll_call import services as roll_call

    roll_call.submit_roll_call(
        teacher,
        lockdown,
        roster["english"],
        [roll_call.Mark(roster["eli"].pk, "present"), roll_call.Mark(roster["maya"].pk, "missing")],
    )
    assert not lockdown.events.filter(kind=IncidentEvent.Kind.ACCOUNTED).exists()
    [request] = reunification.check_in(frontdesk, lockdown, typed(), [roster["maya"]])
    release = reunification.release(frontdesk, request)
    accounted = lockdown.events.get(kind=IncidentEvent.Kind.ACCOUNTED)
    assert accounted.at == release.released_at


def test_adult_not_on_the_list_is_refused_and_the_refusal_recorded(lockdown, roster, frontdesk):
    [request] = reunification.check_in(
        frontdesk, lockdown, typed("Dana", "Whitfield"), [roster["maya"]]
    )
    assert (request.decision, request.status) == (Decision.NOT_LISTED, Status.REFUSED)
    release = Release.objects.get()
    assert release.refused and release.adult_name == "Dana Whitfield"
    assert "not on the student's list" in release.reason
    assert not lockdown.events.filter(kind=IncidentEvent.Kind.RELEASE).exists()
    assert AuditEvent.objects.filter(action="reunification.refuse").count() == 1
    with pytest.raises(ValidationError) as err:
        reunification.release(frontdesk, request)
    assert "request" in err.value.message_dict


def test_custody_restricted_adult_is_refused_and_command_alerted_without_names(
    lockdown, roster, frontdesk, principal, sro, teacher
):
    # The roster says "Carl"; the ID says "CARL ANTHONY LÓPEZ".
    adult = typed("CARL", "LÓPEZ", middle="Anthony")
    [request] = reunification.check_in(frontdesk, lockdown, adult, [roster["maya"]])
    assert (request.decision, request.status) == (Decision.CUSTODY, Status.REFUSED)
    release = request.release
    assert release.refused and "custody restriction" in release.reason.lower()
    assert "Protective order" not in release.reason  # the note stays on the roster
    alerted = set(
        Notification.objects.filter(kind="reunification_alert", urgent=True).values_list(
            "user__username", flat=True
        )
    )
    assert {"principal", "sro"} <= alerted and "teacher" not in alerted
    note = Notification.objects.filter(kind="reunification_alert").first()
    assert "Maya" not in note.title + note.body and "Carl" not in note.title + note.body


def test_listed_adult_who_may_not_pick_up_is_refused(lockdown, roster, frontdesk):
    aunt = Guardian.objects.create(given_name="Inés", family_name="Lopez")
    GuardianLink.objects.create(
        student=roster["maya"], guardian=aunt, relationship="relative", can_pick_up=False
    )
    [request] = reunification.check_in(frontdesk, lockdown, typed("Ines"), [roster["maya"]])
    assert request.decision == Decision.NOT_ALLOWED and request.guardian == aunt
    assert not Notification.objects.filter(kind="reunification_alert").exists()


def test_already_released_student_names_to_whom_and_when(lockdown, roster, frontdesk, principal):
    [first] = reunification.check_in(frontdesk, lockdown, typed(), [roster["maya"]])
    reunification.release(frontdesk, first)
    [again] = reunification.check_in(principal, lockdown, typed(), [roster["maya"]])
    assert again.decision == Decision.ALREADY_RELEASED
    assert "Already released to Rosa Lopez" in again.release.reason
    assert Release.objects.filter(refused=False).count() == 1


def test_a_second_open_request_is_refused_at_release_when_the_first_won(
    lockdown, roster, frontdesk
):
    [one] = reunification.check_in(frontdesk, lockdown, typed(), [roster["maya"]])
    [two] = reunification.check_in(frontdesk, lockdown, typed(), [roster["maya"]])
    reunification.release(frontdesk, one)
    second = reunification.release(frontdesk, two)
    assert second.refused and "Already released" in second.reason
    two.refresh_from_db()
    assert (two.status, two.decision) == (Status.REFUSED, Decision.ALREADY_RELEASED)


def test_student_of_another_school_is_not_here(lockdown, roster):
    verdict = pickup.decide(lockdown, roster["sam"], typed())
    assert verdict.decision == Decision.NOT_HERE and verdict.refused


def test_watchlist_match_is_refused_and_alerted(lockdown, roster, frontdesk, district):
    WatchlistEntry.objects.create(
        district=district,
        kind=WatchlistEntry.Kind.BANNED,
        first_name="Rosa",
        last_name="Lopez",
        date_of_birth="1980-07-15",
        starts_on=dt.date(2020, 1, 1),
    )
    [request] = reunification.check_in(
        frontdesk,
        lockdown,
        adult := pickup.adult_from_barcode(licence("ROSA", "LOPEZ")),
        [roster["maya"]],
    )
    assert adult.source == "scan"
    assert (request.decision, request.screening_outcome) == (Decision.WATCHLIST, "match")
    assert request.status == Status.REFUSED
    assert Notification.objects.filter(kind="reunification_alert", urgent=True).exists()


def test_possible_match_is_held_for_an_administrator(lockdown, roster, frontdesk, principal):
    WatchlistEntry.objects.create(
        district=lockdown.district,
        kind=WatchlistEntry.Kind.ALERT,
        first_name="Rosa",
        last_name="Lopez",
        starts_on=dt.date(2020, 1, 1),
    )
    [request] = reunification.check_in(frontdesk, lockdown, typed(), [roster["maya"]])
    assert (request.decision, request.status) == (Decision.REVIEW, Status.HELD)
    with pytest.raises(PermissionDenied):
        reunification.release(frontdesk, request)
    assert not reunification.release(principal, request).refused


def test_teacher_may_not_check_adults_in(lockdown, roster, teacher):
    with pytest.raises(PermissionDenied):
        reunification.check_in(teacher, lockdown, typed(), [roster["maya"]])
    assert not ReunificationRequest.objects.exists()


def test_staff_refusal_needs_a_reason(lockdown, roster, frontdesk):
    [request] = reunification.check_in(frontdesk, lockdown, typed(), [roster["maya"]])
    with pytest.raises(ValidationError) as err:
        reunification.refuse(frontdesk, request, "  ")
    assert "reason" in err.value.message_dict
    refusal = reunification.refuse(frontdesk, request, "Could not show an ID")
    assert refusal.refused and refusal.reason == "Could not show an ID"


def test_runner_must_work_at_the_school(lockdown, roster, frontdesk, outsider):
    [request] = reunification.check_in(frontdesk, lockdown, typed(), [roster["maya"]])
    with pytest.raises(ValidationError) as err:
        reunification.send_runner(frontdesk, request, outsider)
    assert "runner" in err.value.message_dict


# --- the ID barcode -------------------------------------------------------------------------------


def test_barcode_check_in_keeps_only_the_last_four_digits(lockdown, roster, frontdesk):
    adult = pickup.adult_from_barcode(licence("ROSA", "LOPEZ", number="X99887766"))
    [request] = reunification.check_in(frontdesk, lockdown, adult, [roster["maya"]])
    assert request.decision == Decision.AUTHORISED
    assert (request.id_source, request.id_last4, request.id_jurisdiction) == ("scan", "7766", "VA")
    assert request.adult_date_of_birth == "1980-07-15"
    assert len(request.id_hash) == 64
    stored = json.dumps(list(ReunificationRequest.objects.values()), default=str)
    assert "X99887766" not in stored


@pytest.mark.parametrize("garbage", ["", "hello", "@\n\x1e\rANSI 6360000800", "DAQ\nDCS"])
def test_garbled_barcode_names_the_field(garbage):
    with pytest.raises(ValidationError) as err:
        pickup.adult_from_barcode(garbage)
    assert "id_barcode" in err.value.message_dict


# --- names --------------------------------------------------------------------------------------

ACCENTS = str.maketrans("aeiouAEIOUnN", "áéíóúÁÉÍÓÚñÑ")
WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=10)
SETTINGS = settings(max_examples=150, deadline=None, database=None)


class Roster:
    def __init__(self, given: str, family: str, middle: str = "", preferred: str = "") -> None:
        self.given_name, self.family_name = given, family
        self.middle_name, self.preferred_name = middle, preferred


@SETTINGS
@given(first=WORD, last=WORD, middle=st.lists(WORD, max_size=2).map(" ".join))
def test_a_guardian_matches_whatever_the_case_accents_and_middle_names(first, last, middle):
    guardian = Roster(first.title(), last.title())
    assert pickup.names_match(first.upper(), last.upper(), middle, guardian)
    assert pickup.names_match(first.translate(ACCENTS), last.translate(ACCENTS), "", guardian)
    assert pickup.names_match(f" {first} ", f"{last}-{middle or 'x'}", "", guardian)


@SETTINGS
@given(first=WORD, last=WORD, other=WORD)
def test_a_different_surname_never_matches(first, last, other):
    if other == last:
        return
    assert not pickup.names_match(first, other, "", Roster(first, last))


@SETTINGS
@given(first=st.text(max_size=30), middle=st.text(max_size=30), last=st.text(max_size=30))
def test_matching_never_fails_on_any_text(first, middle, last):
    result = pickup.names_match(first, last, middle, Roster("Rosa", "Lopez", "María"))
    assert isinstance(result, bool)


def test_nicknames_and_preferred_names_match():
    assert pickup.names_match("Bill", "Smith", "", Roster("William", "Smith"))
    assert pickup.names_match("Rosie", "Lopez", "", Roster("Rosa", "Lopez", "", "Rosie"))
    assert pickup.names_match("Maria", "De La Cruz", "", Roster("María", "Cruz"))
    assert not pickup.names_match("R", "Lopez", "", Roster("Rosa", "Lopez"))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=st.text(max_size=60))
def test_finding_students_answers_a_list_or_names_the_field(lockdown, roster, frontdesk, text):
    try:
        found = reunification.find_students(frontdesk, lockdown, text)
    except ValidationError as exc:
        assert "students" in exc.message_dict
    else:
        assert all(isinstance(s, Student) for s in found) and found


def test_finding_students_by_name_or_number(lockdown, roster, frontdesk):
    roster["eli"].student_number = "N-204"
    roster["eli"].save()
    found = reunification.find_students(frontdesk, lockdown, "maya LÓPEZ, N-204")
    assert found == [roster["maya"], roster["eli"]]
    with pytest.raises(ValidationError) as err:
        reunification.find_students(frontdesk, lockdown, "Sam Reyes")  # another school
    assert "Sam Reyes" in str(err.value.message_dict["students"])


# --- the API contract -----------------------------------------------------------------------------


def test_api_release_by_barcode_is_201_with_the_release(lockdown, roster, frontdesk):
    response = post_json(
        signed_in(frontdesk),
        releases_url(lockdown),
        {"student": roster["maya"].pk, "id_barcode": licence("ROSA", "LOPEZ")},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    release = Release.objects.get()
    assert body["id"] == release.pk and body["refused"] is False
    assert body["student"] == {"id": roster["maya"].pk, "name": "Maya Lopez"}
    assert body["guardian"] == roster["mother"].pk and body["adult_name"] == "Rosa Lopez"
    assert body["decision"] == "authorised" and body["released_by"]
    assert lockdown.events.filter(kind="release").exists()


def test_api_custody_refusal_is_409_naming_why_and_recorded(lockdown, roster, principal):
    response = post_json(
        signed_in(principal),
        releases_url(lockdown),
        {"student": roster["maya"].pk, "guardian": roster["father"].pk},
    )
    assert response.status_code == 409
    body = response.json()
    assert body["reason"] == "custody_restriction"
    assert "custody restriction" in body["detail"].lower()
    assert body["release"]["refused"] is True
    assert Release.objects.get().refused


def test_api_not_listed_adult_is_409(lockdown, roster, frontdesk):
    response = post_json(
        signed_in(frontdesk),
        releases_url(lockdown),
        {"student": roster["maya"].pk, "id_barcode": licence("DANA", "WHITFIELD")},
    )
    assert response.status_code == 409
    assert response.json()["reason"] == "not_listed"


def test_api_already_released_is_409_naming_to_whom_and_when(lockdown, roster, frontdesk):
    client = signed_in(frontdesk)
    body = {"student": roster["maya"].pk, "guardian": roster["mother"].pk}
    first = post_json(client, releases_url(lockdown), body)
    assert first.status_code == 201
    again = post_json(client, releases_url(lockdown), body)
    assert again.status_code == 409
    refusal = again.json()
    assert refusal["reason"] == "already_released"
    assert refusal["released_to"] == "Rosa Lopez"
    assert refusal["released_at"].startswith(first.json()["released_at"][:19])
    assert Release.objects.filter(refused=False).count() == 1


def test_api_student_of_another_school_is_409_not_here(lockdown, roster, people):
    response = post_json(
        signed_in(people["admin"]),
        releases_url(lockdown),
        {"student": roster["sam"].pk, "id_barcode": licence("ROSA", "LOPEZ")},
    )
    assert response.status_code == 409 and response.json()["reason"] == "not_here"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"student": 999_999, "guardian": None}, "student"),
        ({"student": "maya", "guardian": None}, "student"),
        ({"student": None}, "guardian"),  # replaced below by the real student
        ({"student": None, "guardian": 999_999}, "guardian"),
        ({"student": None, "id_barcode": "@garbled"}, "id_barcode"),
        ({"student": None, "id_barcode": "x" * 5000}, "id_barcode"),
    ],
)
def test_api_bad_input_is_422_naming_the_field_and_writes_nothing(
    lockdown, roster, frontdesk, body, field
):
    body = {
        **body,
        "student": body["student"] if body["student"] is not None else roster["maya"].pk,
    }
    response = post_json(signed_in(frontdesk), releases_url(lockdown), body)
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not Release.objects.exists() and not ReunificationRequest.objects.exists()
    assert not Screening.objects.exists()


def test_api_sam_is_unknown_to_northside_staff(lockdown, roster, frontdesk):
    response = post_json(
        signed_in(frontdesk), releases_url(lockdown), {"student": roster["sam"].pk}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "student"


def test_api_teacher_gets_403_and_outsider_404(lockdown, roster, teacher, outsider):
    body = {"student": roster["maya"].pk, "guardian": roster["mother"].pk}
    assert post_json(signed_in(teacher), releases_url(lockdown), body).status_code == 403
    assert post_json(signed_in(outsider), releases_url(lockdown), body).status_code == 404
    assert not Release.objects.exists()


def test_api_lists_releases_and_refusals(lockdown, roster, frontdesk, principal):
    reunification.release_now(frontdesk, lockdown, roster["maya"], guardian=roster["mother"])
    reunification.release_now(frontdesk, lockdown, roster["eli"], guardian=roster["mother"])
    response = signed_in(principal).get(releases_url(lockdown))
    assert response.status_code == 200
    rows = response.json()
    assert [(r["student"]["name"], r["refused"]) for r in rows] == [
        ("Maya Lopez", False),
        ("Eli Brooks", True),
    ]
    assert rows[1]["decision"] == "not_listed"
    refused = signed_in(principal).get(releases_url(lockdown) + "?refused=true").json()
    assert [r["student"]["name"] for r in refused] == ["Eli Brooks"]
    assert AuditEvent.objects.filter(action="view", detail__releases=2).exists()


# --- pages ----------------------------------------------------------------------------------------


def test_check_in_page_by_typed_details_goes_to_the_request(lockdown, roster, frontdesk):
    client = signed_in(frontdesk)
    url = f"/emergencies/{lockdown.pk}/reunification/check-in/"
    response = client.post(
        url,
        {
            "first_name": "Rosa",
            "last_name": "Lopez",
            "date_of_birth": "1980-07-15",
            "students": "Maya Lopez",
        },
    )
    request = ReunificationRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reunification.request_url(
        request
    )
    page = client.get(response["Location"]).content.decode()
    assert "Authorised to pick up" in page and "Protective order" in page  # custody note: staff
    assert AuditEvent.objects.filter(action="view", object_type="core.student").exists()


def test_check_in_page_names_the_missing_field(lockdown, roster, frontdesk):
    response = signed_in(frontdesk).post(
        f"/emergencies/{lockdown.pk}/reunification/check-in/",
        {"first_name": "Rosa", "last_name": "Lopez", "students": "Nobody Here"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "date_of_birth" in form.errors and "students" in form.errors
    assert not ReunificationRequest.objects.exists()


def test_board_shows_counts_to_teachers_but_no_adults(lockdown, roster, frontdesk, teacher):
    [request] = reunification.check_in(frontdesk, lockdown, typed(), [roster["maya"]])
    reunification.release(frontdesk, request)
    page = signed_in(teacher).get(f"/emergencies/{lockdown.pk}/reunification/")
    text = page.content.decode()
    assert page.status_code == 200 and "Rosa Lopez" not in text
    data = signed_in(teacher).get(f"/emergencies/{lockdown.pk}/reunification/board.json").json()
    assert (data["released"], data["remaining"], data["total"]) == (1, 1, 2)
    assert [s["name"] for s in data["released_students"]] == ["Maya Lopez"]
    assert "Rosa" not in json.dumps(data)


def test_board_json_without_roster_access_has_counts_only(lockdown, roster, people):
    from haven.accounts.models import RoleAssignment

    # A volunteer coordinator receives alerts but does not see the roster.
    assert RoleAssignment.objects.filter(user=people["coordinator"]).exists()
    data = signed_in(people["coordinator"]).get(
        f"/emergencies/{lockdown.pk}/reunification/board.json"
    )
    body = data.json()
    assert body["total"] == 2 and body["names"] is False and body["queue"] == []


def test_release_and_refusal_through_the_pages(lockdown, roster, frontdesk, teacher):
    client = signed_in(frontdesk)
    [request] = reunification.check_in(frontdesk, lockdown, typed(), [roster["maya"]])
    base = f"/emergencies/{lockdown.pk}/reunification/requests/{request.pk}/"
    assert client.post(base + "runner/", {"runner": teacher.pk}).status_code == 302
    assert client.post(base + "release/").status_code == 302
    request.refresh_from_db()
    assert request.status == Status.RELEASED
    [other] = reunification.check_in(
        frontdesk, lockdown, typed("Dana", "Whitfield"), [roster["eli"]]
    )
    page = client.get(reunification.request_url(other)).content.decode()
    assert "not on the student&#x27;s list" in page


# --- for the permission table (tests/test_permissions.py) -----------------------------------------


def world_reunification_request(world: dict[str, Any]) -> str:
    """/emergencies/<incident>/reunification/requests/<id>/: Rosa Lopez checked in for Maya at
    the table's incident, once per test."""
    incident_id = world_incident(world)
    if "reunification_request" not in world:
        [world["reunification_request"]] = reunification.check_in(
            world["principal"], world["incident"], typed(), [world["maya"]]
        )
    return f"/emergencies/{incident_id}/reunification/requests/{world['reunification_request'].pk}/"


def test_api_possible_match_is_409_held_without_a_release(lockdown, roster, frontdesk):
    WatchlistEntry.objects.create(
        district=lockdown.district,
        kind=WatchlistEntry.Kind.ALERT,
        first_name="Rosa",
        last_name="Lopez",
        starts_on=dt.date(2020, 1, 1),
    )
    response = post_json(
        signed_in(frontdesk),
        releases_url(lockdown),
        {"student": roster["maya"].pk, "guardian": roster["mother"].pk},
    )
    assert response.status_code == 409
    body = response.json()
    assert (body["reason"], body["release"]) == ("review", None)
    assert ReunificationRequest.objects.get(pk=body["request"]).status == Status.HELD
    assert not Release.objects.exists()


def test_check_in_page_by_scanned_barcode(lockdown, roster, frontdesk):
    # A browser posts a textarea's line breaks as CR LF.
    payload = licence("ROSA", "LOPEZ").replace("\n", "\r\n")
    response = signed_in(frontdesk).post(
        f"/emergencies/{lockdown.pk}/reunification/check-in/",
        {"id_barcode": payload, "students": "Maya Lopez, Eli Brooks"},
    )
    assert response.status_code == 302
    assert response["Location"] == reunification.board_url(lockdown)
    decisions = dict(ReunificationRequest.objects.values_list("student__given_name", "decision"))
    assert decisions == {"Maya": "authorised", "Eli": "not_listed"}
    assert set(ReunificationRequest.objects.values_list("id_source", flat=True)) == {"scan"}
    assert Screening.objects.count() == 1  # one adult, screened once


def test_only_staff_who_see_screenings_read_what_held_a_release(
    lockdown, roster, frontdesk, people
):
    WatchlistEntry.objects.create(
        district=lockdown.district,
        kind=WatchlistEntry.Kind.BANNED,
        first_name="Rosa",
        last_name="Lopez",
        reason="Threatened a teacher",
        starts_on=dt.date(2020, 1, 1),
    )
    [request] = reunification.check_in(frontdesk, lockdown, typed(), [roster["maya"]])
    assert request.status == Status.HELD
    url = reunification.request_url(request)
    counselor = signed_in(people["counselor"]).get(url)  # sees guardians, not screenings
    assert counselor.status_code == 200
    body = counselor.content.decode()
    assert "Possible match" in body
    assert "Threatened a teacher" not in body and "Banned person" not in body
    principal = signed_in(people["principal"]).get(url).content.decode()
    assert "Threatened a teacher" in principal and "Banned person" in principal
