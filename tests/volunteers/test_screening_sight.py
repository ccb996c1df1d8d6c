"""What each person sees of a volunteer's screening: the coordinator the outcome and who decides;
staff who see screenings what matched; custody details only those who also see guardians — on the
pages, in the API and in notifications alike. The public application never tells the applicant."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from haven.access import policy
from haven.notify.models import Notification
from haven.visitors.models import WatchlistEntry
from haven.volunteers import services
from haven.volunteers.models import Volunteer
from tests.conftest import PASSWORD, signed_in
from tests.visitors import test_services as visitor_tests
from tests.volunteers.test_pages import APPLY, answers

small_registry = visitor_tests.small_registry  # the fixture, for the tests below

pytestmark = pytest.mark.django_db

#: What the roster's custody restriction on Carl Lopez says (tests/conftest.py's roster).
CUSTODY_WORDS = ("Maya", "Protective order", "Custody restriction")


def apply_as_the_restricted_father(client: Client) -> Volunteer:
    """The reproduction: anyone applies publicly under a restricted guardian's name."""
    response = client.post(
        APPLY,
        answers(first_name="Carl", last_name="Lopez", email="carl@example.org"),
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 200
    return Volunteer.objects.get(last_name="Lopez")


def test_coordinator_never_sees_custody_details(client, people, roster):
    volunteer = apply_as_the_restricted_father(client)
    assert volunteer.screening_outcome == "review"
    page = signed_in(people["coordinator"]).get(f"/volunteers/{volunteer.pk}/")
    body = page.content.decode()
    assert page.status_code == 200
    for words in CUSTODY_WORDS:
        assert words not in body, words
    # the outcome, and who decides it
    assert "Possible match" in body
    assert 'data-testid="screening-deciders"' in body
    assert "Who decides: principal, admin" in body
    assert 'data-testid="awaiting-screening-decision"' in body
    assert 'data-testid="approve-form"' not in body


def test_staff_who_see_screenings_and_guardians_read_the_custody_match(client, people, roster):
    volunteer = apply_as_the_restricted_father(client)
    body = signed_in(people["principal"]).get(f"/volunteers/{volunteer.pk}/").content.decode()
    assert "Custody restriction for Maya Lopez" in body and "Protective order" in body
    assert 'data-testid="approve-form"' in body and 'name="not_listed"' in body


def test_coordinator_never_sees_watchlist_or_registry_details(people, northside, small_registry):
    WatchlistEntry.objects.create(
        district=northside.district,
        kind="banned",
        first_name="Nora",
        last_name="Quinn",
        reason="Threatened the office staff",
    )
    listed = services.apply(
        services.Application(
            first_name="Nora",
            last_name="Quinn",
            date_of_birth="1984-05-06",
            email="nora@example.org",
            schools=[northside],
            consent=True,
        ),
        northside.district,
    )
    registered = services.apply(
        services.Application(
            first_name="William",
            last_name="Smith",
            date_of_birth="1975-03-14",
            email="will@example.org",
            schools=[northside],
            consent=True,
        ),
        northside.district,
    )
    assert (listed.screening_outcome, registered.screening_outcome) == ("review", "match")
    coordinator, principal = signed_in(people["coordinator"]), signed_in(people["principal"])
    for volunteer, detail in (
        (listed, "Threatened the office staff"),
        (registered, "Sex-offender registry ("),
    ):
        body = coordinator.get(f"/volunteers/{volunteer.pk}/").content.decode()
        assert detail not in body and "Banned person" not in body
        assert "A name match is not an identification." not in body  # no match table at all
        assert detail in principal.get(f"/volunteers/{volunteer.pk}/").content.decode()


def test_the_api_gives_the_coordinator_the_outcome_and_who_decides(client, people, roster):
    volunteer = apply_as_the_restricted_father(client)
    response = signed_in(people["coordinator"]).get(f"/api/v1/volunteers/{volunteer.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["screening"] == "review"
    assert body["screening_deciders"] == ["principal", "admin"]
    for words in CUSTODY_WORDS:
        assert words not in response.content.decode(), words


def test_notifications_carry_no_screening_detail_and_deciders_are_told(client, people, roster):
    apply_as_the_restricted_father(client)
    for note in Notification.objects.all():
        text = f"{note.title} {note.body}"
        for words in (*CUSTODY_WORDS, "Carl", "Lopez", "custody"):
            assert words not in text, (note.user, text)
    told = set(
        Notification.objects.filter(kind="volunteer_screening").values_list(
            "user__username", flat=True
        )
    )
    assert told == {"principal", "admin"}
    coordinator = Notification.objects.get(user=people["coordinator"])
    assert coordinator.kind == "volunteer_applied"


def test_only_staff_who_see_the_match_answer_a_possible_match(client, people, roster):
    volunteer = apply_as_the_restricted_father(client)
    assert not policy.may_answer_volunteer_screening(people["coordinator"], volunteer)
    assert policy.may_answer_volunteer_screening(people["principal"], volunteer)
    with pytest.raises(PermissionDenied):
        services.approve(
            people["coordinator"], volunteer, not_listed=True, reason="Different person"
        )
    response = signed_in(people["coordinator"]).post(
        f"/volunteers/{volunteer.pk}/approve/", {"not_listed": "on", "reason": "Different person"}
    )
    assert response.status_code == 403
    volunteer.refresh_from_db()
    assert volunteer.status == "applied" and volunteer.screening_answer == ""
    response = signed_in(people["principal"]).post(
        f"/volunteers/{volunteer.pk}/approve/",
        {"not_listed": "on", "reason": "Not the father: checked the ID"},
    )
    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.status == "approved" and volunteer.screening_answer == "no"
    body = signed_in(people["coordinator"]).get(f"/volunteers/{volunteer.pk}/").content.decode()
    assert "Answered: not the person listed." in body and "checked the ID" not in body


def test_the_public_answer_never_reveals_a_match(client, people, roster):
    clear = client.post(APPLY, answers(email="nora@example.org"), REMOTE_ADDR="198.51.100.8")
    listed = client.post(
        APPLY,
        answers(first_name="Carl", last_name="Lopez", email="carl@example.org"),
        REMOTE_ADDR="198.51.100.9",
    )
    assert Volunteer.objects.get(last_name="Lopez").screening_outcome == "review"
    assert Volunteer.objects.get(last_name="Quinn").screening_outcome == "clear"
    assert (clear.status_code, listed.status_code) == (200, 200)
    assert clear.content == listed.content
    assert dict(clear.items()) == dict(listed.items())


def test_coordinator_must_present_a_second_factor(people):
    coordinator = people["coordinator"]
    assert policy.requires_second_factor(coordinator)
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": "coordinator", "password": PASSWORD}
    )
    assert response["Location"].startswith(reverse("accounts:enroll"))
    assert client.get("/volunteers/")["Location"] == reverse("accounts:enroll")
    assert client.get("/api/v1/volunteers").status_code == 401
