"""The README's screenshots, made from the demo district. Only with HAVEN_SCREENSHOTS=1, so that
an ordinary run does not rewrite tracked files:

    HAVEN_SCREENSHOTS=1 pytest tests/e2e/test_screenshots.py
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, SCREENSHOTS, session_for, sign_in

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        os.environ.get("HAVEN_SCREENSHOTS") != "1", reason="set HAVEN_SCREENSHOTS=1 to make them"
    ),
]


def shoot(page, name: str) -> None:
    page.wait_for_load_state("networkidle")
    page.locator(":focus").evaluate_all("(nodes) => nodes.forEach((n) => n.blur())")
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


@pytest.fixture
def demo(db, settings):
    from haven.core import demo

    demo.load()
    return demo


def test_screenshots_of_the_main_pages(new_context, live_server, demo):
    from haven.accounts.models import User
    from haven.core.models import Student
    from haven.notify.models import Notification

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    counselor = User.objects.get(username="counselor")
    notes = [
        (
            "Follow-up due today: safety plan review",
            "Check in with the student and a guardian about the plan agreed last week.",
            45,
        ),
        (
            "New referral from Hannah Kim",
            "A teacher is worried about a student's essay. The team meets at 8:00 tomorrow.",
            180,
        ),
    ]
    for title, body, minutes in notes:
        note = Notification.objects.create(user=counselor, kind="demo", title=title, body=body)
        Notification.objects.filter(pk=note.pk).update(
            created_at=timezone.now() - timedelta(minutes=minutes)
        )

    page = new_context(viewport=DESKTOP).new_page()
    page.goto("/accounts/sign-in/")
    shoot(page, "sign-in")

    sign_in(page, counselor, demo.PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Priya")
    shoot(page, "home")

    page.goto("/roster/students/")
    shoot(page, "students")
    for row in (3, 7, 12):  # a few records read, so that the audit log has a story to tell
        page.locator("#student-rows a").nth(row).click()
        page.go_back()

    student = (
        Student.objects.filter(
            school__slug="northside-high", guardian_links__custody_restriction=True
        )
        .order_by("sourced_id")
        .first()
    )
    page.goto(f"/roster/students/{student.pk}/")
    expect(page.locator(".badge.life")).to_be_visible()
    shoot(page, "student")

    page.goto("/notifications/")
    shoot(page, "notifications")

    phone = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    session_for(phone, live_server, counselor)
    phone_page = phone.new_page()
    phone_page.goto(f"/roster/students/{student.pk}/")
    shoot(phone_page, "phone-student")

    dark = new_context(viewport=DESKTOP, color_scheme="dark")
    session_for(dark, live_server, counselor)
    dark_page = dark.new_page()
    dark_page.goto("/")
    shoot(dark_page, "home-dark")

    enrol = new_context(viewport=DESKTOP)
    session_for(enrol, live_server, User.objects.get(username="sro"), verified=False)
    enrol_page = enrol.new_page()
    enrol_page.goto("/accounts/sign-in/set-up/")
    shoot(enrol_page, "two-step-set-up")

    auditor = new_context(viewport=DESKTOP)
    session_for(auditor, live_server, User.objects.get(username="auditor"))
    auditor_page = auditor.new_page()
    auditor_page.goto("/audit/")
    shoot(auditor_page, "audit-log")
