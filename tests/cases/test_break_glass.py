"""Break-glass into a case's compartment: granted at once with a reason, for 24 hours by default,
logged as an emergency disclosure, told to the compartment's owners and the auditor; then 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from haven.access.models import BreakGlassGrant
from haven.audit.models import AuditEvent
from haven.cases.models import CaseEvent
from haven.notify.models import Notification
from tests.cases.conftest import REASON, SECRET


def test_sro_opens_the_clinical_record_for_24_hours(case, filled, people, api):
    sro = api(people["sro"])
    assert sro.get(f"/cases/{case.pk}/notes", compartment="clinical").status_code == 404
    response = sro.post(
        f"/cases/{case.pk}/break-glass", {"compartment": "clinical", "reason": REASON}
    )
    assert response.status_code == 201
    grant = BreakGlassGrant.objects.get()
    assert response.json()["expires_at"].startswith(grant.expires_at.isoformat()[:16])
    assert grant.expires_at - grant.granted_at == timedelta(hours=24)
    notes = sro.get(f"/cases/{case.pk}/notes", compartment="clinical")
    assert notes.status_code == 200
    assert [n["text"] for n in notes.json()] == [SECRET["clinical"]]


def test_the_grant_ends_and_the_record_is_404_again(case, filled, people, api):
    api(people["sro"]).post(
        f"/cases/{case.pk}/break-glass", {"compartment": "clinical", "reason": REASON}
    )
    now = timezone.now()
    # A fresh sign-in each time: an idle session would have expired by then anyway.
    with time_machine.travel(now + timedelta(hours=23, minutes=59)):
        sro = api(people["sro"])
        assert sro.get(f"/cases/{case.pk}/notes", compartment="clinical").status_code == 200
    with time_machine.travel(now + timedelta(hours=24, minutes=1)):
        sro = api(people["sro"])
        response = sro.get(f"/cases/{case.pk}/notes", compartment="clinical")
        assert response.status_code == 404
        assert SECRET["clinical"] not in response.content.decode()


def test_the_lifetime_is_a_setting(case, people, api, settings):
    settings.HAVEN_CASE_BREAK_GLASS_HOURS = 2
    api(people["sro"]).post(
        f"/cases/{case.pk}/break-glass", {"compartment": "clinical", "reason": REASON}
    )
    grant = BreakGlassGrant.objects.get()
    assert grant.expires_at - grant.granted_at == timedelta(hours=2)


def test_break_glass_is_logged_as_an_emergency_disclosure(case, people, api):
    api(people["principal"]).post(
        f"/cases/{case.pk}/break-glass", {"compartment": "law_enforcement", "reason": REASON}
    )
    event = AuditEvent.objects.get(action="break_glass")
    grant = BreakGlassGrant.objects.get()
    assert (event.actor, event.compartment, event.reason) == (
        people["principal"],
        "law_enforcement",
        REASON,
    )
    assert (event.object_type, event.object_id) == ("cases.case", str(case.pk))
    assert event.detail["expires_at"] == grant.expires_at.isoformat()
    on_timeline = CaseEvent.objects.get(case=case, kind="break_glass")
    assert on_timeline.compartment == "team"  # the team sees that it happened, not the record
    assert "Emergency disclosure" in on_timeline.text


def test_owners_and_the_auditor_are_told(case, people, api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        api(people["sro"]).post(
            f"/cases/{case.pk}/break-glass", {"compartment": "clinical", "reason": REASON}
        )
    told = set(
        Notification.objects.filter(kind="break_glass").values_list("user__username", flat=True)
    )
    assert told == {"counselor", "auditor"}  # not the outsider, a counsellor at another school
    assert {m.to[0] for m in mail.outbox} >= {"counselor@example.org", "auditor@example.org"}


@pytest.mark.parametrize("reason", ["", "   ", "emergency"])
def test_a_reason_is_required_and_nothing_is_written_without_it(case, people, api, reason):
    response = api(people["sro"]).post(
        f"/cases/{case.pk}/break-glass", {"compartment": "clinical", "reason": reason}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reason"
    assert not BreakGlassGrant.objects.exists()
    assert not AuditEvent.objects.filter(action="break_glass").exists()
    assert not CaseEvent.objects.filter(kind="break_glass").exists()


def test_an_unknown_compartment_is_a_422(case, people, api):
    response = api(people["sro"]).post(
        f"/cases/{case.pk}/break-glass", {"compartment": "medical", "reason": REASON}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "compartment"


def test_a_grant_opens_for_reading_only(case, filled, people, api):
    principal = api(people["principal"])
    principal.post(f"/cases/{case.pk}/break-glass", {"compartment": "clinical", "reason": REASON})
    response = principal.post(
        f"/cases/{case.pk}/notes?compartment=clinical", {"text": "Written in an emergency."}
    )
    assert response.status_code == 403
    detail = principal.get(f"/cases/{case.pk}").json()
    clinical = next(c for c in detail["compartments"] if c["compartment"] == "clinical")
    assert clinical["readable"] and not clinical["writable"] and clinical["grant_until"]


def test_a_grant_on_one_case_opens_no_other(case, filled, people, roster, northside, api):
    from tests.cases.conftest import open_case

    other = open_case(people, northside, roster["eli"])
    from haven.cases import services

    services.add_note(people["counselor"], other, "clinical", "OTHER-CLINICAL")
    sro = api(people["sro"])
    sro.post(f"/cases/{case.pk}/break-glass", {"compartment": "clinical", "reason": REASON})
    assert sro.get(f"/cases/{other.pk}/notes", compartment="clinical").status_code == 404
