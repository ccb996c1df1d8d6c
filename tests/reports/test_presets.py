"""The statutory presets (Haven's reading of Colorado's and Pennsylvania's annual reports) against
the hand-counted tips of ``tips_world``."""

from __future__ import annotations

import pytest
import time_machine

from haven.reports import filters as report_filters
from haven.reports.presets import colorado_report, pennsylvania_report
from tests.conftest import signed_in
from tests.reports.conftest import NOW


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def _filters(user, area):
    return report_filters.read(user, area, {"year": "2026-27"})


def test_colorado_preset(principal, tips_world):
    found = colorado_report(principal, _filters(principal, "safe2tell"))
    assert found["total"] == 4
    assert found["by_category_month"] == {
        "bullying": {"2026-10": 1, "2026-11": 1},  # t1 on 31 October, local time
        "weapon": {"2026-11": 2},
    }
    assert found["misuse"] == 1 and found["used_to_harm_another"] == 1  # t3, a false report
    assert found["misuse_by_category"] == {"weapon": {"prank": 0, "false": 1}}
    assert found["life_safety"] == 2
    # t2 and t3: 3 and 8 minutes; the median 5.5, the 90th percentile 3 + 0.9 * 5.
    assert found["life_safety_time_to_acknowledge"] == {
        "n": 2,
        "median_minutes": 5.5,
        "p90_minutes": 7.5,
    }
    assert found["reporters_in_crisis"] is None
    assert "reporters_in_crisis" in found["not_recorded"]
    assert "reading" in found["reading"]


def test_pennsylvania_preset(principal, tips_world):
    found = pennsylvania_report(principal, _filters(principal, "safe2say"))
    assert found["by_event_type"]["bullying"] == 2 and found["by_event_type"]["weapon"] == 2
    assert found["false_reports"] == 1 and found["pranks"] == 0
    assert found["staff_trained"] == 0 and found["staff_assigned_training"] == 0
    assert found["students_trained"] is None and "students_trained" in found["not_recorded"]


def test_preset_pages(principal, teacher, tips_world):
    client = signed_in(principal)
    page = client.get("/reports/safe2tell/?year=2026-27")
    body = page.content.decode()
    assert page.status_code == 200 and 'role="img"' in body
    assert "Misuse by category" in body
    assert client.get("/reports/safe2say/?year=2026-27").status_code == 200
    assert client.get("/reports/safe2tell/?category=nope").status_code == 400
    assert signed_in(teacher).get("/reports/safe2tell/").status_code == 403
