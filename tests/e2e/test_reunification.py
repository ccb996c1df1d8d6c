"""Reunification in Chromium: the front desk checks a mother in by the details typed from her ID,
sends a runner and releases her daughter (the board, open on another page, updates by itself); an
adult who is not on the list is refused and the reason is shown to staff. The pages pass axe-core
on a phone and ask no other origin."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from haven.emergencies.models import Incident, Release
from tests.e2e.conftest import PHONE, axe_problems, foreign_requests, session_for

pytestmark = pytest.mark.e2e


def test_check_in_runner_release_and_a_refusal(
    new_context, live_server, recorder, people, roster, district, northside
):
    # After an evacuation's all clear, students wait at the reunification point.
    incident = Incident.objects.create(
        district=district,
        school=northside,
        protocol="evacuate",
        raised_by=people["principal"],
        status=Incident.Status.ALL_CLEAR,
    )
    context = new_context(viewport=PHONE)
    session_for(context, live_server, people["frontdesk"])
    page = context.new_page()

    page.goto(f"/emergencies/{incident.pk}/")
    page.get_by_test_id("open-reunification").click()
    expect(page.get_by_test_id("reunification-counts")).to_contain_text("2")
    problems = axe_problems(page)
    board = context.new_page()  # stays open: it polls for what changes
    board.goto(f"/emergencies/{incident.pk}/reunification/")
    expect(board.locator("[data-count=released]")).to_have_text("0")

    page.get_by_test_id("reunification-check-in").click()
    page.get_by_label("First name").fill("Rosa")
    page.get_by_label("Last name").fill("López")
    page.get_by_label("Date of birth").fill("1980-07-15")
    page.get_by_label("Students they came for").fill("Maya Lopez")
    problems += axe_problems(page)
    page.get_by_test_id("reunification-check-in-submit").click()

    expect(page.get_by_test_id("request-decision")).to_contain_text("Authorised to pick up")
    expect(page.get_by_test_id("guardian-list")).to_contain_text("Protective order")
    problems += axe_problems(page)
    page.get_by_test_id("send-runner").click()
    expect(page.get_by_test_id("request-status")).to_contain_text("Runner sent")
    page.get_by_test_id("release").click()
    expect(page.get_by_test_id("request-status")).to_contain_text("Released")
    release = Release.objects.get()
    assert (release.refused, release.adult_name) == (False, "Rosa López")
    expect(board.locator("[data-count=released]")).to_have_text("1", timeout=12_000)
    expect(board.get_by_test_id("released-list")).to_contain_text("Maya Lopez")

    # Someone not on Eli's list: refused, and the reason is on the request for staff.
    page.goto(f"/emergencies/{incident.pk}/reunification/check-in/")
    page.get_by_label("First name").fill("Dana")
    page.get_by_label("Last name").fill("Whitfield")
    page.get_by_label("Date of birth").fill("1975-02-01")
    page.get_by_label("Students they came for").fill("Eli Brooks")
    page.get_by_test_id("reunification-check-in-submit").click()
    expect(page.get_by_test_id("request-status")).to_contain_text("Refused")
    expect(page.get_by_test_id("refusal-reason")).to_contain_text(
        "not on the student's list of guardians"
    )

    page.goto(f"/emergencies/{incident.pk}/reunification/")
    expect(page.get_by_test_id("released-list")).to_contain_text("Maya Lopez")
    expect(page.get_by_test_id("closed-table")).to_contain_text("Dana Whitfield")
    problems += axe_problems(page)
    assert not problems, "\n".join(problems)
    assert not foreign_requests(recorder.requests, live_server.url), recorder.requests
    blocked = [e for e in recorder.console_errors if "Content Security Policy" in e]
    assert not blocked, blocked
