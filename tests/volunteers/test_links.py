"""The volunteer's private sign-up code: made by the coordinator, shown once, stored only as a
keyed hash, carried only in POST bodies, and signing up under the same rules as the coordinator."""

from __future__ import annotations

import io
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from haven.core import throttle
from haven.volunteers import links, public_views, services
from haven.volunteers.models import Volunteer
from tests.conftest import signed_in
from tests.volunteers.world import applied, eligible
from tests.volunteers.world import opportunity as _opportunity

pytestmark = pytest.mark.django_db
SHIFTS = "/volunteer/shifts/"


@given(st.text(max_size=80))
def test_normalising_never_fails_and_accepts_only_whole_codes(text):
    raw = links.normalise(text)
    assert raw is None or (len(raw) == 16 and set(raw) <= set(links.ALPHABET))


def test_a_code_reads_the_same_typed_loosely():
    code = links.new_code()
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", code)
    assert links.normalise(code.lower().replace("-", " ")) == code.replace("-", "")


def test_the_coordinator_makes_a_link_shown_once_and_stored_hashed(people, northside):
    volunteer = eligible(northside, people["coordinator"])
    response = signed_in(people["coordinator"]).post(f"/volunteers/{volunteer.pk}/sign-up-link/")
    body = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    code = re.search(r"/volunteer/shifts/#([A-Z2-9-]{19})", body).group(1)
    volunteer.refresh_from_db()
    assert volunteer.signup_code_hash == links.digest(code)
    dump = io.StringIO()
    call_command("dumpdata", "volunteers", "audit", stdout=dump)
    assert code not in dump.getvalue() and code.replace("-", "") not in dump.getvalue()
    page = signed_in(people["coordinator"]).get(f"/volunteers/{volunteer.pk}/").content.decode()
    assert code not in page


def test_only_approved_volunteers_get_a_link(people, northside):
    volunteer = applied(northside)
    with pytest.raises(ValidationError):
        links.issue(people["coordinator"], volunteer)
    with pytest.raises(PermissionDenied):
        links.issue(people["frontdesk"], volunteer)


def test_the_volunteer_signs_up_with_the_code_in_post_bodies_only(client, people, northside):
    volunteer = eligible(northside, people["coordinator"])
    opportunity = _opportunity(people["coordinator"], northside)
    code = links.issue(people["coordinator"], volunteer)
    page = client.get(SHIFTS)
    assert page.status_code == 200 and not page.cookies
    assert "haven/volunteers.js" in page.content.decode()
    response = client.post(SHIFTS, {"code": code.lower(), "action": "open"})
    body = response.content.decode()
    assert response.status_code == 200 and "Hello, Nora" in body and "Book fair" in body
    response = client.post(
        SHIFTS, {"code": code, "action": "sign_up", "opportunity": str(opportunity.pk)}
    )
    assert response.status_code == 200
    assert "You are signed up for Book fair." in response.content.decode()
    assert opportunity.signups.get().volunteer == volunteer
    assert opportunity.signups.get().created_by is None


def test_a_full_or_foreign_opportunity_is_refused_to_the_volunteer(
    client, people, northside, riverside
):
    coordinator = people["coordinator"]
    volunteer = eligible(northside, coordinator)
    other = eligible(northside, coordinator, first_name="Omar", email="omar@example.org")
    full = _opportunity(coordinator, northside, slots=1)
    services.sign_up(coordinator, full, other)
    elsewhere = _opportunity(people["principal2"], riverside, title="Riverside fair")
    code = links.issue(coordinator, volunteer)
    response = client.post(SHIFTS, {"code": code, "action": "sign_up", "opportunity": full.pk})
    assert response.status_code == 400
    assert "This opportunity is full (1 of 1 places taken)." in response.content.decode()
    response = client.post(SHIFTS, {"code": code, "action": "sign_up", "opportunity": elsewhere.pk})
    assert response.status_code == 400 and "Riverside fair" not in response.content.decode()
    assert "This opportunity is not open to you." in response.content.decode()


def test_an_old_code_stops_working_when_a_new_one_is_made_or_it_expires(client, people, northside):
    volunteer = eligible(northside, people["coordinator"])
    old = links.issue(people["coordinator"], volunteer)
    new = links.issue(people["coordinator"], volunteer)
    assert links.volunteer_for(old) is None and links.volunteer_for(new) == volunteer
    Volunteer.objects.filter(pk=volunteer.pk).update(signup_code_expires_at=timezone.now())
    assert links.volunteer_for(new) is None
    response = client.post(SHIFTS, {"code": new, "action": "open"})
    assert response.status_code == 404 and "This code does not work" in response.content.decode()


def test_wrong_codes_are_throttled(client, northside, monkeypatch):
    monkeypatch.setattr(public_views, "CALLER_GUESS", throttle.Limit("vg", 2, 3600))
    for _ in range(2):
        assert client.post(SHIFTS, {"code": "AAAA-AAAA-AAAA-AAAA"}).status_code == 404
    response = client.post(SHIFTS, {"code": "AAAA-AAAA-AAAA-AAAA"})
    assert response.status_code == 429 and "Too many wrong codes" in response.content.decode()
