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
def demo(db, settings, live_server):
    from haven.cases import cstag
    from haven.cases.models import AssessmentModel
    from haven.core import demo
    from haven.home import demo as whole_demo

    # The live server's database is flushed between tests: put the shipped models back first.
    if not AssessmentModel.objects.filter(slug="cstag").exists():
        cstag.install_builtin()
    whole_demo.load()
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
    from haven.accounts import services

    code = services.issue_enrolment_code(User.objects.get(username="sro")).code
    enrol_page.get_by_label("Enrolment code").fill(code)
    enrol_page.get_by_role("button", name="Continue").click()
    enrol_page.wait_for_selector(".qr svg")
    shoot(enrol_page, "two-step-set-up")

    auditor = new_context(viewport=DESKTOP)
    session_for(auditor, live_server, User.objects.get(username="auditor"))
    auditor_page = auditor.new_page()
    auditor_page.goto("/audit/")
    shoot(auditor_page, "audit-log")


def _staff_page(new_context, live_server, username: str, *, phone: bool = False):
    from haven.accounts.models import User

    options = {"viewport": PHONE, "is_mobile": True, "has_touch": True} if phone else {}
    context = new_context(**({"viewport": DESKTOP} | options))
    session_for(context, live_server, User.objects.get(username=username))
    return context.new_page()


def test_screenshots_of_the_product(new_context, live_server, demo):
    """One picture of each part: the tip line, triage, cases, visitors, volunteers, emergencies,
    reports and training."""
    from haven.accounts.models import User
    from haven.cases.models import Case
    from haven.core.models import School
    from haven.emergencies.alerts import services
    from haven.emergencies.roll_call import services as roll_call
    from haven.tips.models import Tip

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    public = new_context(viewport=DESKTOP).new_page()
    public.goto("/report/northside-high/")
    shoot(public, "report")
    public.goto("/volunteer/apply/northside-high/")
    shoot(public, "volunteer-apply")

    counselor = _staff_page(new_context, live_server, "counselor")
    counselor.goto("/tips/")
    shoot(counselor, "tips")
    tip = Tip.objects.filter(school__slug="northside-high", life_safety=True).first()
    counselor.goto(f"/tips/{tip.pk}/")
    shoot(counselor, "tip")
    counselor.goto("/triage/review/")
    shoot(counselor, "signals")
    counselor.goto("/cases/")
    shoot(counselor, "cases")
    case = (
        Case.objects.filter(school__slug="northside-high", assessments__isnull=False)
        .order_by("pk")
        .first()
    )
    counselor.goto(f"/cases/{case.pk}/")
    shoot(counselor, "case")

    desk = _staff_page(new_context, live_server, "frontdesk")
    desk.goto("/visitors/")
    shoot(desk, "visitors")
    desk.goto("/visitors/check-in/")
    shoot(desk, "visitor-check-in")

    coordinator = _staff_page(new_context, live_server, "coordinator")
    coordinator.goto("/volunteers/")
    shoot(coordinator, "volunteers")

    principal = _staff_page(new_context, live_server, "principal")
    principal.goto("/emergencies/drills/")
    shoot(principal, "drills")
    principal.goto("/reports/tips/")
    shoot(principal, "reports")
    principal.goto("/training/dashboard/")
    shoot(principal, "training-dashboard")
    learner = _staff_page(new_context, live_server, "teacher")
    learner.goto("/training/")
    shoot(learner, "training")

    # A lockdown drill under way: the alert, a class's roll call on a phone, the live dashboard.
    northside = School.objects.get(slug="northside-high")
    incident = services.raise_incident(
        User.objects.get(username="principal"),
        northside,
        "lockdown",
        drill=True,
        note="Lockdown drill: stay out of sight until the all clear.",
    )
    teacher = _staff_page(new_context, live_server, "teacher", phone=True)
    teacher.goto("/")
    expect(teacher.locator("dialog#emergency-alert")).to_be_visible()
    shoot(teacher, "alert-phone")

    hannah = User.objects.get(username="teacher")
    for section in roll_call.sections_for(hannah, incident)[1:]:
        roster = roll_call.roster(section)
        roll_call.submit_roll_call(
            hannah,
            incident,
            section,
            [roll_call.Mark(student.pk, "present") for student in roster[1:]]
            + [roll_call.Mark(student.pk, "missing") for student in roster[:1]],
        )
    services.acknowledge(hannah, incident)
    teacher.goto(f"/emergencies/{incident.pk}/roll-call/")
    shoot(teacher, "roll-call-phone")

    services.acknowledge(User.objects.get(username="principal"), incident)
    principal.goto(f"/emergencies/{incident.pk}/")
    shoot(principal, "incident")
    principal.goto(f"/emergencies/{incident.pk}/reunification/")
    shoot(principal, "reunification")
