"""The volunteers' services: application → screening → approval → check-in → hours, the
coordinator's decisions, sign-up limits, and the daily expiry reminders."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from haven.audit.models import AuditEvent
from haven.notify.models import Notification
from haven.visitors import services as visitors
from haven.visitors.models import Visit, WatchlistEntry
from haven.volunteers import hours, services
from haven.volunteers.models import BackgroundCheck, Volunteer, VolunteerVisit
from tests.visitors import test_services as visitor_tests
from tests.volunteers.world import application, applied, eligible, training

small_registry = visitor_tests.small_registry  # the fixture, for the tests below

pytestmark = pytest.mark.django_db


def test_the_whole_flow_from_application_to_hours(people, northside, small_registry):
    coordinator, clerk = people["coordinator"], people["frontdesk"]
    reporter = training(northside.district)
    start = dt.datetime(2026, 4, 6, 8, 30, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        volunteer = applied(northside)
        assert volunteer.status == "applied" and volunteer.screening_outcome == "clear"
        # the coordinators of the school are told, without the applicant's name
        note = Notification.objects.get(user=coordinator, kind="volunteer_applied")
        assert "Quinn" not in note.title + note.body

        volunteer = services.approve(coordinator, volunteer)
        services.record_check(coordinator, volunteer, status="pending")
        services.record_check(
            coordinator, volunteer, status="cleared", cleared_on=timezone.localdate()
        )
        services.record_training(coordinator, volunteer, reporter, timezone.localdate())
        assert services.eligibility(volunteer, northside).eligible
        assert BackgroundCheck.objects.filter(volunteer=volunteer).count() == 1  # updated

        visit = visitors.check_in(
            clerk,
            northside,
            visitors.typed("NORA", "quinn", "1984-05-06"),
            purpose="Volunteering",
            kind=Visit.Kind.VOLUNTEER,
        )
        assert visit.kind == "volunteer" and visit.has_badge
        assert VolunteerVisit.objects.get(visit=visit).volunteer == volunteer
    with time_machine.travel(start + dt.timedelta(hours=2, minutes=45), tick=False):
        visitors.sign_out(clerk, visit, "badge")
    found = hours.rows(hours.in_range(VolunteerVisit.objects.all(), None, None))
    assert [(row.hours, row.open, row.flagged) for row in found] == [
        (hours.Decimal("2.75"), False, False)
    ]
    (total,) = hours.totals(found, "volunteer")
    assert (total.label, total.hours, total.visits) == ("Nora Quinn", hours.Decimal("2.75"), 1)
    actions = set(
        AuditEvent.objects.filter(object_type="volunteers.volunteer").values_list(
            "action", flat=True
        )
    )
    assert actions == {"create", "update"}
    assert AuditEvent.objects.filter(object_type="volunteers.backgroundcheck").count() == 2


def test_bad_applications_name_every_field_and_store_nothing(northside, riverside):
    other = type(northside).objects.create(
        district=type(northside.district).objects.create(name="Else", slug="else"),
        name="Elsewhere",
        slug="elsewhere",
    )
    with pytest.raises(ValidationError) as caught:
        services.apply(
            application(
                northside,
                first_name="",
                date_of_birth="2099-01-01",
                email="not-an-email",
                phone="call me",
                schools=[other],
                consent=False,
            ),
            northside.district,
        )
    assert set(caught.value.message_dict) == {
        "first_name",
        "date_of_birth",
        "email",
        "phone",
        "schools",
        "consent",
    }
    assert not Volunteer.objects.exists()


def test_a_child_cannot_apply(northside):
    born = (timezone.localdate() - dt.timedelta(days=365 * 10)).isoformat()
    with pytest.raises(ValidationError) as caught:
        applied(northside, date_of_birth=born)
    assert caught.value.message_dict["date_of_birth"] == [
        "Volunteers must be at least 14 years old."
    ]


def test_sensitive_fields_are_encrypted_at_rest(northside):
    from django.db import connection

    volunteer = applied(northside)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT date_of_birth, address, interests FROM volunteers_volunteer WHERE id = %s",
            [volunteer.pk],
        )
        row = cursor.fetchone()
    assert "1984" not in row[0] and "Elm" not in row[1] and "Reading" not in row[2]


def test_a_screening_match_blocks_approval(people, northside, small_registry):
    volunteer = applied(
        northside, first_name="William", last_name="Smith", date_of_birth="1975-03-14"
    )
    assert volunteer.screening_outcome == "match"
    with pytest.raises(ValidationError) as caught:
        services.approve(people["coordinator"], volunteer)
    assert "screening" in caught.value.message_dict
    volunteer.refresh_from_db()
    assert volunteer.status == "applied"


def test_a_possible_match_needs_an_explicit_answer_with_a_reason(people, northside):
    WatchlistEntry.objects.create(
        district=northside.district,
        kind="banned",
        first_name="Nora",
        last_name="Quinn",
        date_of_birth="",  # no date to compare: at most a possible match
        reason="Banned",
    )
    volunteer = applied(northside)
    assert volunteer.screening_outcome == "review"
    with pytest.raises(ValidationError) as caught:
        services.approve(people["principal"], volunteer)
    assert set(caught.value.message_dict) == {"not_listed", "reason"}
    volunteer = services.approve(
        people["principal"],
        volunteer,
        not_listed=True,
        reason="Different person: the listed Nora is 70",
    )
    assert volunteer.status == "approved" and volunteer.screening_answer == "no"
    event = AuditEvent.objects.filter(object_type="volunteers.volunteer", action="update").get()
    assert event.reason == "Not the person listed"
    assert "Born" not in str(event.detail)


def test_only_coordinators_of_the_volunteers_schools_decide(people, northside):
    volunteer = applied(northside)
    for name in ("teacher", "frontdesk", "principal2", "outsider"):
        with pytest.raises(PermissionDenied):
            services.approve(people[name], volunteer)
    services.approve(people["principal"], volunteer)


def test_declining_needs_a_reason(people, northside):
    volunteer = applied(northside)
    with pytest.raises(ValidationError) as caught:
        services.decline(people["coordinator"], volunteer, "  ")
    assert "reason" in caught.value.message_dict
    volunteer = services.decline(people["coordinator"], volunteer, "No availability")
    assert volunteer.status == "declined" and volunteer.decline_reason == "No availability"


def test_a_check_cannot_be_cleared_in_the_future_or_without_a_date(people, northside):
    volunteer = applied(northside)
    coordinator = people["coordinator"]
    for kwargs, field in (
        ({"status": "cleared"}, "cleared_on"),
        ({"status": "cleared", "cleared_on": dt.date(2999, 1, 1)}, "cleared_on"),
        ({"status": "denied", "cleared_on": dt.date(2020, 1, 1)}, "cleared_on"),
        ({"status": "lost"}, "status"),
    ):
        with pytest.raises(ValidationError) as caught:
            services.record_check(coordinator, volunteer, **kwargs)
        assert field in caught.value.message_dict
    assert not BackgroundCheck.objects.exists()


# --- the front desk -------------------------------------------------------------------------------


def test_an_ineligible_volunteer_is_told_why_and_nothing_is_stored(people, northside):
    applied(northside)
    with pytest.raises(ValidationError) as caught:
        visitors.check_in(
            people["frontdesk"],
            northside,
            visitors.typed("Nora", "Quinn", "1984-05-06"),
            purpose="Volunteering",
            kind="volunteer",
        )
    messages = caught.value.message_dict["kind"]
    assert "The application has not been approved yet." in messages
    assert messages[-1] == "Check them in as a visitor instead."
    assert not Visit.objects.exists()
    # as a plain visitor, through screening as usual
    visit = visitors.check_in(
        people["frontdesk"],
        northside,
        visitors.typed("Nora", "Quinn", "1984-05-06"),
        purpose="Meeting with staff",
    )
    assert visit.kind == "visitor" and not VolunteerVisit.objects.exists()


def test_someone_without_a_volunteer_record_cannot_get_a_volunteer_badge(people, northside):
    with pytest.raises(ValidationError) as caught:
        visitors.check_in(
            people["frontdesk"],
            northside,
            visitors.typed("Ann", "Lee", "1980-01-01"),
            purpose="Volunteering",
            kind="volunteer",
        )
    assert "No volunteer record" in caught.value.message_dict["kind"][0]


def test_the_same_name_with_another_birthday_is_not_the_volunteer(people, northside):
    eligible(northside, people["coordinator"])
    with pytest.raises(ValidationError):
        visitors.check_in(
            people["frontdesk"],
            northside,
            visitors.typed("Nora", "Quinn", "1984-05-07"),
            purpose="Volunteering",
            kind="volunteer",
        )


# --- sign-ups -------------------------------------------------------------------------------------


def _opportunity(coordinator, school, slots=1):
    start = timezone.now() + dt.timedelta(days=3)
    return services.post_opportunity(
        coordinator,
        school,
        title="Book fair",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        slots=slots,
    )


def test_a_full_opportunity_refuses_more_sign_ups(people, northside):
    coordinator = people["coordinator"]
    first = eligible(northside, coordinator)
    second = eligible(northside, coordinator, first_name="Omar", email="omar@example.org")
    opportunity = _opportunity(coordinator, northside, slots=1)
    services.sign_up(coordinator, opportunity, first)
    with pytest.raises(ValidationError) as caught:
        services.sign_up(coordinator, opportunity, second)
    assert caught.value.message_dict["opportunity"] == [
        "This opportunity is full (1 of 1 places taken)."
    ]
    with pytest.raises(ValidationError) as caught:
        services.sign_up(
            coordinator,
            _opportunity(coordinator, northside, 3),
            applied(northside, first_name="Pia", email="pia@example.org"),
        )
    assert "The application has not been approved yet." in caught.value.message_dict["volunteer"]


def test_a_volunteer_whose_check_expires_before_the_day_cannot_sign_up(people, northside, settings):
    settings.HAVEN_VOLUNTEER_CHECK_RENEWAL_YEARS = 1
    coordinator = people["coordinator"]
    volunteer = eligible(northside, coordinator, cleared_days_ago=364)
    with pytest.raises(ValidationError) as caught:
        services.sign_up(coordinator, _opportunity(coordinator, northside), volunteer)
    assert "expired" in caught.value.message_dict["volunteer"][0]


def test_bad_opportunities_are_refused(people, northside):
    start = timezone.now()
    with pytest.raises(ValidationError) as caught:
        services.post_opportunity(
            people["coordinator"],
            northside,
            title="",
            starts_at=start,
            ends_at=start,
            slots=0,
        )
    assert set(caught.value.message_dict) == {"title", "ends_at", "slots"}
    with pytest.raises(PermissionDenied):
        _opportunity(people["teacher"], northside)


# --- reminders ------------------------------------------------------------------------------------


def test_coordinators_are_told_once_of_an_expiring_and_once_of_an_expired_check(
    people, northside, settings
):
    settings.HAVEN_VOLUNTEER_CHECK_RENEWAL_YEARS = 1
    settings.HAVEN_VOLUNTEER_EXPIRING_DAYS = 30
    eligible(northside, people["coordinator"], cleared_days_ago=350)
    assert services.notify_expiring() == 1
    assert services.notify_expiring() == 0
    later = timezone.localdate() + dt.timedelta(days=20)
    assert services.notify_expiring(later) == 1
    titles = list(
        Notification.objects.filter(
            user=people["coordinator"], kind="volunteer_check_expiry"
        ).values_list("title", flat=True)
    )
    assert sorted(titles) == [
        "A volunteer's background check expires soon",
        "A volunteer's background check has expired",
    ]


def test_the_daily_task_runs_the_reminders(people, northside, settings):
    from haven.volunteers import tasks

    settings.HAVEN_VOLUNTEER_CHECK_RENEWAL_YEARS = 1
    eligible(northside, people["coordinator"], cleared_days_ago=400)
    assert tasks.notify_expiring_checks.call_local() == 1


# --- hours ----------------------------------------------------------------------------------------


def _visit(people, school, volunteer, minutes: float | None):
    visit = visitors.check_in(
        people["frontdesk"],
        school,
        visitors.typed(volunteer.first_name, volunteer.last_name, volunteer.date_of_birth),
        purpose="Volunteering",
        kind="volunteer",
    )
    if minutes is not None:
        visitors.sign_out(people["frontdesk"], visit)
        Visit.objects.filter(pk=visit.pk).update(
            checked_out_at=visit.checked_in_at + dt.timedelta(minutes=minutes)
        )
    visit.refresh_from_db()
    return visit


def test_open_visits_count_nothing_and_absurd_ones_are_capped_and_flagged(
    people, northside, settings
):
    settings.HAVEN_VOLUNTEER_MAX_VISIT_HOURS = 10
    volunteer = eligible(northside, people["coordinator"])
    _visit(people, northside, volunteer, 90)
    _visit(people, northside, volunteer, 60 * 30)
    _visit(people, northside, volunteer, None)
    found = hours.rows(hours.in_range(VolunteerVisit.objects.all(), None, None))
    summary = sorted((str(r.hours), r.open, r.flagged) for r in found)
    assert summary == [("0.00", True, False), ("1.50", False, False), ("10.00", False, True)]
    (total,) = hours.totals(found, "school")
    assert (total.hours, total.flagged, total.open) == (hours.Decimal("11.50"), 1, 1)


def test_hours_are_counted_by_the_schools_local_day(people, northside):
    volunteer = eligible(northside, people["coordinator"])
    visit = _visit(people, northside, volunteer, 60)
    day = timezone.localtime(visit.checked_in_at).date()
    qs = VolunteerVisit.objects.all()
    assert len(hours.rows(hours.in_range(qs, day, day))) == 1
    assert hours.rows(hours.in_range(qs, day + dt.timedelta(days=1), None)) == []
    assert hours.rows(hours.in_range(qs, None, day - dt.timedelta(days=1))) == []
