"""The visitors and volunteers report against figures counted by hand.

northside (year 2026-27):
  v1 visitor, "Meeting with staff", 2 Nov 09:00-09:30 (30 min), clear
  v2 visitor, a reason the desk wrote, 2 Nov 10:00-11:00 (60 min), a possible match from a
     watchlist, the desk answered "no, a different person"
  v3 visitor, "Picking up a student", 3 Nov 08:00, the registry's match, no badge issued
  v4 volunteer, "Volunteering", 3 Nov 12:00-15:00 (180 min), clear: 3 volunteer hours
riverside: v5 visitor, 4 Nov 09:00, still on site
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from haven.reports import filters as report_filters
from haven.reports.visits import visit_report
from haven.screening.models import Screening
from haven.visitors.models import Person, Visit
from haven.volunteers.models import Volunteer, VolunteerVisit
from tests.conftest import signed_in
from tests.reports.conftest import NOW, at


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def _visit(school, person, start, minutes=None, **fields):
    start = start.astimezone(dt.UTC)
    return Visit.objects.create(
        school=school,
        person=person,
        purpose=fields.pop("purpose", "Meeting with staff"),
        source="typed",
        outcome=fields.pop("outcome", "clear"),
        status=fields.pop("status", "signed_out" if minutes is not None else "on_site"),
        checked_in_at=start,
        checked_out_at=start + dt.timedelta(minutes=minutes) if minutes is not None else None,
        **fields,
    )


@pytest.fixture
def visits_world(district, northside, riverside):
    person = Person.objects.create(district=district, first_name="Pat", last_name="Visitor")
    registry = Screening.objects.create(
        first_name="Pat", last_name="Visitor", date_of_birth="1980-01-01", outcome="match"
    )
    _visit(northside, person, at(2026, 11, 2, 9), 30)
    _visit(
        northside,
        person,
        at(2026, 11, 2, 10),
        60,
        purpose="Fixing the boiler in room 12",
        outcome="review",
        review_answer="no",
    )
    _visit(
        northside,
        person,
        at(2026, 11, 3, 8),
        purpose="Picking up a student",
        outcome="match",
        status="refused",
        screening=registry,
    )
    v4 = _visit(
        northside, person, at(2026, 11, 3, 12), 180, kind="volunteer", purpose="Volunteering"
    )
    volunteer = Volunteer.objects.create(
        district=district,
        first_name="Val",
        last_name="Unteer",
        date_of_birth="1970-01-01",
        email="val@example.invalid",
        consented_at=NOW,
    )
    VolunteerVisit.objects.create(visit=v4, volunteer=volunteer)
    _visit(riverside, person, at(2026, 11, 4, 9))


def report(user, **query):
    filters = report_filters.read(user, "visits", query)
    return visit_report(user, filters)


def test_a_principal_counts_their_school_s_visits(principal, visits_world):
    found = report(principal, year="2026-27")
    assert found["total"] == 4
    assert found["visitors"] == 3 and found["volunteers"] == 1
    assert found["by_day"] == {"2026-11-02": 2, "2026-11-03": 2}
    assert found["by_school"] == {"northside-high": 4}
    assert found["by_reason"]["Meeting with staff"] == 1
    assert found["by_reason"]["Picking up a student"] == 1
    assert found["by_reason"]["Volunteering"] == 1
    assert found["by_reason"]["written_by_desk"] == 1
    assert "Fixing the boiler in room 12" not in str(found)  # never the desk's own words
    assert found["average_stay"] == {"n": 3, "average_minutes": 90.0}  # (30 + 60 + 180) / 3
    screening = found["screening"]
    assert screening["alerts"] == 2
    assert screening["possible_match"] == 1 and screening["match"] == 1
    assert screening["registry"] == 1 and screening["watchlist_only"] == 1
    assert screening["desk_answers"] == {"yes": 0, "no": 1, "not_sure": 0}
    assert found["refused"] == 1
    assert found["volunteer_hours"] == {
        "northside-high": {"visits": 1, "hours": "3.00", "open": 0, "flagged": 0}
    }
    assert found["volunteer_hours_total"] == "3.00"


def test_the_district_counts_every_school(people, visits_world):
    found = report(people["admin"], year="2026-27")
    assert found["total"] == 5 and found["still_on_site"] == 1
    assert found["by_day"]["2026-11-04"] == 1


def test_a_day_is_the_district_s_local_day(principal, district, northside):
    person = Person.objects.create(district=district, first_name="Late", last_name="Visitor")
    _visit(northside, person, at(2026, 10, 31, 23, 30), 10)  # 1 November in UTC
    assert report(principal, year="2026-27")["by_day"] == {"2026-10-31": 1}


def test_the_visits_page_draws_its_charts_and_refuses_a_teacher(principal, teacher, visits_world):
    page = signed_in(principal).get("/reports/visits/?year=2026-27")
    body = page.content.decode()
    assert page.status_code == 200
    assert 'role="img"' in body and "Visits by reason" in body
    assert "Fixing the boiler" not in body
    csv_body = signed_in(principal).get("/reports/visits/by-reason.csv?year=2026-27")
    assert "Written by the desk,1" in csv_body.content.decode()
    pdf = signed_in(principal).get("/reports/visits/report.pdf?year=2026-27")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert signed_in(teacher).get("/reports/visits/").status_code == 403
