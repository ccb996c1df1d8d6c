"""Drills: scheduling, starting (the DRILL incident), logging, logging without Haven, bad input,
the compliance arithmetic (school-year boundary included), requirement data and the iCal feed."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from haven.audit.models import AuditEvent
from haven.emergencies.drills import compliance
from haven.emergencies.drills import services as drills
from haven.emergencies.models import Drill, DrillPolicy, DrillRequirement, Incident
from tests.conftest import signed_in

NY = ZoneInfo("America/New_York")
NOW = dt.datetime(2026, 11, 10, 9, 0, tzinfo=NY)


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=NY)  # type: ignore[misc]


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def policy_rows(district):
    """The test district's own policy: 2 lockdown drills, 4 fire (evacuate) drills a year."""
    DrillRequirement.objects.create(district=district, protocol="lockdown", per_year=2)
    DrillRequirement.objects.create(district=district, protocol="evacuate", kind="fire", per_year=4)


def _logged(user, school, protocol, start, kind="", minutes=10):
    return drills.log_off_system(
        user,
        school,
        protocol,
        kind=kind,
        started_at=start,
        ended_at=start + dt.timedelta(minutes=minutes),
        participants=300,
    )


# --- scheduling ----------------------------------------------------------------------------------


def test_principal_schedules_a_drill_and_it_is_audited(principal, northside):
    drill = drills.schedule(
        principal, northside, "lockdown", at(2026, 12, 1, 10, 0), note="Second period"
    )
    assert (drill.protocol, drill.note, drill.created_by) == (
        "lockdown",
        "Second period",
        principal,
    )
    assert drills.drill_status(drill) == drills.Status.SCHEDULED
    event = AuditEvent.objects.get(action="drill.schedule")
    assert event.actor == principal and event.object_id == str(drill.pk)


def test_teacher_cannot_schedule_but_sees_the_schedule(teacher, principal, northside):
    with pytest.raises(PermissionDenied):
        drills.schedule(teacher, northside, "lockdown", at(2026, 12, 1, 10, 0))
    drill = drills.schedule(principal, northside, "hold", at(2026, 12, 1, 10, 0))
    assert list(drills.visible(teacher)) == [drill]
    page = signed_in(teacher).get(f"/emergencies/drills/?school={northside.slug}")
    assert page.status_code == 200
    assert f"/emergencies/drills/{drill.pk}/" in page.content.decode()
    assert "Schedule a drill" not in page.content.decode()
    assert '<option value="2026" selected>2026-27</option>' in page.content.decode()


def test_outsider_does_not_see_another_schools_drills(outsider, principal, northside):
    drills.schedule(principal, northside, "hold", at(2026, 12, 1, 10, 0))
    assert not drills.visible(outsider).exists()


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("panic", at(2026, 12, 1, 10)), "protocol"),
        (("evacuate", at(2026, 11, 9, 10)), "scheduled_for"),  # yesterday
        (("evacuate", at(2029, 1, 1, 10)), "scheduled_for"),  # too far ahead
        (("evacuate", "tomorrow"), "scheduled_for"),
    ],
)
def test_bad_schedules_name_the_field_and_store_nothing(principal, northside, args, field):
    with pytest.raises(ValidationError) as caught:
        drills.schedule(principal, northside, *args)
    assert field in caught.value.message_dict
    assert not Drill.objects.exists()


def test_a_fire_drill_must_be_an_evacuate(principal, northside):
    with pytest.raises(ValidationError) as caught:
        drills.schedule(principal, northside, "lockdown", at(2026, 12, 1, 10), kind="fire")
    assert "Evacuate" in caught.value.message_dict["kind"][0]
    drill = drills.schedule(principal, northside, "evacuate", at(2026, 12, 1, 10), kind="fire")
    assert drills.type_label(drill.protocol, drill.kind) == "Evacuate (fire)"


def test_schedule_page_shows_errors_next_to_the_field(principal, northside):
    client = signed_in(principal)
    response = client.post(
        "/emergencies/drills/schedule/",
        {"school": "northside-high", "protocol": "secure", "scheduled_for": "2026-11-01T10:00"},
    )
    assert response.status_code == 200
    assert "That day has passed" in response.content.decode()
    assert not Drill.objects.exists()
    response = client.post(
        "/emergencies/drills/schedule/",
        {"school": "northside-high", "protocol": "secure", "scheduled_for": "2026-12-03T10:00"},
    )
    drill = Drill.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/emergencies/drills/{drill.pk}/"
    )
    assert drill.scheduled_for == at(2026, 12, 3, 10, 0)


def test_overdue_once_its_day_has_passed(principal, northside):
    drill = drills.schedule(principal, northside, "hold", at(2026, 11, 10, 14, 0))
    assert drills.drill_status(drill, at(2026, 11, 10, 23, 0)) == drills.Status.SCHEDULED
    assert drills.drill_status(drill, at(2026, 11, 11, 8, 0)) == drills.Status.OVERDUE


# --- starting and logging ------------------------------------------------------------------------


def test_starting_raises_the_drill_incident_and_links_it(
    principal, teacher, northside, django_capture_on_commit_callbacks
):
    drill = drills.schedule(principal, northside, "lockdown", at(2026, 11, 10, 9, 0))
    with django_capture_on_commit_callbacks(execute=True):
        incident = drills.start(principal, drill)
    drill.refresh_from_db()
    assert incident.drill is True and incident.protocol == "lockdown"
    assert incident.school == northside and incident.active
    assert drill.incident == incident and drill.started_at == incident.raised_at
    assert incident.events.get().data["via"] == "drill"
    assert incident.alerts.get().payload["title"].startswith("DRILL")
    assert drills.drill_status(drill) == drills.Status.IN_PROGRESS
    with pytest.raises(ValidationError):
        drills.start(principal, drill)
    assert Incident.objects.count() == 1
    with pytest.raises(PermissionDenied):
        drills.start(teacher, drills.schedule(principal, northside, "hold", at(2026, 12, 1, 9)))


def test_logging_a_started_drill_ends_its_incident_and_records_the_run(
    principal, sro, northside, django_capture_on_commit_callbacks
):
    drill = drills.schedule(principal, northside, "lockdown", at(2026, 11, 10, 9, 0))
    with django_capture_on_commit_callbacks(execute=True):
        incident = drills.start(principal, drill)
    with time_machine.travel(NOW + dt.timedelta(minutes=12), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            drills.log(sro, drill, participants=412, issues="Room 114 door did not latch.")
    drill.refresh_from_db()
    incident.refresh_from_db()
    assert not incident.active
    assert drill.ended_at == incident.all_clear_at
    assert drill.duration == dt.timedelta(minutes=12)
    assert (drill.participants, drill.issues, drill.logged_by) == (
        412,
        "Room 114 door did not latch.",
        sro,
    )
    assert drills.drill_status(drill) == drills.Status.DONE
    event = AuditEvent.objects.get(action="drill.log")
    assert event.actor == sro and event.detail == {"corrected": False, "off_system": False}


def test_log_page_rejects_an_end_before_the_start(principal, northside):
    drill = drills.schedule(principal, northside, "hold", at(2026, 11, 10, 8, 0))
    response = signed_in(principal).post(
        f"/emergencies/drills/{drill.pk}/log/",
        {"started_at": "2026-11-10T08:30", "ended_at": "2026-11-10T08:10", "participants": "5"},
    )
    assert response.status_code == 200
    assert "The drill must end after it starts." in response.content.decode()
    drill.refresh_from_db()
    assert drill.logged_at is None and drill.participants is None


@pytest.mark.parametrize(
    ("start", "end", "participants", "field"),
    [
        (at(2026, 11, 9, 10), at(2026, 11, 9, 10), 5, "ended_at"),
        (at(2026, 11, 9, 10), at(2026, 11, 10, 0), 5, "ended_at"),  # 14 hours
        (at(2026, 11, 12, 10), at(2026, 11, 12, 11), 5, "started_at"),  # not yet run
        (at(2026, 11, 9, 10), at(2026, 11, 9, 11), -1, "participants"),
        (at(2026, 11, 9, 10), at(2026, 11, 9, 11), "many", "participants"),
        (None, at(2026, 11, 9, 11), 5, "started_at"),
    ],
)
def test_bad_logs_name_the_field(principal, northside, start, end, participants, field):
    with pytest.raises(ValidationError) as caught:
        drills.log_off_system(
            principal,
            northside,
            "evacuate",
            started_at=start,
            ended_at=end,
            participants=participants,
        )
    assert field in caught.value.message_dict
    assert not Drill.objects.exists()


def test_a_drill_run_without_haven_is_logged_and_counts(principal, northside, policy_rows):
    drill = _logged(principal, northside, "lockdown", at(2026, 10, 2, 10, 0))
    assert drill.off_system and drill.incident is None
    assert drills.drill_status(drill) == drills.Status.DONE
    assert not Incident.objects.exists()
    lockdown = next(
        line for line in compliance.compliance(northside) if line.protocol == "lockdown"
    )
    assert lockdown.done == 1
    assert AuditEvent.objects.get(action="drill.log").detail["off_system"] is True


def test_cancelling_keeps_run_drills(principal, northside):
    planned = drills.schedule(principal, northside, "hold", at(2026, 12, 1, 9))
    done = _logged(principal, northside, "hold", at(2026, 11, 1, 9))
    drills.cancel(principal, planned)
    with pytest.raises(ValidationError):
        drills.cancel(principal, done)
    assert list(Drill.objects.all()) == [done]


# --- compliance ----------------------------------------------------------------------------------


def test_school_year_boundary():
    assert drills.school_year_of(dt.date(2026, 7, 31), 8) == 2025
    assert drills.school_year_of(dt.date(2026, 8, 1), 8) == 2026
    assert drills.school_year_of(dt.date(2027, 1, 15), 8) == 2026
    assert drills.school_year_of(dt.date(2026, 6, 30), 7) == 2025
    assert drills.year_bounds(2026, 8) == (dt.date(2026, 8, 1), dt.date(2027, 8, 1))
    assert drills.year_label(2026) == "2026-27"


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2098, 12, 31)), st.integers(1, 12))
def test_every_day_falls_in_the_year_it_is_named_for(day, month):
    year = drills.school_year_of(day, month)
    first, after = drills.year_bounds(year, month)
    assert first <= day < after


@given(st.integers(0, 40), st.dates(dt.date(2026, 1, 1), dt.date(2028, 12, 31)))
def test_expected_so_far_grows_from_zero_to_the_requirement(required, today):
    expected = compliance.expected_by(required, 2026, 8, today)
    assert 0 <= expected <= required
    if today < dt.date(2026, 8, 1):
        assert expected == 0
    if today >= dt.date(2027, 8, 1):
        assert expected == required


def test_compliance_counts_only_done_drills_inside_the_school_year(
    principal, northside, policy_rows
):
    _logged(principal, northside, "lockdown", at(2026, 7, 31, 23, 30))  # last year
    _logged(principal, northside, "lockdown", at(2026, 8, 1, 0, 30))  # this year, first hour
    _logged(principal, northside, "evacuate", at(2026, 9, 3, 10), kind="fire")
    _logged(principal, northside, "evacuate", at(2026, 9, 20, 10))  # not a fire drill
    drills.schedule(principal, northside, "evacuate", at(2026, 12, 5, 10), kind="fire")
    lines = {line.protocol: line for line in compliance.compliance(northside)}
    # 1 Aug -> 10 Nov is 101 of 365 days: 2 lockdowns -> 0 expected, 4 fire -> 1 expected.
    assert (lines["lockdown"].done, lines["lockdown"].expected) == (1, 0)
    assert lines["lockdown"].status == "on_track"
    fire = lines["evacuate"]
    assert (fire.kind, fire.done, fire.expected, fire.scheduled) == ("fire", 1, 1, 1)
    assert fire.status == "on_track"
    last_year = {line.protocol: line for line in compliance.compliance(northside, 2025)}
    assert last_year["lockdown"].done == 1 and last_year["lockdown"].status == "behind"
    assert last_year["evacuate"].expected == 4


def test_behind_then_met(principal, northside, policy_rows):
    with time_machine.travel(at(2027, 3, 1, 9), tick=False):
        line = next(x for x in compliance.compliance(northside) if x.protocol == "lockdown")
        assert (line.done, line.expected, line.status) == (0, 1, "behind")
        _logged(principal, northside, "lockdown", at(2026, 9, 1, 10))
        _logged(principal, northside, "lockdown", at(2027, 2, 1, 10))
        line = next(x for x in compliance.compliance(northside) if x.protocol == "lockdown")
        assert (line.done, line.status, line.tone) == (2, "met", "done")


def test_the_year_start_month_is_the_districts(principal, northside, district, policy_rows):
    DrillPolicy.objects.create(district=district, year_starts=7)
    _logged(principal, northside, "lockdown", at(2026, 7, 15, 10))
    line = next(x for x in compliance.compliance(northside) if x.protocol == "lockdown")
    assert line.done == 1  # 15 July is in 2026-27 when the year starts in July


def test_state_rows_apply_through_the_districts_jurisdiction_and_the_higher_number_wins(
    district, northside
):
    DrillRequirement.objects.create(
        jurisdiction="ZZ", protocol="lockdown", per_year=3, source="ZZ Code 1-2-3"
    )
    DrillRequirement.objects.create(jurisdiction="YY", protocol="hold", per_year=9, source="x")
    DrillRequirement.objects.create(district=district, protocol="lockdown", per_year=2)
    DrillRequirement.objects.create(district=district, protocol="shelter", per_year=1)
    assert [(r.protocol, r.per_year) for r in compliance.requirements_for(district)] == [
        ("lockdown", 2),
        ("shelter", 1),
    ]
    DrillPolicy.objects.create(district=district, jurisdiction="zz")
    rows = [(r.protocol, r.per_year, r.source) for r in compliance.requirements_for(district)]
    assert rows == [("lockdown", 3, "ZZ Code 1-2-3"), ("shelter", 1, "")]


def test_district_compliance_table(people, principal, northside, riverside, policy_rows):
    _logged(principal, northside, "lockdown", at(2026, 9, 1, 10))
    response = signed_in(people["admin"]).get("/emergencies/drills/compliance/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Northside High School" in body and "Riverside Middle School" in body
    assert "1/2" in body and "0/2" in body
    mine = signed_in(principal).get("/emergencies/drills/compliance/").content.decode()
    assert "Northside High School" in mine and "Riverside Middle School" not in mine


# --- requirement data ----------------------------------------------------------------------------


def test_the_shipped_file_invents_no_state_law(db):
    data = json.loads(compliance.DATA_FILE.read_text())
    for row in data["requirements"]:
        assert row.get("source"), row
    assert compliance.load_requirements(data) == len(data["requirements"])


def test_loading_requirements_is_all_or_nothing(district):
    good = {"jurisdiction": "ZZ", "protocol": "lockdown", "per_year": 2, "source": "ZZ 1"}
    with pytest.raises(ValidationError) as caught:
        compliance.load_requirements({"requirements": [good, {**good, "source": ""}]})
    assert "row 2" in caught.value.message_dict["source"][0]
    with pytest.raises(ValidationError) as caught:
        compliance.load_requirements({"requirements": [{**good, "protocol": "panic"}]})
    assert "panic" in caught.value.message_dict["protocol"][0]
    assert not DrillRequirement.objects.exists()
    policy = {"district": True, "protocol": "hold", "per_year": 1, "note": "Our policy"}
    assert compliance.load_requirements({"requirements": [good, policy]}, district=district) == 2
    assert compliance.load_requirements({"requirements": [{**good, "per_year": 3}]}) == 1
    assert DrillRequirement.objects.get(jurisdiction="ZZ").per_year == 3  # updated, not doubled
    assert DrillRequirement.objects.get(district=district).note == "Our policy"


def test_load_command_reports_the_file_and_row(tmp_path, district):
    bad = tmp_path / "req.json"
    bad.write_text(json.dumps({"requirements": [{"jurisdiction": "ZZ", "protocol": "hold"}]}))
    with pytest.raises(CommandError, match=r"req.json: per_year: row 1"):
        call_command("load_drill_requirements", str(bad))
    ok = tmp_path / "ok.json"
    ok.write_text(
        json.dumps({"requirements": [{"district": True, "protocol": "hold", "per_year": 2}]})
    )
    call_command("load_drill_requirements", str(ok), "--district", district.slug)
    assert DrillRequirement.objects.get().district == district


# --- iCalendar -----------------------------------------------------------------------------------


def test_ical_feed_round_trips(principal, teacher, northside):
    planned = drills.schedule(
        principal, northside, "shelter", at(2026, 12, 2, 13, 15), kind="tornado", note="Gym"
    )
    done = _logged(principal, northside, "lockdown", at(2026, 10, 6, 10, 0), minutes=14)
    response = signed_in(teacher).get("/emergencies/drills/calendar.ics?school=northside-high")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {
        f"drill-{planned.pk}@northside-high.haven",
        f"drill-{done.pk}@northside-high.haven",
    }
    shelter = events[f"drill-{planned.pk}@northside-high.haven"]
    assert shelter.decoded("dtstart") == at(2026, 12, 2, 13, 15).astimezone(dt.UTC)
    assert b"DTSTART:20261202T181500Z" in response.content  # in UTC
    assert shelter.decoded("dtend") - shelter.decoded("dtstart") == dt.timedelta(minutes=30)
    assert "Shelter (tornado" in str(shelter["summary"]) and "drill" in str(shelter["summary"])
    assert "Gym" in str(shelter["description"]) and "Scheduled" in str(shelter["description"])
    lockdown = events[f"drill-{done.pk}@northside-high.haven"]
    assert lockdown.decoded("dtend") - lockdown.decoded("dtstart") == dt.timedelta(minutes=14)
    assert "Done" in str(lockdown["description"])
    # The same drills give the same UIDs the next time the feed is read.
    again = icalendar.Calendar.from_ical(
        signed_in(teacher).get("/emergencies/drills/calendar.ics?school=northside-high").content
    )
    assert {str(e["uid"]) for e in again.walk("VEVENT")} == set(events)


def test_ical_feed_of_another_school_is_404(outsider, northside):
    response = signed_in(outsider).get("/emergencies/drills/calendar.ics?school=northside-high")
    assert response.status_code == 404


def world_drill(world: dict, action: str = "") -> str:
    """/emergencies/drills/<id>/<action> for a drill scheduled at Northside for tomorrow (the
    generated permission table in tests/test_permissions.py)."""
    if "drill" not in world:
        from django.utils import timezone

        world["drill"] = drills.schedule(
            world["principal"],
            world["maya"].school,
            "lockdown",
            timezone.now() + dt.timedelta(days=1),
        )
    return f"/emergencies/drills/{world['drill'].pk}/{action}"


def test_only_the_drills_nav_item_is_current_on_the_drills_page(principal, teacher, northside):
    body = signed_in(principal).get("/emergencies/drills/").content.decode()
    nav = body[body.index('<nav class="sidenav"') :].split("</nav>", 1)[0]
    assert '<a href="/emergencies/drills/" aria-current="page">' in nav
    assert '<a href="/emergencies/" aria-current="page">' not in nav
    # Staff without the Drills item keep Emergencies current.
    body = signed_in(teacher).get("/emergencies/drills/").content.decode()
    nav = body[body.index('<nav class="sidenav"') :].split("</nav>", 1)[0]
    assert "/emergencies/drills/" not in nav
    assert '<a href="/emergencies/" aria-current="page">' in nav


def test_the_admin_refuses_a_state_row_without_its_statute(district):
    row = DrillRequirement(jurisdiction="ZZ", protocol="lockdown", per_year=2)
    with pytest.raises(ValidationError) as caught:
        row.full_clean()
    assert "source" in caught.value.message_dict
    DrillRequirement(district=district, protocol="lockdown", per_year=2).full_clean()
