"""The demo district's drills, drill policy and past incident: counts, statuses, the incident's
timeline in order, and loading twice adds nothing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from haven.accounts.models import User
from haven.core.models import School, Section
from haven.emergencies import demo as emergencies_demo
from haven.emergencies.alerts import audience
from haven.emergencies.drills import compliance
from haven.emergencies.drills import services as drills
from haven.emergencies.models import (
    Acknowledgement,
    Delivery,
    Drill,
    DrillRequirement,
    Incident,
    Release,
    RollCall,
    RollCallEntry,
)
from haven.home import demo

TODAY = dt.datetime(2026, 11, 18, 8, 0, tzinfo=ZoneInfo("America/New_York"))


@pytest.fixture
def loaded(db):
    with time_machine.travel(TODAY, tick=False):
        demo.load()
        yield


def test_drills_at_both_schools_across_the_year_and_the_districts_policy(loaded):
    by_school = {
        slug: [drills.drill_status(d) for d in Drill.objects.filter(school__slug=slug)]
        for slug in ("northside-high", "riverside-middle")
    }
    assert by_school["northside-high"].count("done") == 4
    assert by_school["northside-high"].count("overdue") == 1
    assert by_school["northside-high"].count("scheduled") == 3
    assert by_school["riverside-middle"].count("done") == 3
    assert by_school["riverside-middle"].count("scheduled") == 2
    done = Drill.objects.exclude(logged_at=None)
    first, _after = drills.year_bounds(2026, 8)
    for drill in done:
        assert drill.started_at.date() >= first and drill.ended_at.date() < TODAY.date()
        assert drill.participants and drill.duration > dt.timedelta(0)
        assert drill.started_at.weekday() < 5
    assert done.filter(off_system=True).count() == 2
    through_haven = done.filter(off_system=False)
    assert all(d.incident and d.incident.drill and not d.incident.active for d in through_haven)

    # The district's own policy, marked as policy, not law.
    rows = DrillRequirement.objects.all()
    assert rows.count() == len(emergencies_demo.REQUIREMENTS)
    assert all(r.district and not r.jurisdiction and "not any state's law" in r.note for r in rows)
    northside = School.objects.get(slug="northside-high")
    lines = {(x.protocol, x.kind): x for x in compliance.compliance(northside, today=TODAY.date())}
    assert lines[("lockdown", "")].done == 1
    assert lines[("evacuate", "fire")].done == 2
    assert lines[("secure", "")].done == 0


def test_the_past_incident_timeline_loading_twice_and_the_pages(loaded, client_for):
    incident = Incident.objects.get(drill=False, note=emergencies_demo.INCIDENT_NOTE)
    assert incident.school.slug == "northside-high" and not incident.active
    assert incident.raised_at < incident.all_clear_at < TODAY
    events = list(incident.events.all())
    kinds = [e.kind for e in events]
    assert kinds[0] == "raised" and kinds[-1] == "all_clear"
    assert [e.data["protocol"] for e in events if e.kind == "protocol_changed"] == [
        "lockdown",
        "secure",
    ]
    assert kinds.count("update") == 1 and kinds.count("release") == 4
    assert [e.at for e in events] == sorted(e.at for e in events)
    recipients = audience.recipients(incident).count()
    acks = Acknowledgement.objects.filter(incident=incident).count()
    assert recipients - 1 == acks == kinds.count("ack")
    sections = Section.objects.filter(school=incident.school).count()
    assert (
        RollCall.objects.filter(incident=incident).count() == sections == kinds.count("roll_call")
    )
    assert RollCallEntry.objects.filter(roll_call__incident=incident, status="injured").count() == 1
    assert Release.objects.filter(incident=incident, refused=False).count() == 4
    assert all(r.guardian for r in Release.objects.filter(incident=incident))
    assert incident.alerts.count() == 5
    assert Delivery.objects.filter(alert__incident=incident, status="delivered").count() == (
        5 * recipients
    )

    # Loading again (another day) adds nothing.
    counts = (Drill.objects.count(), Incident.objects.count(), RollCallEntry.objects.count())
    with time_machine.travel(TODAY + dt.timedelta(days=3), tick=False):
        demo.load()
    assert (
        Drill.objects.count(),
        Incident.objects.count(),
        RollCallEntry.objects.count(),
    ) == counts

    # The pages show it.
    principal = User.objects.get(username="principal")
    with time_machine.travel(TODAY, tick=False):
        page = client_for(principal).get(f"/emergencies/{incident.pk}/")
        assert page.status_code == 200
        assert "Suspect reported inside the building" in page.content.decode()
        drills_page = client_for(principal).get("/emergencies/drills/?school=northside-high")
        body = drills_page.content.decode()
    assert drills_page.status_code == 200
    assert "Overdue" in body and "Tornado drill with the county" not in body  # notes stay inside
    assert 'data-testid="done-evacuate-fire">2<' in body
