"""Everything comes from Haven itself, nothing trips the Content-Security-Policy, and the pages
that are not the happy path (search as you type, 404) behave."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from haven.notify.models import Notification
from tests.e2e.conftest import (
    PHONE,
    axe_problems,
    foreign_requests,
    session_for,
    sign_in_with_password,
)

pytestmark = pytest.mark.e2e


def test_no_page_asks_any_other_origin_for_anything(
    new_context, live_server, recorder, people, roster
):
    Notification.objects.create(user=people["counselor"], kind="test", title="A note")
    page = new_context().new_page()
    page.goto("/accounts/sign-in/")
    page.goto("/no-such-page/")

    context = new_context()
    session_for(context, live_server, people["sro"], verified=False)
    context.new_page().goto("/accounts/sign-in/set-up/")

    context = new_context()
    session_for(context, live_server, people["counselor"])
    page = context.new_page()
    for path in (
        "/",
        "/roster/students/",
        f"/roster/students/{roster['maya'].pk}/",
        "/roster/classes/",
        f"/roster/classes/{roster['english'].pk}/",
        "/notifications/",
    ):
        page.goto(path)
        page.wait_for_load_state("networkidle")
    page.goto("/roster/students/")
    page.get_by_label("Search by name or student number").fill("maya")
    expect(page.locator("#student-rows")).to_contain_text("Lopez, Maya")

    context = new_context()
    session_for(context, live_server, people["auditor"])
    context.new_page().goto("/audit/")

    assert len(recorder.requests) > 20  # the recorder did see the pages' requests
    assert any(url.endswith(".css") for url in recorder.requests)
    assert not foreign_requests(recorder.requests, live_server.url), recorder.requests
    blocked = [e for e in recorder.console_errors if "Content Security Policy" in e]
    assert not blocked, blocked


def test_student_search_narrows_the_list_as_you_type(page, live_server, people, roster):
    session_for(page.context, live_server, people["counselor"])
    page.goto("/roster/students/")
    expect(page.locator(".result-count")).to_have_text("2 students")
    page.get_by_label("Search by name or student number").fill("brooks")
    expect(page.locator("#student-rows tr")).to_have_count(1)
    expect(page.locator("#student-rows")).to_contain_text("Brooks, Eli")
    expect(page).to_have_url(re.compile(r"\?q=brooks$"))
    page.get_by_label("Search by name or student number").fill("zzz")
    expect(page.locator("#student-rows")).to_contain_text("No student matches")


def test_student_detail_shows_who_may_not_collect_the_student(page, live_server, people, roster):
    session_for(page.context, live_server, people["counselor"])
    page.goto(f"/roster/students/{roster['maya'].pk}/")
    father = page.locator("tr", has_text="Carl Lopez")
    expect(father.locator(".badge.high")).to_have_text("No")
    expect(father.locator(".badge.life")).to_have_text("Restricted")
    expect(father).to_contain_text("Protective order")
    mother = page.locator("tr", has_text="Rosa Lopez")
    expect(mother.locator(".badge.done")).to_have_text("Yes")


def test_unknown_page_is_a_plain_404_with_a_way_home(page, live_server):
    response = page.goto("/no-such-page/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("We could not find that page")
    page.get_by_role("link", name="Go to the home page").click()
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/\?next=/$"))


def test_notification_count_shows_in_the_navigation(page, live_server, people):
    Notification.objects.create(user=people["counselor"], kind="test", title="Read me")
    session_for(page.context, live_server, people["counselor"])
    page.goto("/")
    inbox = page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile("Notif")
    )
    expect(inbox).to_contain_text("1")
    inbox.click()
    expect(page.locator(".notes .unread")).to_contain_text("Read me")
    page.get_by_role("button", name="Mark all read").click()
    expect(page.locator(".notes .unread")).to_have_count(0)
    expect(page.get_by_role("navigation", name="Main").locator(".count")).to_have_count(0)


def test_too_many_wrong_passwords_lock_the_account_and_say_so(page, live_server, people):
    for _ in range(6):
        sign_in_with_password(page, "teacher", "not the password")
        if page.get_by_role("heading", name="Too many failed sign-ins").count():
            break
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many failed sign-ins")
    assert not axe_problems(page)
    page.get_by_role("link", name="Back to sign-in").click()
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/$"))


@pytest.mark.parametrize("protocol", ["lockdown", "evacuate"])
def test_an_alert_fits_a_phone_without_scrolling_sideways(
    new_context, live_server, people, protocol
):
    """The top bar with an incident's pill, the Emergency button and the account menu, and the
    full-screen alert over it, all fit a 390-pixel phone: nothing of the alert is cut off."""
    from haven.emergencies.alerts import services

    principal, teacher = people["principal"], people["teacher"]
    services.raise_incident(
        principal, principal.role_assignments.get().school, protocol, drill=True, note="Drill."
    )
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    session_for(context, live_server, teacher)
    page = context.new_page()
    page.goto("/")
    dialog = page.locator("dialog#emergency-alert")
    expect(dialog).to_be_visible()
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth,"
        " document.querySelector('dialog#emergency-alert').getBoundingClientRect().right]"
    )
    assert widths[0] == widths[1] == PHONE["width"], widths
    assert widths[2] <= PHONE["width"], widths
    dialog.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_test_id("emergency-button")).to_be_in_viewport()
    assert page.evaluate("() => document.documentElement.scrollWidth") == PHONE["width"]
