"""Drill requirements that say when (within days of the year's start, per semester, a month
window), the loader that reads them beside old files, and the drills report's statuses."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from haven.emergencies.drills import compliance
from haven.emergencies.models import Drill, DrillRequirement
from tests.conftest import signed_in
from tests.reports.conftest import at

TODAY = at(2026, 12, 1, 12)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


def drill(school, when, protocol="lockdown", kind="", done=True):
    return Drill.objects.create(
        school=school,
        protocol=protocol,
        kind=kind,
        scheduled_for=when,
        started_at=when if done else None,
        logged_at=when if done else None,
    )


@pytest.fixture
def requirements(district):
    # One within the first 30 days, two per semester, one fire drill in September-October, and
    # four lockdowns a year (an old-style row).
    DrillRequirement.objects.create(
        district=district, protocol="evacuate", kind="fire", per_year=1, due_within_days=30
    )
    DrillRequirement.objects.create(
        district=district, protocol="shelter", per_year=2, period="semester"
    )
    DrillRequirement.objects.create(
        district=district, protocol="hold", per_year=1, month_from=9, month_to=10
    )
    DrillRequirement.objects.create(district=district, protocol="lockdown", per_year=4)


def test_windows_count_only_drills_inside_them(northside, requirements):
    drill(northside, at(2026, 8, 20, 10), "evacuate", "fire")  # inside the first 30 days
    drill(northside, at(2026, 8, 20, 10), "shelter")
    drill(northside, at(2026, 9, 20, 10), "shelter")
    drill(northside, at(2026, 10, 5, 10), "shelter")  # a third in semester 1 does not count twice
    drill(northside, at(2026, 11, 5, 10), "hold")  # outside September-October
    drill(northside, at(2026, 9, 1, 10))
    drill(northside, at(2027, 1, 10, 10), done=False)  # a lockdown scheduled
    lines = {
        line.protocol: line
        for line in compliance.compliance(northside, 2026, today=dt.date(2026, 12, 1))
    }
    assert (lines["evacuate"].required, lines["evacuate"].done) == (1, 1)
    assert lines["evacuate"].deadline == dt.date(2026, 8, 31)
    assert (lines["shelter"].required, lines["shelter"].done) == (4, 2)
    assert (lines["hold"].required, lines["hold"].done) == (1, 0)
    assert lines["hold"].status == "behind"  # the window closed on 31 October
    assert (lines["lockdown"].required, lines["lockdown"].done) == (4, 1)
    assert lines["lockdown"].scheduled == 1


def test_report_statuses(principal, northside, requirements):
    drill(northside, at(2026, 8, 25, 10), "evacuate", "fire")
    drill(northside, at(2026, 9, 1, 10))
    for month in (1, 2, 3):
        drill(northside, at(2027, month, 10, 10), done=False)
    response = signed_in(principal).get(
        "/api/v1/reports/drills", {"school": "northside-high", "year": "2026-27"}
    )
    assert response.status_code == 200
    rows = {row["protocol"]: row for row in response.json()["rows"]}
    assert {k: (r["required"], r["done"], r["status"]) for k, r in rows.items()} == {
        "evacuate": (1, 1, "done"),
        "shelter": (4, 0, "not_scheduled"),
        "hold": (1, 0, "out_of_compliance"),
        "lockdown": (4, 1, "scheduled"),  # one done and three scheduled
    }
    assert rows["evacuate"]["due"] == "2026-08-30"
    assert response.json()["by_status"] == {
        "done": 1,
        "scheduled": 1,
        "not_scheduled": 1,
        "out_of_compliance": 1,
    }


def test_old_files_load_as_before(district):
    old = {"jurisdiction": "ZZ", "protocol": "lockdown", "per_year": 2, "source": "Rule 1"}
    assert compliance.load_requirements({"requirements": [old]}) == 1
    row = DrillRequirement.objects.get()
    assert (row.period, row.due_within_days, row.month_from) == ("year", None, None)


def test_a_file_can_say_when(district):
    rows = [
        {
            "jurisdiction": "ZZ",
            "protocol": "evacuate",
            "kind": "fire",
            "per_year": 1,
            "due_within_days": 30,
            "source": "Rule 2",
        },
        {
            "jurisdiction": "ZZ",
            "protocol": "evacuate",
            "kind": "fire",
            "per_year": 4,
            "source": "Rule 2",
        },
        {
            "jurisdiction": "ZZ",
            "protocol": "shelter",
            "per_year": 1,
            "period": "semester",
            "source": "Rule 3",
        },
        {
            "jurisdiction": "ZZ",
            "protocol": "hold",
            "per_year": 1,
            "months": [11, 2],
            "source": "Rule 4",
        },
    ]
    assert compliance.load_requirements({"requirements": rows}) == 4
    # Both fire rows stay: "one within 30 days" and "four a year" are two requirements.
    assert DrillRequirement.objects.filter(protocol="evacuate").count() == 2
    hold = DrillRequirement.objects.get(protocol="hold")
    assert (hold.month_from, hold.month_to) == (11, 2)
    assert compliance.windows(hold, 2026, 8) == [(dt.date(2026, 11, 1), dt.date(2027, 3, 1))]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"period": "quarter"}, "period"),
        ({"due_within_days": 0}, "due_within_days"),
        ({"due_within_days": "30"}, "due_within_days"),
        ({"months": [13, 2]}, "months"),
        ({"months": [9]}, "months"),
        ({"period": "semester", "due_within_days": 30}, "period"),
    ],
)
def test_bad_windows_are_named(district, extra, field):
    row = {"jurisdiction": "ZZ", "protocol": "hold", "per_year": 1, "source": "R", **extra}
    with pytest.raises(ValidationError) as caught:
        compliance.load_requirements({"requirements": [row]})
    assert field in caught.value.message_dict
    assert not DrillRequirement.objects.exists()
