"""The demo's volunteers: one in every state, past visits with hours, loaded once."""

from __future__ import annotations

import pytest

from haven.volunteers import demo, hours, services
from haven.volunteers.models import Volunteer, VolunteerVisit

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_volunteer_in_every_state_and_loads_once(people, district, northside):
    assert demo.load(district) == len(demo.VOLUNTEERS)
    assert demo.load(district) == len(demo.VOLUNTEERS)
    states = {}
    for volunteer in Volunteer.objects.all():
        status = services.eligibility(volunteer)
        states[volunteer.last_name] = (volunteer.status, status.check_state, status.eligible)
    assert states["Park"] == ("applied", "pending", False)
    assert states["Chen"] == ("approved", "cleared", True)
    assert states["Rossi"] == ("declined", "denied", False)
    assert states["Webb"] == ("approved", "expiring", True)
    assert states["Alvarez"] == ("approved", "expired", False)
    assert states["Moreau"][:2] == ("approved", "cleared") and not states["Moreau"][2]
    found = hours.rows(hours.in_range(VolunteerVisit.objects.all(), None, None))
    assert len(found) == len(demo.PAST_VISITS)
    assert sum(row.flagged for row in found) == 1
    assert Volunteer.objects.get(last_name="Chen").signups.count() == 1
