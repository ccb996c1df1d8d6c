"""The team's case pages in Chromium: a teacher's referral becomes a case, the team works the
first CSTAG step, adds a plan item and records a follow-up review; the case list and the case
page pass axe-core (serious and critical violations fail), and nothing leaves the server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from haven.cases import cstag, services
from haven.cases.models import Case, Referral
from tests.e2e.conftest import axe_problems, foreign_requests, session_for

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _assessment_models(live_server):
    """The live server's database is flushed between tests: put the shipped models back."""
    from haven.cases.models import AssessmentModel

    if not AssessmentModel.objects.filter(slug="cstag").exists():
        cstag.install_builtin()


def test_referral_to_case_to_assessment_to_plan_to_review(
    new_context, live_server, people, roster, recorder
):
    # Every session is made before any page loads: the test thread and the live server share one
    # SQLite database, and a page's background requests must not race these writes.
    teacher_context = new_context()
    session_for(teacher_context, live_server, people["teacher"])
    context = new_context()
    session_for(context, live_server, people["principal"])
    teacher = teacher_context.new_page()
    teacher.goto("/cases/refer/")
    teacher.get_by_label("Student", exact=True).select_option(str(roster["maya"].pk))
    teacher.get_by_label("Talk, writing or posts about hurting others").check()
    teacher.get_by_label("What worries you").fill("She wrote that they will all pay on Friday.")
    teacher.get_by_role("button", name="Send to the team").click()
    expect(teacher.locator("h1")).to_contain_text("your referral was sent")
    referral = Referral.objects.get()
    teacher.close()
    page = context.new_page()
    page.goto("/cases/referrals/")
    expect(page.locator(f"[data-referral='{referral.pk}']")).to_contain_text("they will all pay")
    page.locator(f"[data-referral='{referral.pk}']").get_by_role("link", name="Open a case").click()
    page.get_by_label("Type").select_option("threat")
    page.get_by_role("button", name="Open the case").click()
    expect(page.locator("h1")).to_contain_text("Maya")
    case = Case.objects.get()

    page.get_by_role("button", name="Start a threat assessment (CSTAG)").click()
    page.get_by_label("What exactly was said, written or done?").fill("They will all pay.")
    page.get_by_label("Who was threatened (the intended victim or victims)?").fill("Her class")
    page.get_by_label("Where and when did it happen, and what led up to it?").fill("Essay, Monday")
    page.get_by_label("The student's account: what did they mean").fill("She was upset")
    page.locator("input[name=a-weapon_mentioned][value=no]").check()
    page.get_by_label("Rationale").fill("Written in anger; no plan found.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_test_id("blockers")).to_be_visible()  # the checklist is not settled yet
    while page.locator(".action-list button", has_text="Done").count():
        page.locator(".action-list button", has_text="Done").first.click()
    page.get_by_role("button", name="Save and close the step").click()
    expect(page.locator("[data-step=evaluate]")).to_contain_text("Closed")

    due = (timezone.localdate() + timedelta(days=7)).isoformat()
    page.goto(f"/cases/{case.pk}/plan/")
    page.get_by_label("What will be done").fill("Weekly check-in with the counsellor")
    page.get_by_label("Owner").select_option(str(people["principal"].pk))
    page.get_by_label("Due", exact=True).fill(due)
    page.get_by_role("button", name="Add to the plan").click()
    expect(page.locator(".plan-items")).to_contain_text("Weekly check-in with the counsellor")
    page.get_by_label("Next review on").fill(due)
    page.get_by_role("button", name="Schedule a review").click()
    page.get_by_label("What the review found").fill("Calmer; attending class.")
    page.get_by_role("button", name="Record the review").click()
    expect(page.locator(".reviews")).to_contain_text("Calmer; attending class.")

    review = services.plan(people["principal"], case).reviews[0]
    assert review.done_at is not None
    assert not foreign_requests(recorder.requests, live_server.url)
    blocked = [e for e in recorder.console_errors if "Content Security Policy" in e]
    assert not blocked


def test_case_list_and_case_page_pass_axe(new_context, live_server, people, roster):
    case = services.open_case(
        people["principal"],
        school=roster["maya"].school,
        type="threat",
        summary="Axe check",
        student=roster["maya"],
        team=[people["principal"], people["counselor"], people["sro"]],
    )
    services.add_note(people["counselor"], case, "clinical", "A clinical note.")
    assessment = services.start_assessment(people["principal"], case)
    context = new_context()
    session_for(context, live_server, people["sro"])
    counselor = new_context()
    session_for(counselor, live_server, people["counselor"])
    admin = new_context()
    session_for(admin, live_server, people["admin"])
    page = context.new_page()
    problems: list[str] = []
    paths = (
        "/cases/",
        f"/cases/{case.pk}/",
        f"/cases/{case.pk}/plan/",
        f"/cases/{case.pk}/pathway/",
        f"/cases/{case.pk}/screening/",
        f"/cases/{case.pk}/assessments/{assessment.pk}/",
        f"/cases/{case.pk}/team/",
        f"/cases/{case.pk}/edit/",
        f"/cases/{case.pk}/timeline/",
        "/cases/refer/",
    )
    for path in paths:
        page.goto(path)
        problems += axe_problems(page)
    page.goto(f"/cases/{case.pk}/break-glass/clinical/")
    problems += axe_problems(page)
    clinical = counselor.new_page()
    for path in (f"/cases/{case.pk}/", f"/cases/{case.pk}/screening/", "/cases/referrals/"):
        clinical.goto(path)
        problems += axe_problems(clinical)
    equity = admin.new_page()
    equity.goto("/cases/equity/")
    problems += axe_problems(equity)
    assert not problems, "\n".join(problems)


def test_principal_adds_a_team_member_and_uploads_a_document(
    new_context, live_server, people, roster, tmp_path
):
    case = services.open_case(
        people["principal"],
        school=roster["maya"].school,
        type="threat",
        student=roster["maya"],
        team=[people["principal"], people["counselor"]],
    )
    context = new_context()
    session_for(context, live_server, people["principal"])
    page = context.new_page()
    page.goto(f"/cases/{case.pk}/")
    page.get_by_role("link", name="Change the team").click()
    page.get_by_label(people["team_member"].label, exact=True).check()
    page.get_by_role("button", name="Save the team").click()
    expect(page.get_by_test_id("case-team")).to_contain_text(people["team_member"].label)
    minutes = tmp_path / "minutes.txt"
    minutes.write_text("Team meeting minutes.")
    page.locator("[data-compartment=team]").get_by_label("Add a document").set_input_files(minutes)
    page.locator("[data-compartment=team]").get_by_role(
        "button", name="Upload the document"
    ).click()
    expect(page.locator("[data-compartment=team] .case-documents")).to_contain_text("minutes.txt")
    assert set(case.team.values_list("username", flat=True)) == {
        "principal",
        "counselor",
        "team_member",
    }
