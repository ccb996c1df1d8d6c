"""Volunteers in Chromium: the public application, the coordinator's approval and background
check, the front desk's check-in that prints a volunteer badge, and the volunteer's private sign-up
link — with axe-core on each page and nothing asked of another origin."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from haven.visitors.models import Visit
from haven.volunteers.models import Volunteer
from tests.e2e.conftest import axe_problems, foreign_requests, session_for

pytestmark = pytest.mark.e2e


def test_apply_then_approve_then_check_in_with_a_volunteer_badge(
    new_context, live_server, recorder, people, northside
):
    # the applicant, signed out
    page = new_context().new_page()
    page.goto("/volunteer/apply/northside-high/")
    problems = axe_problems(page)
    page.get_by_label("Given name").fill("Nora")
    page.get_by_label("Family name").fill("Quinn")
    page.get_by_label("Date of birth").fill("1984-05-06")
    page.get_by_label("E-mail").fill("nora.quinn@example.org")
    page.get_by_label("I agree to a background check").check()
    page.get_by_test_id("apply-submit").click()
    expect(page.get_by_test_id("applied")).to_have_text("Your application was sent")
    problems += axe_problems(page)
    assert not page.context.cookies()
    volunteer = Volunteer.objects.get()

    # the coordinator approves and records the cleared check
    coordinator = new_context()
    session_for(coordinator, live_server, people["coordinator"])
    page = coordinator.new_page()
    page.goto(f"/volunteers/{volunteer.pk}/")
    problems += axe_problems(page)
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_test_id("volunteer-status")).to_contain_text("Approved")
    page.get_by_text("Record a background check").click()
    form = page.get_by_test_id("check-form")
    form.get_by_label("Result").select_option("cleared")
    form.get_by_label("Cleared on").fill(timezone.localdate().isoformat())
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("eligibility")).to_contain_text("Eligible to volunteer")

    # the front desk checks the volunteer in
    context = new_context()
    session_for(context, live_server, people["frontdesk"])
    page = context.new_page()
    page.goto("/visitors/check-in/")
    page.get_by_text("No ID card to scan? Type the details").click()
    page.get_by_label("Given name").fill("Nora")
    page.get_by_label("Family name").fill("Quinn")
    page.get_by_label("Date of birth").fill("1984-05-06")
    page.get_by_label("Reason for the visit").fill("Volunteering")
    page.get_by_label("Kind of visit").select_option("volunteer")
    page.get_by_test_id("check-in-submit").click()
    expect(page.get_by_test_id("screening-outcome")).to_contain_text("Screening clear")
    visit = Visit.objects.get()
    assert visit.kind == "volunteer" and visit.volunteer_link.volunteer == volunteer
    href = page.get_by_test_id("badge-label").get_attribute("href")
    response = context.request.get(href)
    assert response.status == 200 and b"/Title (Volunteer badge)" in response.body()

    # the coordinator sends a private sign-up link; the code after "#" never reaches the server
    page = coordinator.new_page()
    page.goto(f"/volunteers/{volunteer.pk}/")
    page.get_by_role("button", name="Make a new link").click()
    link = page.get_by_test_id("signup-url").inner_text()
    code = link.partition("#")[2]
    applicant = new_context().new_page()
    applicant.goto(link)
    expect(applicant.get_by_role("heading", level=1)).to_have_text("Hello, Nora")
    assert "#" not in applicant.url
    problems += axe_problems(applicant)
    assert not any(code in url for url in recorder.requests)

    assert not problems, "\n".join(problems)
    assert not foreign_requests(recorder.requests, live_server.url), recorder.requests
    blocked = [e for e in recorder.console_errors if "Content Security Policy" in e]
    assert not blocked, blocked
