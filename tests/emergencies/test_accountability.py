"""Accountability: what the roll calls, releases and the office's visitor list add up to, who sees
the names, the live dashboard and its JSON, and the moment everyone was first accounted for."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from haven.audit.models import AuditEvent
from haven.core.models import Enrollment, Section, Staff, Student
from haven.emergencies.alerts import services
from haven.emergencies.models import IncidentEvent, Release, RollCallEntry
from haven.emergencies.roll_call import accountability
from haven.emergencies.roll_call import services as rc
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def mark(student, status, note=""):
    return rc.Mark(student.pk, status, note)


def test_counts_percent_and_lists(teacher, roster, lockdown, northside):
    zoe = Student.objects.create(school=northside, given_name="Zoe", family_name="Park")
    Student.objects.create(school=northside, given_name="Gone", family_name="Away", active=False)
    rc.submit_roll_call(
        teacher,
        lockdown,
        roster["english"],
        [mark(roster["maya"], "injured", "Cut"), mark(roster["eli"], "missing")],
    )
    result = accountability.compute(lockdown)
    assert result.expected == 3  # Maya, Eli, Zoe; not the inactive student nor Riverside's Sam
    assert result.accounted == 1
    assert [s.name for s in result.injured] == ["Maya Lopez"]
    assert result.injured[0].note == "Cut" and result.injured[0].section == "English 10"
    assert [s.name for s in result.missing] == ["Eli Brooks"]
    assert [s.id for s in result.unaccounted] == [zoe.pk]
    assert result.percent == pytest.approx(33.3)
    assert not result.complete and result.accounted_at is None
    assert result.sections_total == 1 and result.sections_reported == 1


def test_a_release_accounts_for_a_missing_student_and_a_refusal_does_not(
    principal, teacher, roster, lockdown
):
    rc.submit_roll_call(
        teacher,
        lockdown,
        roster["english"],
        [mark(roster["maya"], "missing"), mark(roster["eli"], "missing")],
    )
    Release.objects.create(
        incident=lockdown, student=roster["maya"], adult_name="Rosa Lopez", released_by=principal
    )
    Release.objects.create(
        incident=lockdown, student=roster["eli"], adult_name="A stranger", refused=True
    )
    result = accountability.compute(lockdown)
    assert result.released == 1 and result.accounted == 1
    assert [s.name for s in result.missing] == ["Eli Brooks"]


def test_an_injury_is_not_hidden_by_present_in_another_class(
    principal, teacher, roster, lockdown, northside
):
    gym = Section.objects.create(school=northside, title="Gym")
    Enrollment.objects.create(section=gym, student=roster["maya"])
    rc.submit_roll_call(teacher, lockdown, roster["english"], [mark(roster["maya"], "injured")])
    rc.submit_roll_call(principal, lockdown, gym, [mark(roster["maya"], "present")])
    result = accountability.compute(lockdown)
    assert [s.name for s in result.injured] == ["Maya Lopez"] and result.accounted == 1


def test_a_student_found_elsewhere_is_no_longer_missing(principal, teacher, roster, lockdown):
    rc.submit_roll_call(teacher, lockdown, roster["english"], [mark(roster["eli"], "missing")])
    gym = Section.objects.create(school=roster["english"].school, title="Gym")
    rc.submit_roll_call(principal, lockdown, gym, [mark(roster["eli"], "extra")])
    result = accountability.compute(lockdown)
    assert not result.missing and result.accounted == 1


def test_full_accountability_is_recorded_once_at_the_moment_it_was_reached(
    principal, teacher, roster, northside, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False):
        incident = services.raise_incident(principal, northside, "lockdown")
    with time_machine.travel(NOW + dt.timedelta(minutes=3), tick=False):
        rc.submit_roll_call(teacher, incident, roster["english"], [mark(roster["maya"], "present")])
    assert not incident.events.filter(kind=IncidentEvent.Kind.ACCOUNTED).exists()
    with time_machine.travel(NOW + dt.timedelta(minutes=7), tick=False):
        Release.objects.create(
            incident=incident, student=roster["eli"], adult_name="Parent", released_by=principal
        )
    with time_machine.travel(NOW + dt.timedelta(minutes=20), tick=False):
        result = accountability.compute(incident)
        accountability.record_if_complete(incident, result)
    event = incident.events.get(kind=IncidentEvent.Kind.ACCOUNTED)
    assert event.at == NOW + dt.timedelta(minutes=7)  # the release that completed it
    # A later correction that loses a student does not move or repeat the moment.
    rc.submit_roll_call(teacher, incident, roster["english"], [mark(roster["maya"], "missing")])
    result = accountability.compute(incident)
    assert not result.complete and result.accounted_at == event.at
    assert incident.events.filter(kind=IncidentEvent.Kind.ACCOUNTED).count() == 1


def test_the_roll_call_that_completes_it_records_the_moment(teacher, roster, lockdown):
    marks = [mark(roster["maya"], "present"), mark(roster["eli"], "present")]
    rc.submit_roll_call(teacher, lockdown, roster["english"], marks)
    event = lockdown.events.get(kind=IncidentEvent.Kind.ACCOUNTED)
    assert event.at == lockdown.roll_calls.get().submitted_at
    assert event.data == {"expected": 2}


def _big_school(school, teacher_user, n_sections, per_section):
    teacher = Staff.objects.get(user=teacher_user)
    students = Student.objects.bulk_create(
        [
            Student(school=school, given_name=f"S{i}", family_name=f"F{i}")
            for i in range(n_sections * per_section)
        ]
    )
    for k in range(n_sections):
        section = Section.objects.create(school=school, title=f"Class {k}")
        section.teachers.add(teacher)
        Enrollment.objects.bulk_create(
            [
                Enrollment(section=section, student=s)
                for s in students[k * per_section : (k + 1) * per_section]
            ]
        )
    return students


def _queries(incident) -> int:
    with CaptureQueriesContext(connection) as ctx:
        accountability.compute(incident)
    return len(ctx.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_school(teacher, roster, lockdown, northside):
    _big_school(northside, teacher, 2, 5)
    small = _queries(lockdown)
    students = _big_school(northside, teacher, 20, 100)
    rc.submit_roll_call(
        teacher,
        lockdown,
        Section.objects.get(title="Class 0", enrollments__student=students[0]),
        [rc.Mark(s.pk, "present") for s in students[:100]],
    )
    big = _queries(lockdown)
    assert big == small
    assert accountability.compute(lockdown).expected == 2 + 10 + 2000


def test_district_wide_counts_every_school(admin_user_district, roster):
    admin = admin_user_district
    incident = services.raise_incident(admin, None, "shelter")
    result = accountability.compute(incident)
    assert result.expected == 3  # Maya and Eli at Northside, Sam at Riverside


@pytest.fixture
def admin_user_district(people):
    return people["admin"]


def test_staff_see_counts_and_the_school_team_sees_names(
    teacher, counselor, roster, lockdown, django_capture_on_commit_callbacks
):
    rc.submit_roll_call(
        teacher,
        lockdown,
        roster["english"],
        [mark(roster["maya"], "injured", "Cut on arm"), mark(roster["eli"], "missing")],
    )
    json_url = f"/emergencies/{lockdown.pk}/accountability.json"
    plain = signed_in(teacher).get(json_url).json()
    assert plain["students"]["injured"] == 1 and plain["students"]["missing"] == 1
    assert plain["names_visible"] is False
    assert plain["missing"] == [] and plain["injured"] == [] and plain["unaccounted"] == []
    assert "Cut on arm" not in str(plain) and "Maya" not in str(plain)

    team = signed_in(counselor).get(json_url).json()
    assert team["names_visible"] is True
    assert team["injured"] == [
        {
            "id": roster["maya"].pk,
            "name": "Maya Lopez",
            "grade": "10",
            "section": "English 10",
            "note": "Cut on arm",
        }
    ]
    assert [p["name"] for p in team["missing"]] == ["Eli Brooks"]
    reads = AuditEvent.objects.filter(action="emergency.accountability.view")
    assert list(reads.values_list("actor__username", flat=True)) == ["counselor"]
    signed_in(counselor).get(json_url)  # polling again within five minutes: one entry is enough
    assert reads.count() == 1


def test_sections_not_reported_and_staff_needing_help(principal, teacher, roster, lockdown):
    lab = Section.objects.create(school=roster["english"].school, title="Biology Lab")
    lab.teachers.add(Staff.objects.get(user=teacher))
    Enrollment.objects.create(section=lab, student=roster["eli"])
    Section.objects.create(school=roster["english"].school, title="Empty room")  # no students
    rc.submit_roll_call(teacher, lockdown, roster["english"], [], reporter_status="need_help")
    data = accountability.as_data(accountability.compute(lockdown), principal)
    assert data["sections"]["total"] == 2 and data["sections"]["reported"] == 1
    assert data["sections"]["not_reported"] == [
        {"id": lab.pk, "title": "Biology Lab", "teachers": ["Hannah Kim"]}
    ]
    assert [(h["section_title"], h["reporter"]) for h in data["need_help"]] == [
        ("English 10", teacher.label)
    ]


def test_visitors_on_site_are_accounted_for_by_the_office(frontdesk, teacher, roster, lockdown):
    from tests.visitors.test_services import check_in

    visit = check_in(frontdesk, roster["maya"].school, first="Vera", last="Visitor")
    other = check_in(frontdesk, roster["maya"].school, first="Otto", last="Other")
    client = signed_in(frontdesk)
    html = client.get(f"/emergencies/{lockdown.pk}/visitors/").content.decode()
    assert "Vera Visitor" in html and "Otto Other" in html
    response = client.post(
        f"/emergencies/{lockdown.pk}/visitors/", {"visit": visit.pk, "status": "accounted"}
    )
    assert response.status_code == 302
    client.post(f"/emergencies/{lockdown.pk}/visitors/", {"visit": other.pk, "status": "missing"})
    result = accountability.compute(lockdown)
    assert result.visitors_with("accounted") == 1 and result.visitors_with("missing") == 1
    assert AuditEvent.objects.filter(action="emergency.visitor_account").count() == 2
    # A teacher sees the visitor counts, not the names.
    data = signed_in(teacher).get(f"/emergencies/{lockdown.pk}/accountability.json").json()
    assert data["visitors"]["on_site"] == 2 and data["visitors"]["people"] == []
    bad = client.post(f"/emergencies/{lockdown.pk}/visitors/", {"visit": visit.pk, "status": "x"})
    assert bad.status_code == 302
    assert accountability.compute(lockdown).visitors_with("accounted") == 1


def test_the_dashboard_page_polls_with_a_static_script_and_refreshes_without(
    principal, teacher, roster, lockdown
):
    marks = [mark(roster["maya"], "present"), mark(roster["eli"], "missing")]
    rc.submit_roll_call(teacher, lockdown, roster["english"], marks)
    html = signed_in(principal).get(f"/emergencies/{lockdown.pk}/accountability/").content.decode()
    assert "haven/accountability.js" in html
    assert '<noscript><meta http-equiv="refresh" content="15"></noscript>' in html
    assert f'data-url="/emergencies/{lockdown.pk}/accountability.json"' in html
    assert 'data-testid="acct-percent">50.0<' in html
    assert "Eli Brooks" in html
    assert "<script>" not in html  # nothing inline
    staff = signed_in(teacher).get(f"/emergencies/{lockdown.pk}/accountability/").content.decode()
    assert "Eli Brooks" not in staff and "Names of students and injuries are shown" in staff


def test_the_api_gives_the_same_picture(counselor, teacher, roster, lockdown):
    rc.submit_roll_call(teacher, lockdown, roster["english"], [mark(roster["maya"], "present")])
    data = signed_in(counselor).get(f"/api/v1/incidents/{lockdown.pk}/accountability").json()
    assert data["percent"] == 50.0 and data["students"]["accounted"] == 1
    assert [p["name"] for p in data["unaccounted"]] == ["Eli Brooks"]
    plain = signed_in(teacher).get(f"/api/v1/incidents/{lockdown.pk}/accountability").json()
    assert plain["unaccounted"] == [] and plain["students"]["not_reported"] == 1


def test_an_entry_for_an_inactive_student_does_not_count(teacher, roster, lockdown):
    rc.submit_roll_call(teacher, lockdown, roster["english"], [mark(roster["maya"], "present")])
    Student.objects.filter(pk=roster["maya"].pk).update(active=False)
    result = accountability.compute(lockdown)
    assert result.expected == 1 and result.accounted == 0
    assert RollCallEntry.objects.count() == 1
