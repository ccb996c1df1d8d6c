"""The cases report against figures counted by hand, equity suppression at the threshold."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from haven.cases.models import Case
from haven.core.models import Student
from haven.reports import filters as report_filters
from haven.reports.cases import case_report
from tests.conftest import signed_in
from tests.reports.conftest import NOW, at


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def students(school, grade, n):
    return Student.objects.bulk_create(
        Student(school=school, given_name="S", family_name=f"{grade}-{i}", grade=grade)
        for i in range(n)
    )


def cases(school, pupils, classifications, **fields):
    opened = fields.pop("opened_at", at(2026, 9, 15, 9))
    made = []
    for pupil, classification in zip(pupils, classifications, strict=False):
        made.append(
            Case.objects.create(
                school=school,
                student=pupil,
                type=fields.get("type", "threat"),
                classification=classification,
                source=fields.get("source", "referral"),
                opened_at=opened,
            )
        )
    return made


@pytest.fixture
def cases_world(northside, riverside):
    """northside: grade 9 (20 students, 10 cases: 4 serious substantive, 6 transient), grade 10
    (40 students, 13 cases: 10 serious substantive, 3 transient), grade 11 (5 students, 2
    transient cases), one case about someone not on the roster (self-harm, from a tip, closed
    after 3 days) and one closed after 7 days; riverside: one case; northside: one case of the
    year before."""
    nine, ten, eleven = (
        students(northside, "9", 20),
        students(northside, "10", 40),
        students(northside, "11", 5),
    )
    cases(northside, nine, ["serious_substantive"] * 4 + ["transient"] * 6)
    grade_ten = cases(northside, ten, ["serious_substantive"] * 10 + ["transient"] * 3)
    cases(northside, eleven, ["transient"] * 2, type="self_harm")
    unknown = Case.objects.create(
        school=northside,
        unknown_person="someone",
        type="self_harm",
        source="tip",
        opened_at=at(2026, 10, 1, 9),
        closed_at=at(2026, 10, 4, 9),
        status="closed",
    )
    closed = grade_ten[0]
    closed.closed_at, closed.status = closed.opened_at + dt.timedelta(days=7), "closed"
    closed.save()
    cases(riverside, students(riverside, "7", 3), ["transient"])
    cases(northside, nine[:1], ["transient"], opened_at=at(2025, 9, 1, 9))
    return {"unknown": unknown}


def report(user, **query):
    return case_report(user, report_filters.read(user, "cases", query))


def test_counts(principal, cases_world):
    found = report(principal, year="2026-27")
    assert found["total"] == 26
    assert found["by_type"] == {"threat": 23, "self_harm": 3, "both": 0}
    assert found["by_classification"] == {
        "transient": 11,
        "serious_substantive": 14,
        "very_serious_substantive": 0,
    }
    assert found["unclassified"] == 1
    assert found["by_referral_source"]["tip"] == 1
    assert found["by_referral_source"]["referral"] == 25
    assert found["by_status"] == {"open": 24, "closed": 2}
    assert found["students"] == 65
    assert found["per_1000_students"] == 400.0  # 26 / 65 x 1000
    # closed after 3 and 7 days: median 5, p90 3 + 0.9 x 4
    assert found["days_open"]["closed"] == {"n": 2, "median_days": 5.0, "p90_days": 6.6}
    assert found["outcome"] is None and "outcome" in found["not_recorded"]["figures"]


def test_equity_rates_ratios_and_suppression(principal, cases_world):
    groups = {g["value"]: g for g in report(principal, year="2026-27")["equity"]["groups"]}
    # grade 9: 10 of 20 referred = 500 per 1,000; everyone else 15 of 45: ratio 1.5
    assert groups["9"]["referral"] == {
        "count": 10,
        "rate_per_1000": 500.0,
        "rate_ratio": 1.5,
        "suppressed": False,
    }
    # grade 9's 4 substantive cases are under 10: suppressed
    assert groups["9"]["substantive"] == {
        "count": None,
        "rate_per_1000": None,
        "rate_ratio": None,
        "suppressed": True,
    }
    # grade 10: 13 of 40 = 325; others 12 of 25 = 0.48: ratio 0.68
    assert groups["10"]["referral"]["rate_ratio"] == 0.68
    # exactly 10 substantive (the threshold) is shown: 250 per 1,000; others 4 of 25: 1.56
    assert groups["10"]["substantive"] == {
        "count": 10,
        "rate_per_1000": 250.0,
        "rate_ratio": 1.56,
        "suppressed": False,
    }
    # grade 11: 5 students, 2 cases: suppressed
    assert groups["11"]["referral"]["suppressed"] is True
    assert groups["9"]["suspension"] is None
    assert report(principal, year="2026-27")["equity"]["unmatched_cases"] == 1


def test_threshold_is_a_setting(principal, cases_world, settings):
    settings.HAVEN_REPORT_SUPPRESS_BELOW = 11
    groups = {g["value"]: g for g in report(principal, year="2026-27")["equity"]["groups"]}
    assert groups["10"]["substantive"]["suppressed"] is True
    assert groups["10"]["referral"]["count"] == 13
    assert groups["9"]["referral"]["suppressed"] is True


def test_api_answers_with_null_and_the_flag(principal, cases_world):
    body = signed_in(principal).get("/api/v1/reports/cases", {"year": "2026-27"}).json()
    nine = next(g for g in body["equity"]["groups"] if g["value"] == "9")
    assert nine["substantive"]["count"] is None and nine["substantive"]["suppressed"] is True
    assert body["by_classification"]["serious_substantive"] == 14


def test_principal_does_not_count_another_school(principal2, cases_world):
    assert report(principal2, year="2026-27")["total"] == 1
