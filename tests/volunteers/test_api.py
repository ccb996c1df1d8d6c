"""Volunteers through the API: the list, one volunteer with the reasons they are not eligible,
and hours per volunteer and school over a date range."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from haven.visitors import services as visitors
from haven.visitors.models import Visit
from haven.volunteers.models import Volunteer
from tests.conftest import signed_in
from tests.volunteers.world import applied, eligible

pytestmark = pytest.mark.django_db


def test_the_list_shows_each_volunteers_eligibility(people, northside, riverside):
    eligible(northside, people["coordinator"])
    applied(northside, first_name="Pia", email="pia@example.org")
    applied(riverside, first_name="Rita", email="rita@example.org")
    body = signed_in(people["coordinator"]).get("/api/v1/volunteers").json()
    assert [(v["name"], v["eligible"], v["check"]) for v in body] == [
        ("Nora Quinn", True, "cleared"),
        ("Pia Quinn", False, "none"),
    ]
    assert "date_of_birth" not in body[0]
    waiting = signed_in(people["coordinator"]).get("/api/v1/volunteers?status=applied").json()
    assert [v["name"] for v in waiting] == ["Pia Quinn"]
    other = signed_in(people["coordinator"]).get("/api/v1/volunteers?school=riverside-middle")
    assert other.status_code == 404


def test_one_volunteer_says_why_not_eligible(people, northside, riverside):
    volunteer = applied(northside)
    client = signed_in(people["coordinator"])
    body = client.get(f"/api/v1/volunteers/{volunteer.pk}").json()
    assert body["eligible"] is False and body["screening"] == "clear"
    assert body["reasons"] == [
        "The application has not been approved yet.",
        "No background check on record.",
    ]
    elsewhere = applied(riverside, first_name="Rita", email="rita@example.org")
    assert client.get(f"/api/v1/volunteers/{elsewhere.pk}").status_code == 404


def test_hours_over_a_date_range(people, northside):
    volunteer = eligible(northside, people["coordinator"])
    visit = visitors.check_in(
        people["frontdesk"],
        northside,
        visitors.typed("Nora", "Quinn", "1984-05-06"),
        purpose="Volunteering",
        kind="volunteer",
    )
    visitors.sign_out(people["frontdesk"], visit)
    Visit.objects.filter(pk=visit.pk).update(
        checked_out_at=visit.checked_in_at + dt.timedelta(hours=2)
    )
    client = signed_in(people["coordinator"])
    day = timezone.localtime(visit.checked_in_at).date()
    body = client.get(
        f"/api/v1/volunteers/hours?school=northside-high&from={day - dt.timedelta(days=1)}"
        f"&to={day + dt.timedelta(days=1)}"
    ).json()
    assert body["total"] == "2.00"
    assert body["per_volunteer"] == [
        {"id": volunteer.pk, "name": "Nora Quinn", "visits": 1, "hours": "2.00", "flagged": 0}
    ]
    assert body["per_school"][0]["name"] == "Northside High School"
    later = client.get(f"/api/v1/volunteers/hours?from={day + dt.timedelta(days=2)}").json()
    assert later["total"] == "0.00" and later["visits"] == []


def test_bad_dates_name_the_field(people, northside):
    client = signed_in(people["coordinator"])
    response = client.get("/api/v1/volunteers/hours?from=2026-13-01")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "from"
    response = client.get("/api/v1/volunteers/hours?from=2026-05-02&to=2026-05-01")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "to", "message": "is before 'from'"}]


def test_without_the_role_everything_is_a_404(people, northside):
    volunteer = applied(northside)
    client = signed_in(people["frontdesk"])
    for url in ("/api/v1/volunteers", f"/api/v1/volunteers/{volunteer.pk}"):
        assert client.get(url).status_code == 404
    assert Volunteer.objects.count() == 1
