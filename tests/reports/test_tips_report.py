"""The tip-line report against figures counted by hand (see ``tips_world``)."""

from __future__ import annotations

import pytest
import time_machine

from haven.reports import filters as report_filters
from haven.reports.tips import tip_report
from tests.reports.conftest import NOW


def report(user, **query):
    filters = report_filters.read(user, "tips", query, categories=None)
    return tip_report(user, filters, now=NOW)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def test_principal_sees_their_school_in_the_school_year(principal, tips_world):
    found = report(principal, year="2026-27")
    assert found["total"] == 4  # t1-t4; not t6 (year before), t5 (riverside), t7 (district)
    assert found["by_category"]["bullying"] == 2
    assert found["by_category"]["weapon"] == 2
    assert found["by_category"]["self_harm"] == 0
    assert found["life_safety"] == 2 and found["not_life_safety"] == 2
    assert found["online"] == 1 and found["in_person"] == 3
    assert found["with_files"] == 1
    assert found["dialogue_rate"] == 0.5  # t1 and t3
    assert found["dispositions"]["resolved"] == 1
    assert found["dispositions"]["case_opened"] == 1
    assert found["dispositions"]["false"] == 1
    assert found["dispositions"]["unfounded"] == 0
    assert found["duplicates"] == 0
    assert found["escalations_by_tier"] == {"2": 1}
    assert found["self_reports"] is None and "self_vs_others" in found["not_recorded"]


def test_months_are_local_calendar_months(principal, tips_world):
    found = report(principal, year="2026-27")
    # t1 was sent at 23:30 on 31 October in New York: 1 November in UTC, October here.
    assert found["by_month"] == {"2026-10": 1, "2026-11": 3}
    one_day = report(principal, **{"from": "2026-11-01", "to": "2026-11-01"})
    assert one_day["total"] == 1  # t2 only (00:10 local), not t1


def test_time_to_acknowledge_and_close(principal, tips_world):
    found = report(principal, year="2026-27")
    # acknowledged in 10, 3, 8 minutes -> [3, 8, 10]: median 8; p90 rank 1.8 -> 8 + 0.8 x 2
    assert found["time_to_acknowledge"] == {"n": 3, "median_minutes": 8.0, "p90_minutes": 9.6}
    # closed in 120, 60, 30 -> [30, 60, 120]: median 60; p90 60 + 0.8 x 60
    assert found["time_to_close"] == {"n": 3, "median_minutes": 60.0, "p90_minutes": 108.0}
    by_life = found["time_to_acknowledge_by_life_safety"]
    assert by_life["life_safety"] == {"n": 2, "median_minutes": 5.5, "p90_minutes": 7.5}
    assert by_life["not_life_safety"] == {"n": 1, "median_minutes": 10.0, "p90_minutes": 10.0}
    assert found["time_to_acknowledge_by_category"]["weapon"]["median_minutes"] == 5.5


def test_breaches_of_the_school_limit_are_listed(principal, tips_world):
    found = report(principal, year="2026-27")
    assert found["breaches"] == 2
    listed = {row["tip"]: row for row in found["breaching_tips"]}
    assert set(listed) == {tips_world["t3"].pk, tips_world["t4"].pk}
    assert listed[tips_world["t3"].pk]["limit_minutes"] == 5
    assert listed[tips_world["t3"].pk]["minutes_to_acknowledge"] == 8.0
    assert listed[tips_world["t4"].pk]["limit_minutes"] == 24 * 60
    assert listed[tips_world["t4"].pk]["acknowledged"] is False
    # Life-safety first.
    assert found["breaching_tips"][0]["tip"] == tips_world["t3"].pk


def test_a_school_setting_changes_the_limit(principal, tips_world, northside):
    from haven.tips.models import SchoolTipSettings

    SchoolTipSettings.objects.create(school=northside, life_safety_ack_minutes=10)
    assert report(principal, year="2026-27")["breaches"] == 1  # t4 only


def test_district_admin_sees_every_school_and_the_district_page(people, tips_world):
    found = report(people["admin"], year="2026-27")
    assert found["total"] == 6  # t1-t5 and t7
    assert found["by_school"] == {"northside-high": 4, "riverside-middle": 1, "": 1}
    assert found["duplicates"] == 1
    assert found["escalations_by_tier"] == {"1": 1, "2": 1}


def test_category_filter(people, tips_world):
    found = report(people["admin"], year="2026-27", category="weapon")
    assert found["total"] == 2
    assert found["by_category"] == {"weapon": 2}


def test_per_thousand_students(principal, tips_world, northside):
    from haven.core.models import Student

    Student.objects.bulk_create(
        Student(school=northside, given_name="S", family_name=str(n), grade="9") for n in range(8)
    )
    found = report(principal, year="2026-27")
    assert found["students"] == 8
    assert found["per_1000_students"] == 500.0  # 4 tips / 8 students x 1000


def test_the_report_names_nobody(principal, tips_world):
    text = str(report(principal, year="2026-27"))
    assert "A hand-made tip" not in text and "principal" not in text
