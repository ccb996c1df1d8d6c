"""The percentile arithmetic: the database's (percentile_cont on PostgreSQL, window functions on
SQLite) and the reference in Python agree with figures worked out by hand."""

from __future__ import annotations

import pytest
from django.db.models import F
from hypothesis import given, settings
from hypothesis import strategies as st

from haven.reports.stats import Minutes, percentile, percentiles
from haven.tips.models import Tip
from tests.reports.conftest import at, make_tip


def test_percentile_by_hand():
    # rank = p x (n - 1): median of 4 values is halfway between the 2nd and 3rd.
    assert percentile([1, 2, 4, 10], 0.5) == 3
    # 0.9 x 3 = 2.7: 4 + 0.7 x (10 - 4) = 8.2
    assert percentile([1, 2, 4, 10], 0.9) == pytest.approx(8.2)
    assert percentile([7], 0.9) == 7
    assert percentile([], 0.5) is None


@given(st.lists(st.floats(min_value=0, max_value=1e6), min_size=1, max_size=50))
def test_percentile_lies_between_the_values_around_it(values):
    values = sorted(values)
    for p in (0.5, 0.9):
        found = percentile(values, p)
        assert values[0] <= found <= values[-1]


ACK = Minutes(F("acknowledged_at"), F("created_at"))


def test_database_median_and_p90(northside):
    for minutes in (1, 2, 4, 10):
        make_tip(northside, at(2026, 9, 1, 10), ack_minutes=minutes)
    make_tip(northside, at(2026, 9, 1, 10))  # not acknowledged: left out
    found = percentiles(Tip.objects.all(), ACK)[None]
    assert found == {"n": 4, "median_minutes": 3.0, "p90_minutes": 8.2}


def test_database_percentiles_per_group(northside):
    for minutes in (5, 1, 3):
        make_tip(northside, at(2026, 9, 1, 10), category="weapon", ack_minutes=minutes)
    for minutes in (30, 60):
        make_tip(northside, at(2026, 9, 1, 10), category="bullying", ack_minutes=minutes)
    make_tip(northside, at(2026, 9, 1, 10), category="drugs_alcohol", ack_minutes=12)
    found = percentiles(Tip.objects.all(), ACK, "category")
    assert found["weapon"] == {"n": 3, "median_minutes": 3.0, "p90_minutes": 4.6}
    assert found["bullying"] == {"n": 2, "median_minutes": 45.0, "p90_minutes": 57.0}
    assert found["drugs_alcohol"] == {"n": 1, "median_minutes": 12.0, "p90_minutes": 12.0}
    assert set(found) == {"weapon", "bullying", "drugs_alcohol"}


@settings(max_examples=8, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=100_000), min_size=1, max_size=25))
@pytest.mark.django_db
def test_database_agrees_with_the_reference(minutes):
    from haven.core.models import District, School

    Tip.objects.all().delete()
    district, _ = District.objects.get_or_create(slug="d", defaults={"name": "D"})
    school, _ = School.objects.get_or_create(slug="s", defaults={"name": "S", "district": district})
    for m in minutes:
        make_tip(school, at(2026, 9, 1, 10), ack_minutes=m)
    found = percentiles(Tip.objects.all(), ACK)[None]
    ordered = sorted(float(m) for m in minutes)
    assert found["n"] == len(minutes)
    assert found["median_minutes"] == pytest.approx(round(percentile(ordered, 0.5), 1), abs=0.11)
    assert found["p90_minutes"] == pytest.approx(round(percentile(ordered, 0.9), 1), abs=0.11)
