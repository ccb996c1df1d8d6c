"""The volunteers' pages: the public application (bad input, throttling, nothing about the caller
stored), the coordinator's pages (decision, check, training, opportunities, hours and CSV), and
the front desk's volunteer check-in with its badge."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from haven.audit.models import AuditEvent
from haven.core import throttle
from haven.visitors.models import Visit
from haven.volunteers import public_views
from haven.volunteers.models import BackgroundCheck, Opportunity, Volunteer, VolunteerVisit
from tests.conftest import cache_text, signed_in
from tests.volunteers.world import applied, eligible, training

pytestmark = pytest.mark.django_db

APPLY = "/volunteer/apply/northside-high/"


def answers(**changes) -> dict:
    values = {
        "first_name": "Nora",
        "last_name": "Quinn",
        "date_of_birth": "1984-05-06",
        "email": "nora.quinn@example.org",
        "phone": "555-0101",
        "address": "12 Elm Street",
        "interests": "Reading buddies",
        "consent": "on",
    }
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None}


# --- the public application -----------------------------------------------------------------------


def test_the_public_form_sets_no_cookie_and_keeps_out_of_caches(client, northside):
    response = client.get(APPLY)
    body = response.content.decode()
    assert response.status_code == 200 and "Volunteer at Northside High School" in body
    assert not response.cookies and "csrfmiddlewaretoken" not in body
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "<script>" not in body and " style=" not in body


def test_an_application_is_stored_confirmed_and_the_coordinator_told(client, people, northside):
    response = client.post(APPLY, answers(), REMOTE_ADDR="198.51.100.77")
    assert response.status_code == 200 and not response.cookies
    assert "Your application was sent" in response.content.decode()
    volunteer = Volunteer.objects.get()
    assert volunteer.name == "Nora Quinn" and volunteer.date_of_birth == "1984-05-06"
    assert list(volunteer.schools.all()) == [northside]
    assert people["coordinator"].notifications.filter(kind="volunteer_applied").exists()


def test_the_callers_address_is_stored_nowhere(client, northside):
    client.post(APPLY, answers(), REMOTE_ADDR="198.51.100.77", HTTP_USER_AGENT="Agent/7.7")
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    text = dump.getvalue()
    assert Volunteer.objects.exists()
    assert "198.51.100.77" not in text and "Agent/7.7" not in text


def test_bad_input_is_named_next_to_each_field_and_nothing_is_stored(client, northside):
    response = client.post(
        APPLY,
        answers(first_name="", date_of_birth="31/02/1990", email="nope", consent=None),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Your application was not sent yet." in body
    assert 'id="id_first_name_error"' in body and 'id="id_email_error"' in body
    assert "Enter a valid date." in body
    assert "A background check is required to volunteer: tick the box." in body
    assert 'value="nope"' in body  # what was typed stays, to be corrected
    assert not Volunteer.objects.exists()


def test_the_district_page_asks_for_schools(client, northside, riverside):
    url = f"/volunteer/apply/{northside.district.slug}/"
    assert "Riverside Middle School" in client.get(url).content.decode()
    response = client.post(url, answers())
    assert (
        response.status_code == 400 and "Choose at least one school." in response.content.decode()
    )
    response = client.post(url, answers(schools=[riverside.pk, northside.pk]))
    assert response.status_code == 200
    assert set(Volunteer.objects.get().schools.all()) == {northside, riverside}


def test_an_unknown_school_is_a_friendly_404(client, db):
    response = client.get("/volunteer/apply/nowhere/")
    assert (
        response.status_code == 404 and "We could not find that school" in response.content.decode()
    )


def test_spanish_from_the_address(client, northside):
    response = client.get(APPLY + "?lang=es")
    assert response["Content-Language"] == "es"
    assert 'name="lang" value="es"' in response.content.decode()


def test_applications_are_throttled_per_caller_without_losing_what_was_typed(
    client, northside, monkeypatch
):
    monkeypatch.setattr(public_views, "CALLER_APPLY", throttle.Limit("volunteer-apply", 2, 3600))
    for n in range(2):
        response = client.post(APPLY, answers(email=f"n{n}@example.org"), REMOTE_ADDR="192.0.2.1")
        assert response.status_code == 200
    response = client.post(APPLY, answers(first_name="Third"), REMOTE_ADDR="192.0.2.1")
    assert response.status_code == 429
    body = response.content.decode()
    assert "Your application was NOT sent." in body and 'value="Third"' in body
    assert Volunteer.objects.count() == 2
    other = client.post(APPLY, answers(email="x@example.org"), REMOTE_ADDR="192.0.2.2")
    assert other.status_code == 200
    stored = cache_text()
    assert "volunteer-apply" in stored and "192.0.2.1" not in stored


# --- the coordinator's pages ----------------------------------------------------------------------


def test_the_coordinator_approves_records_the_check_and_training_through_pages(
    client, people, northside
):
    client.post(APPLY, answers())
    volunteer = Volunteer.objects.get()
    reporter = training(northside.district)
    coordinator = signed_in(people["coordinator"])
    listing = coordinator.get("/volunteers/").content.decode()
    assert "Nora Quinn" in listing and "Applied: waiting for a decision" in listing
    page = coordinator.get(f"/volunteers/{volunteer.pk}/").content.decode()
    assert "Not eligible to volunteer yet" in page and "No background check on record." in page
    assert "1984-05-06" in page and "Screening" in page
    assert AuditEvent.objects.filter(
        object_type="volunteers.volunteer", object_id=str(volunteer.pk), action="view"
    ).exists()

    response = coordinator.post(f"/volunteers/{volunteer.pk}/approve/", {})
    assert response.status_code == 302
    today = timezone.localdate().isoformat()
    response = coordinator.post(
        f"/volunteers/{volunteer.pk}/check/",
        {"status": "cleared", "cleared_on": today, "provider": "State", "reference": "A1"},
    )
    assert response.status_code == 302
    response = coordinator.post(
        f"/volunteers/{volunteer.pk}/training/", {"training": reporter.pk, "completed_on": today}
    )
    assert response.status_code == 302
    page = coordinator.get(f"/volunteers/{volunteer.pk}/").content.decode()
    assert "Eligible to volunteer" in page and "Not eligible" not in page


def test_a_bad_check_comes_back_with_the_error_next_to_the_field(people, northside):
    volunteer = applied(northside)
    response = signed_in(people["coordinator"]).post(
        f"/volunteers/{volunteer.pk}/check/", {"status": "cleared", "cleared_on": "2999-01-01"}
    )
    assert response.status_code == 400
    assert "The clearance date cannot be in the future." in response.content.decode()
    assert not BackgroundCheck.objects.exists()


def test_a_possible_match_asks_an_administrator_to_confirm(people, northside):
    from haven.visitors.models import WatchlistEntry

    WatchlistEntry.objects.create(
        district=northside.district, kind="alert", first_name="Nora", last_name="Quinn"
    )
    volunteer = applied(northside)
    client = signed_in(people["principal"])  # the coordinator sees the outcome only
    page = client.get(f"/volunteers/{volunteer.pk}/").content.decode()
    assert "A name match is not an identification." in page and "Possible match" in page
    response = client.post(f"/volunteers/{volunteer.pk}/approve/", {})
    assert response.status_code == 400
    assert "confirm that the applicant is not the person listed" in response.content.decode()
    response = client.post(
        f"/volunteers/{volunteer.pk}/approve/",
        {"not_listed": "on", "reason": "Different person, checked ID"},
    )
    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.status == "approved"


def test_coordinators_see_only_their_schools_volunteers(people, northside, riverside):
    mine = applied(northside)
    theirs = applied(riverside, first_name="Rita", email="rita@example.org")
    body = signed_in(people["coordinator"]).get("/volunteers/").content.decode()
    assert "Nora Quinn" in body and "Rita Quinn" not in body
    assert signed_in(people["coordinator"]).get(f"/volunteers/{theirs.pk}/").status_code == 404
    assert signed_in(people["principal2"]).get(f"/volunteers/{mine.pk}/").status_code == 404
    assert signed_in(people["admin"]).get(f"/volunteers/{theirs.pk}/").status_code == 200


def test_a_full_opportunity_says_so_and_refuses_another_sign_up(people, northside):
    coordinator = people["coordinator"]
    first = eligible(northside, coordinator)
    second = eligible(northside, coordinator, first_name="Omar", email="omar@example.org")
    client = signed_in(coordinator)
    day = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    response = client.post(
        "/volunteers/opportunities/",
        {
            "school": northside.pk,
            "title": "Field trip",
            "date": day,
            "start": "09:00",
            "end": "12:00",
            "slots": "1",
        },
    )
    opportunity = Opportunity.objects.get()
    assert response.status_code == 302
    assert (
        client.post(
            f"/volunteers/opportunities/{opportunity.pk}/sign-up/", {"volunteer": first.pk}
        ).status_code
        == 302
    )
    page = client.get(f"/volunteers/opportunities/{opportunity.pk}/").content.decode()
    assert "This opportunity is full." in page and "Nora Quinn" in page
    response = client.post(
        f"/volunteers/opportunities/{opportunity.pk}/sign-up/", {"volunteer": second.pk}
    )
    assert response.status_code == 400
    assert "This opportunity is full (1 of 1 places taken)." in response.content.decode()
    assert opportunity.signups.count() == 1


def test_an_opportunity_that_ends_before_it_starts_is_refused(people, northside):
    response = signed_in(people["coordinator"]).post(
        "/volunteers/opportunities/",
        {
            "school": northside.pk,
            "title": "Backwards",
            "date": "2030-01-01",
            "start": "12:00",
            "end": "09:00",
            "slots": "2",
        },
    )
    assert response.status_code == 400
    assert "The end must be after the start." in response.content.decode()
    assert not Opportunity.objects.exists()


# --- the front desk and the hours -----------------------------------------------------------------


def _desk_check_in(people, **fields):
    return signed_in(people["frontdesk"]).post(
        "/visitors/check-in/",
        {
            "purpose": "Volunteering",
            "kind": "volunteer",
            "action": "check_in",
            "first_name": "Nora",
            "last_name": "Quinn",
            "date_of_birth": "1984-05-06",
            **fields,
        },
    )


def test_the_front_desk_is_told_why_a_volunteer_is_not_eligible(people, northside):
    applied(northside)
    response = _desk_check_in(people)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Not eligible to volunteer today:" in body
    assert "The application has not been approved yet." in body
    assert "Check them in as a visitor instead." in body
    assert not Visit.objects.exists()


def test_an_eligible_volunteer_gets_a_volunteer_badge_and_hours(people, northside):
    volunteer = eligible(northside, people["coordinator"])
    response = _desk_check_in(people)
    visit = Visit.objects.get()
    assert response.status_code == 302 and visit.kind == "volunteer"
    assert VolunteerVisit.objects.get().volunteer == volunteer
    desk = signed_in(people["frontdesk"])
    badge = desk.get(f"/visitors/{visit.pk}/badge.pdf?size=letter")
    assert badge.status_code == 200 and b"/Title (Volunteer badge)" in badge.content
    desk.post(f"/visitors/{visit.pk}/sign-out/")
    Visit.objects.filter(pk=visit.pk).update(
        checked_out_at=visit.checked_in_at + dt.timedelta(hours=1, minutes=30)
    )
    coordinator = signed_in(people["coordinator"])
    page = coordinator.get("/volunteers/hours/").content.decode()
    assert "1.50 hours in all." in page and "Nora Quinn" in page
    export = coordinator.get("/volunteers/hours.csv")
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert [(r["volunteer"], r["school"], r["hours"], r["flagged"]) for r in rows] == [
        ("Nora Quinn", "Northside High School", "1.50", "no")
    ]
    assert "1984" not in export.content.decode()
    assert AuditEvent.objects.filter(object_type="volunteers.hours", action="export").exists()


def test_the_hours_csv_cannot_run_formulas_and_bad_dates_are_named(people, northside):
    eligible(northside, people["coordinator"], first_name="=cmd", email="c@example.org")
    _desk_check_in(people, first_name="=cmd")
    coordinator = signed_in(people["coordinator"])
    text = coordinator.get("/volunteers/hours.csv").content.decode()
    assert "'=cmd Quinn" in text
    response = coordinator.get("/volunteers/hours/?start=2026-05-01&end=2026-04-01")
    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()


def test_the_nav_shows_volunteers_to_coordinators_only(people, northside):
    assert 'href="/volunteers/"' in signed_in(people["coordinator"]).get("/").content.decode()
    assert 'href="/volunteers/"' not in signed_in(people["teacher"]).get("/").content.decode()
