"""Eligibility — the one function that decides — and the renewal and expiry arithmetic."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from haven.volunteers import services
from haven.volunteers.eligibility import CheckState, add_months, add_years, check_state
from haven.volunteers.models import BackgroundCheck
from tests.volunteers.world import applied, eligible, training

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 1)
dates = st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2090, 12, 31))


# --- the arithmetic -------------------------------------------------------------------------------


@given(dates, st.integers(min_value=0, max_value=10))
def test_adding_years_keeps_the_day_or_falls_back_to_the_last_of_the_month(day, years):
    later = add_years(day, years)
    assert later.year == day.year + years and later.month == day.month
    assert later.day == day.day or (day.month, day.day, later.day) == (2, 29, 28)


@given(dates, st.integers(min_value=-120, max_value=120))
def test_adding_months_lands_in_the_right_month_never_past_its_end(day, months):
    later = add_months(day, months)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == months
    assert later.day <= day.day
    assert later.day == day.day or (later + dt.timedelta(days=1)).month != later.month


def test_a_leap_day_clearance_expires_on_the_28th_of_february():
    assert add_years(dt.date(2024, 2, 29), 2) == dt.date(2026, 2, 28)
    assert add_years(dt.date(2024, 2, 29), 4) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)


def _cleared(on: dt.date) -> BackgroundCheck:
    return BackgroundCheck(status=BackgroundCheck.Status.CLEARED, cleared_on=on)


@given(
    cleared=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 1, 1)),
    offset=st.integers(min_value=-1000, max_value=1000),
    years=st.integers(min_value=1, max_value=5),
    window=st.integers(min_value=0, max_value=120),
)
def test_the_state_of_a_cleared_check_follows_its_expiry(cleared, offset, years, window):
    from django.test import override_settings

    with override_settings(
        HAVEN_VOLUNTEER_CHECK_RENEWAL_YEARS=years, HAVEN_VOLUNTEER_EXPIRING_DAYS=window
    ):
        expires = add_years(cleared, years)
        day = expires + dt.timedelta(days=offset)
        state = check_state(_cleared(cleared), day)
        if day >= expires:
            assert state == CheckState.EXPIRED
        elif day >= expires - dt.timedelta(days=window):
            assert state == CheckState.EXPIRING
        else:
            assert state == CheckState.CLEARED


def test_the_renewal_period_is_a_setting(settings):
    check = _cleared(dt.date(2020, 6, 1))
    settings.HAVEN_VOLUNTEER_CHECK_RENEWAL_YEARS = 2
    assert services.check_expires_on(check) == dt.date(2022, 6, 1)
    settings.HAVEN_VOLUNTEER_CHECK_RENEWAL_YEARS = 5
    assert services.check_expires_on(check) == dt.date(2025, 6, 1)
    assert check_state(check, dt.date(2025, 5, 31)) == CheckState.EXPIRING
    assert check_state(check, dt.date(2025, 6, 1)) == CheckState.EXPIRED


# --- the reasons ----------------------------------------------------------------------------------


def test_an_approved_cleared_trained_volunteer_is_eligible(people, northside):
    training(northside.district)
    volunteer = eligible(northside, people["coordinator"])
    status = services.eligibility(volunteer, northside)
    assert status.eligible and status.reasons == [] and status.check_state == "cleared"


def test_a_new_application_is_not_eligible_and_says_every_reason(northside):
    training(northside.district, "Orientation", None)
    status = services.eligibility(applied(northside))
    assert not status.eligible
    assert status.reasons == [
        "The application has not been approved yet.",
        "No background check on record.",
        "Required training not completed: Orientation.",
    ]


def test_an_expired_check_makes_a_volunteer_ineligible(people, northside, settings):
    settings.HAVEN_VOLUNTEER_CHECK_RENEWAL_YEARS = 2
    with time_machine.travel(dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC), tick=False):
        volunteer = eligible(northside, people["coordinator"], cleared_days_ago=0)
        assert services.eligibility(volunteer).eligible
    with time_machine.travel(dt.datetime(2026, 2, 1, 12, tzinfo=dt.UTC), tick=False):
        status = services.eligibility(volunteer)
        assert status.eligible and status.check_state == "expiring"
        assert status.warnings and "renewal" in status.warnings[0]
    with time_machine.travel(dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC), tick=False):
        status = services.eligibility(volunteer)
        assert not status.eligible and status.check_state == "expired"
        assert status.reasons == ["The background check expired on 03/01/2026."]


def test_missing_and_expired_training_are_reasons(people, northside):
    coordinator = people["coordinator"]
    volunteer = eligible(northside, coordinator)
    reporter = training(northside.district, "Mandated reporter", 12)
    status = services.eligibility(volunteer)
    assert status.reasons == ["Required training not completed: Mandated reporter."]
    services.record_training(coordinator, volunteer, reporter, dt.date(2020, 1, 15))
    status = services.eligibility(volunteer)
    assert status.reasons == ["Required training expired on 01/15/2021: Mandated reporter."]
    services.record_training(coordinator, volunteer, reporter, timezone.localdate())
    assert services.eligibility(volunteer).eligible


def test_a_denied_check_and_a_declined_application_are_reasons(people, northside):
    coordinator = people["coordinator"]
    volunteer = eligible(northside, coordinator)
    services.record_check(coordinator, volunteer, status="pending")
    assert services.eligibility(volunteer).reasons == ["The background check is still pending."]
    services.record_check(coordinator, volunteer, status="denied")
    volunteer = services.decline(coordinator, volunteer, "Check denied")
    assert services.eligibility(volunteer).reasons == [
        "The application was declined.",
        "The background check was denied.",
    ]


def test_a_volunteer_is_eligible_only_at_their_schools(people, northside, riverside):
    volunteer = eligible(northside, people["coordinator"])
    assert services.eligibility(volunteer, riverside).reasons == [
        "Not a volunteer at Riverside Middle School."
    ]
