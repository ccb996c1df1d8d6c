"""The coordinator's volunteer list and the API's list say the same thing about each volunteer as
eligibility decides for one alone, though they read prefetched checks, trainings and the district's
required trainings (that they ask no query per volunteer is held in tests/web/test_query_counts.py,
with these volunteers); and the daily expiry scan asks the same number of times for 3 and 30."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from haven.volunteers import eligibility as rules
from haven.volunteers import services
from haven.volunteers.models import Volunteer
from tests.conftest import signed_in
from tests.volunteers.world import applied, eligible, training

pytestmark = pytest.mark.django_db

STATES = ("eligible", "check_expired", "training_missing", "applied", "training_expired")


def make(state: str, n: int, school: Any, coordinator: Any) -> Volunteer:
    """A volunteer at ``school`` in ``state``, named after it so that a row can be found."""
    names: dict[str, Any] = {
        "first_name": f"V{n:02d}",
        "last_name": state.title(),
        "email": f"v{n}@example.org",
    }
    if state == "eligible":
        return eligible(school, coordinator, **names)
    if state == "check_expired":  # cleared three years ago: expired (renewal every two)
        return eligible(school, coordinator, cleared_days_ago=3 * 366, **names)
    if state == "training_expired":  # check still valid, the 12-month training is not
        return eligible(school, coordinator, cleared_days_ago=400, **names)
    volunteer = applied(school, **names)
    if state == "training_missing":
        services.approve(coordinator, volunteer)
        cleared = timezone.localdate() - dt.timedelta(days=30)
        services.record_check(
            coordinator,
            volunteer,
            status="cleared",
            requested_on=cleared - dt.timedelta(days=10),
            cleared_on=cleared,
        )
    volunteer.refresh_from_db()
    return volunteer


def populate(count: int, school: Any, coordinator: Any) -> None:
    existing = Volunteer.objects.count()
    for n in range(existing, count):
        make(STATES[n % len(STATES)], n, school, coordinator)


def row(body: str, name: str) -> str:
    """The list's table row for the volunteer called ``name``."""
    found = [r for r in re.findall(r"<tr>.*?</tr>", body, re.S) if f">{name}</a>" in r]
    assert len(found) == 1, name
    return found[0]


def badges(text: str) -> list[tuple[str, str]]:
    """(tone, word) of every badge in ``text``."""
    return [
        (tone, word.strip())
        for tone, word in re.findall(
            r'<span class="badge ([a-z]+)">.*?</svg>\s*([^<]*?)\s*</span>', text, re.S
        )
    ]


@pytest.fixture
def district_training(district):
    return training(district)


def test_each_row_says_the_same_as_eligibility_decides(people, northside, district_training):
    coordinator = people["coordinator"]
    populate(len(STATES), northside, coordinator)
    body = signed_in(coordinator).get("/volunteers/").content.decode()
    expected = {
        "V00 Eligible": [("done", "Approved"), ("done", "Check cleared"), ("done", "Yes")],
        "V01 Check_Expired": [("done", "Approved"), ("life", "Check expired"), ("high", "No")],
        "V02 Training_Missing": [("done", "Approved"), ("done", "Check cleared"), ("high", "No")],
        "V03 Applied": [
            ("high", "Applied: waiting for a decision"),
            ("high", "No check"),
            ("high", "No"),
        ],
        "V04 Training_Expired": [("done", "Approved"), ("done", "Check cleared"), ("high", "No")],
    }
    for name, words in expected.items():
        assert badges(row(body, name)) == words, name
    # the page and a volunteer read on their own (no prefetch) agree, reason for reason
    for volunteer in Volunteer.objects.all():
        alone = services.eligibility(Volunteer.objects.get(pk=volunteer.pk))
        listed = services.eligibility(
            rules.for_eligibility(Volunteer.objects.filter(pk=volunteer.pk)).get(),
            required=rules.required_trainings([volunteer.district_id]),
        )
        assert alone == listed, volunteer.name
        assert alone.eligible == volunteer.last_name.startswith("Eligible")


def test_the_api_list_says_what_eligibility_decides(people, northside, district_training):
    coordinator = people["coordinator"]
    populate(len(STATES), northside, coordinator)
    body = signed_in(coordinator).get("/api/v1/volunteers").json()
    by_name = {v["name"]: (v["eligible"], v["check"]) for v in body}
    assert by_name["V00 Eligible"] == (True, "cleared")
    assert by_name["V01 Check_Expired"] == (False, "expired")
    assert by_name["V02 Training_Missing"] == (False, "cleared")
    assert by_name["V03 Applied"] == (False, "none")


def test_the_daily_expiry_scan_asks_the_same_number_of_times_for_3_and_30_volunteers(
    people, northside, district_training
):
    """The scan reads every approved volunteer's current check; nobody here needs a notice (the
    expired ones are told on the first scan), so each scan only reads."""
    coordinator = people["coordinator"]
    populate(3, northside, coordinator)
    services.notify_expiring()
    with CaptureQueriesContext(connection) as few:
        services.notify_expiring()
    populate(30, northside, coordinator)
    services.notify_expiring()
    with CaptureQueriesContext(connection) as many:
        assert services.notify_expiring() == 0
    assert len(many) == len(few)
