"""The coordinator's management of opportunities and training: cancelling an opportunity (with a
reason, the signed-up volunteers told by e-mail once it is committed, the sign-ups kept as history)
and changing a training requirement (its validity, optional, retired) — through the services and
through the pages."""

from __future__ import annotations

import datetime as dt
from functools import partial

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from haven.accounts.models import Role
from haven.audit.models import AuditEvent
from haven.core.models import District, School
from haven.volunteers import links, services
from haven.volunteers.models import SignUp, TrainingType, Volunteer
from tests.conftest import make_user, signed_in
from tests.volunteers.world import eligible, opportunity, training

pytestmark = pytest.mark.django_db

SHIFTS = "/volunteer/shifts/"


_opportunity = partial(opportunity, slots=5)


def _second(school, coordinator):
    return eligible(
        school,
        coordinator,
        first_name="Omar",
        last_name="Reyes",
        email="omar.reyes@example.org",
        date_of_birth="1979-02-03",
    )


def _audits(obj, action="update"):
    return list(
        AuditEvent.objects.filter(
            object_type=f"{obj._meta.app_label}.{obj._meta.model_name}",
            object_id=str(obj.pk),
            action=action,
        ).order_by("seq")
    )


# --- cancelling an opportunity: the service -------------------------------------------------------


def test_only_those_who_manage_volunteers_at_its_school_may_cancel(people, northside, riverside):
    opportunity = _opportunity(people["coordinator"], northside)
    elsewhere = make_user("coordinator2", Role.VOLUNTEER_COORDINATOR, riverside, riverside.district)
    for actor in (people["teacher"], people["principal2"], elsewhere, people["nobody"]):
        with pytest.raises(PermissionDenied):
            services.cancel_opportunity(actor, opportunity, "The hall is flooded.")
    opportunity.refresh_from_db()
    assert opportunity.cancelled_at is None and opportunity.cancel_reason == ""
    assert _audits(opportunity) == []


@pytest.mark.parametrize("reason", ["", "   \n ", None])
def test_a_reason_is_required(people, northside, reason):
    opportunity = _opportunity(people["coordinator"], northside)
    with pytest.raises(ValidationError) as caught:
        services.cancel_opportunity(people["coordinator"], opportunity, reason)
    assert "reason" in caught.value.message_dict
    opportunity.refresh_from_db()
    assert opportunity.cancelled_at is None and _audits(opportunity) == []


def test_a_reason_too_long_is_refused(people, northside):
    opportunity = _opportunity(people["coordinator"], northside)
    with pytest.raises(ValidationError) as caught:
        services.cancel_opportunity(people["coordinator"], opportunity, "x" * 2001)
    assert "reason" in caught.value.message_dict
    opportunity.refresh_from_db()
    assert opportunity.cancelled_at is None


def test_an_opportunity_already_cancelled_is_refused_naming_why(people, northside):
    opportunity = _opportunity(people["coordinator"], northside)
    services.cancel_opportunity(people["coordinator"], opportunity, "The hall is flooded.")
    with pytest.raises(ValidationError) as caught:
        services.cancel_opportunity(people["principal"], opportunity, "Again.")
    assert caught.value.message_dict == {"opportunity": ["This opportunity was already cancelled."]}
    opportunity.refresh_from_db()
    assert opportunity.cancel_reason == "The hall is flooded."
    assert len(_audits(opportunity)) == 1


def test_an_opportunity_that_is_over_is_refused_naming_why(people, northside):
    opportunity = _opportunity(people["coordinator"], northside, days=1)
    with time_machine.travel(opportunity.ends_at + dt.timedelta(minutes=1)):
        with pytest.raises(ValidationError) as caught:
            services.cancel_opportunity(people["coordinator"], opportunity, "Too late.")
    assert caught.value.message_dict == {
        "opportunity": ["This opportunity is over: it can no longer be cancelled."]
    }
    opportunity.refresh_from_db()
    assert opportunity.cancelled_at is None and _audits(opportunity) == []


def test_cancelling_tells_the_signed_up_volunteers_after_commit_and_keeps_the_history(
    people, northside, django_capture_on_commit_callbacks, mailoutbox
):
    coordinator = people["coordinator"]
    nora = eligible(northside, coordinator)
    omar = _second(northside, coordinator)
    lena = eligible(
        northside,
        coordinator,
        first_name="Lena",
        last_name="Park",
        email="lena.park@example.org",
        date_of_birth="1990-07-08",
    )
    opportunity = _opportunity(coordinator, northside)
    services.sign_up(coordinator, opportunity, nora)
    services.sign_up(coordinator, opportunity, omar)
    Volunteer.objects.filter(pk=omar.pk).update(email="")  # no address: nobody to tell
    other = _opportunity(coordinator, northside, title="Reading buddies")
    services.sign_up(coordinator, other, lena)  # not signed up for this one
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        cancelled = services.cancel_opportunity(
            coordinator, opportunity, "  The gym roof is being repaired.  "
        )
        assert mailoutbox == []  # nothing leaves before the commit
    assert len(callbacks) >= 1

    assert cancelled.cancelled_at is not None
    assert cancelled.cancel_reason == "The gym roof is being repaired."
    (mail,) = mailoutbox
    assert mail.to == ["nora.quinn@example.org"]
    assert "Book fair" in mail.subject
    assert "Hello Nora" in mail.body
    assert "Northside High School" in mail.body and "Book fair" in mail.body
    assert "The gym roof is being repaired." in mail.body
    # the sign-ups stay recorded
    assert set(
        SignUp.objects.filter(opportunity=opportunity).values_list("volunteer", flat=True)
    ) == {
        nora.pk,
        omar.pk,
    }
    (event,) = _audits(opportunity)
    assert event.actor == coordinator and event.school_id == northside.pk
    assert event.detail == {"cancelled": True, "signups": 2}
    assert "roof" not in str(event.detail)


def test_a_failed_cancellation_sends_nothing(
    people, northside, django_capture_on_commit_callbacks, mailoutbox
):
    coordinator = people["coordinator"]
    opportunity = _opportunity(coordinator, northside)
    services.sign_up(coordinator, opportunity, eligible(northside, coordinator))
    services.cancel_opportunity(coordinator, opportunity, "Flooded.")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ValidationError):
            services.cancel_opportunity(coordinator, opportunity, "Again.")
    assert callbacks == [] and mailoutbox == []


def test_a_cancelled_opportunity_leaves_the_upcoming_lists_and_refuses_sign_ups(
    client, people, northside
):
    coordinator = people["coordinator"]
    nora = eligible(northside, coordinator)
    omar = _second(northside, coordinator)
    opportunity = _opportunity(coordinator, northside)
    services.sign_up(coordinator, opportunity, nora)
    code = links.issue(coordinator, omar)
    assert opportunity in links.open_for(omar)

    services.cancel_opportunity(coordinator, opportunity, "The hall is flooded.")

    assert opportunity not in services.open_opportunities(northside)
    assert opportunity not in links.open_for(omar)
    assert opportunity not in links.open_for(nora)
    with pytest.raises(ValidationError) as caught:
        services.sign_up(coordinator, opportunity, omar)
    assert caught.value.message_dict == {"opportunity": ["This opportunity was cancelled."]}
    with pytest.raises(ValidationError):
        links.sign_up(omar, opportunity.pk)
    assert not opportunity.signups.filter(volunteer=omar).exists()
    # the coordinator's list and the volunteer's private page
    body = signed_in(coordinator).get("/volunteers/opportunities/").content.decode()
    assert "Book fair" not in body
    response = client.post(SHIFTS, {"code": code, "action": "open"})
    assert response.status_code == 200 and "Book fair" not in response.content.decode()
    response = client.post(
        SHIFTS, {"code": code, "action": "sign_up", "opportunity": str(opportunity.pk)}
    )
    assert response.status_code == 400
    assert not opportunity.signups.filter(volunteer=omar).exists()


# --- cancelling an opportunity: the pages ---------------------------------------------------------


def test_the_coordinator_cancels_through_the_page(
    people, northside, django_capture_on_commit_callbacks, mailoutbox
):
    coordinator = people["coordinator"]
    opportunity = _opportunity(coordinator, northside)
    services.sign_up(coordinator, opportunity, eligible(northside, coordinator))
    mailoutbox.clear()
    browser = signed_in(coordinator)
    url = f"/volunteers/opportunities/{opportunity.pk}/"
    page = browser.get(url).content.decode()
    assert f'action="{url}cancel/"' in page and "Reason for cancelling" in page
    assert f'action="{url}sign-up/"' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(f"{url}cancel/", {"reason": "The hall is flooded."})
    assert response.status_code == 302 and response["Location"] == url
    assert [m.to for m in mailoutbox] == [["nora.quinn@example.org"]]
    opportunity.refresh_from_db()
    assert opportunity.cancelled_at is not None

    response = browser.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Opportunity cancelled." in body
    day = timezone.localtime(opportunity.cancelled_at).strftime("%Y-%m-%d %H:%M")
    assert f"Cancelled on {day} — The hall is flooded." in body
    assert "Nora Quinn" in body  # the sign-up stays, as history
    assert f'action="{url}sign-up/"' not in body and f'action="{url}cancel/"' not in body
    assert "/volunteers/sign-ups/" not in body  # no more removing
    signup = SignUp.objects.get(opportunity=opportunity)
    volunteer_page = browser.get(f"/volunteers/{signup.volunteer_id}/").content.decode()
    listed = volunteer_page.split('id="signups-h"', 1)[1]
    assert "Book fair" in listed and "Cancelled" in listed


def test_an_empty_reason_comes_back_with_400_and_the_message(people, northside):
    coordinator = people["coordinator"]
    opportunity = _opportunity(coordinator, northside)
    url = f"/volunteers/opportunities/{opportunity.pk}/cancel/"
    response = signed_in(coordinator).post(url, {"reason": "  "})
    assert response.status_code == 400
    assert "Give the reason for cancelling: it is sent to the volunteers." in (
        response.content.decode()
    )
    opportunity.refresh_from_db()
    assert opportunity.cancelled_at is None


def test_cancelling_twice_or_after_the_end_is_a_400_not_a_500(people, northside):
    coordinator = people["coordinator"]
    browser = signed_in(coordinator)
    opportunity = _opportunity(coordinator, northside)
    url = f"/volunteers/opportunities/{opportunity.pk}/cancel/"
    assert browser.post(url, {"reason": "Flooded."}).status_code == 302
    response = browser.post(url, {"reason": "Again."})
    assert response.status_code == 400
    assert "This opportunity was already cancelled." in response.content.decode()

    over = _opportunity(coordinator, northside, days=1, title="Field trip")
    with time_machine.travel(over.ends_at + dt.timedelta(hours=1)):
        browser = signed_in(coordinator)
        response = browser.post(f"/volunteers/opportunities/{over.pk}/cancel/", {"reason": "Late"})
    assert response.status_code == 400
    assert "This opportunity is over: it can no longer be cancelled." in (response.content.decode())
    over.refresh_from_db()
    assert over.cancelled_at is None


def test_a_teacher_or_another_school_cannot_cancel(people, northside, riverside):
    opportunity = _opportunity(people["coordinator"], northside)
    url = f"/volunteers/opportunities/{opportunity.pk}/cancel/"
    for name in ("teacher", "outsider", "principal2", "frontdesk"):
        response = signed_in(people[name]).post(url, {"reason": "Mine now."})
        assert response.status_code in (403, 404), name
    opportunity.refresh_from_db()
    assert opportunity.cancelled_at is None
    assert signed_in(people["coordinator"]).get(url).status_code == 405  # POST only


# --- changing a training requirement --------------------------------------------------------------


def test_changing_a_training_is_validated_and_permitted_to_the_district_only(people, northside):
    reporter = training(northside.district)
    coordinator = people["coordinator"]
    for months in (0, 121, -1):
        with pytest.raises(ValidationError) as caught:
            services.change_training_type(
                coordinator, reporter, valid_months=months, required=True, active=True
            )
        assert "valid_months" in caught.value.message_dict
    other = District.objects.create(name="Elsewhere", slug="elsewhere")
    School.objects.create(district=other, name="Far School", slug="far")
    far = make_user("far", Role.VOLUNTEER_COORDINATOR, School.objects.get(slug="far"), other)
    for actor in (people["teacher"], people["outsider"], far):
        with pytest.raises(PermissionDenied):
            services.change_training_type(
                actor, reporter, valid_months=24, required=False, active=False
            )
    reporter.refresh_from_db()
    assert (reporter.valid_months, reporter.required, reporter.active) == (12, True, True)
    assert _audits(reporter) == []


def test_a_change_is_audited_with_the_changed_fields(people, northside):
    reporter = training(northside.district)
    coordinator = people["coordinator"]
    changed = services.change_training_type(
        coordinator, reporter, valid_months=24, required=True, active=True
    )
    assert changed.valid_months == 24
    services.change_training_type(
        coordinator, reporter, valid_months=None, required=False, active=False
    )
    services.change_training_type(  # nothing changes: nothing written
        coordinator, reporter, valid_months=None, required=False, active=False
    )
    reporter.refresh_from_db()
    assert (reporter.valid_months, reporter.required, reporter.active) == (None, False, False)
    assert [event.detail for event in _audits(reporter)] == [
        {"changed": ["valid_months"], "valid_months": 24},
        {
            "changed": ["active", "required", "valid_months"],
            "active": False,
            "required": False,
            "valid_months": None,
        },
    ]
    assert all(event.actor == coordinator for event in _audits(reporter))


def test_optional_or_retired_training_never_makes_a_volunteer_ineligible(people, northside):
    coordinator = people["coordinator"]
    reporter = training(northside.district)
    volunteer = eligible(northside, coordinator)
    assert services.eligibility(volunteer, northside).eligible

    first_aid = training(northside.district, "First aid", months=24)  # new, not done
    status = services.eligibility(volunteer, northside)
    assert not status.eligible
    assert status.reasons == ["Required training not completed: First aid."]

    services.change_training_type(
        coordinator, first_aid, valid_months=24, required=False, active=True
    )
    assert services.eligibility(volunteer, northside).eligible  # optional

    services.change_training_type(
        coordinator, first_aid, valid_months=24, required=True, active=True
    )
    assert not services.eligibility(volunteer, northside).eligible  # required again

    services.change_training_type(
        coordinator, first_aid, valid_months=24, required=True, active=False
    )
    status = services.eligibility(volunteer, northside)
    assert status.eligible  # retired
    assert [row["training"] for row in status.trainings] == [reporter]

    # an expired training, retired, no longer counts against the volunteer either
    later = timezone.localdate() + dt.timedelta(days=400)
    assert not services.eligibility(volunteer, northside, on=later).eligible
    services.change_training_type(
        coordinator, reporter, valid_months=12, required=True, active=False
    )
    assert services.eligibility(volunteer, northside, on=later).eligible


def test_a_longer_validity_makes_an_expired_training_current_again(people, northside):
    coordinator = people["coordinator"]
    reporter = training(northside.district, months=1)
    volunteer = eligible(northside, coordinator, cleared_days_ago=60)
    status = services.eligibility(volunteer, northside)
    assert not status.eligible and "Required training expired" in status.reasons[0]
    services.change_training_type(
        coordinator, reporter, valid_months=None, required=True, active=True
    )
    assert services.eligibility(volunteer, northside).eligible


def test_the_coordinator_changes_a_training_through_the_page(people, northside):
    reporter = training(northside.district)
    browser = signed_in(people["coordinator"])
    page = browser.get("/volunteers/training/").content.decode()
    url = f"/volunteers/training/{reporter.pk}/"
    assert f'href="{url}"' in page

    page = browser.get(url)
    body = page.content.decode()
    assert page.status_code == 200 and "Change Mandated reporter" in body
    assert 'name="valid_months"' in body and 'value="12"' in body

    response = browser.post(url, {"valid_months": "0", "required": "on", "active": "on"})
    assert response.status_code == 400
    assert "Ensure this value is greater than or equal to 1." in response.content.decode()
    reporter.refresh_from_db()
    assert reporter.valid_months == 12

    response = browser.post(url, {"valid_months": "", "active": "on"})  # optional, no renewal
    assert response.status_code == 302 and response["Location"] == "/volunteers/training/"
    reporter.refresh_from_db()
    assert (reporter.valid_months, reporter.required, reporter.active) == (None, False, True)

    response = browser.post(url, {"valid_months": "6", "required": "on"})  # retired
    assert response.status_code == 302
    reporter.refresh_from_db()
    assert (reporter.valid_months, reporter.required, reporter.active) == (6, True, False)
    body = browser.get("/volunteers/training/").content.decode()
    assert "Mandated reporter" in body and "Retired" in body  # still listed, to bring back
    assert TrainingType.objects.filter(active=True).count() == 0


def test_a_teacher_or_another_district_cannot_change_a_training(people, northside):
    reporter = training(northside.district)
    other = District.objects.create(name="Elsewhere", slug="elsewhere")
    theirs = TrainingType.objects.create(district=other, name="Their training")
    url = f"/volunteers/training/{reporter.pk}/"
    for name in ("teacher", "outsider", "frontdesk"):
        browser = signed_in(people[name])
        assert browser.get(url).status_code == 404, name
        assert browser.post(url, {"valid_months": "1"}).status_code == 404, name
    coordinator = signed_in(people["coordinator"])
    assert coordinator.get(f"/volunteers/training/{theirs.pk}/").status_code == 404
    reporter.refresh_from_db()
    assert (reporter.valid_months, reporter.required, reporter.active) == (12, True, True)
