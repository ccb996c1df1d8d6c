"""The learner's flow in Chromium: an assignment, the module, a failed post-test, a retake that
passes, the certificate PDF — and the principal's dashboard count moving. axe-core on each page
(light, dark, and a phone); nothing loaded from another origin; nothing blocked by the CSP."""

from __future__ import annotations

import pytest

from haven.training import content, services
from haven.training.models import Completion, Requirement
from tests.e2e.conftest import PHONE, axe_problems, foreign_requests, session_for
from tests.training.world import answers

pytestmark = pytest.mark.e2e


def _answer(page, given: dict[str, str]) -> None:
    for key, choice in given.items():
        page.locator(f"#q-{key}-{choice}").check()
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_selector("[data-testid=result]")


def test_assignment_module_fail_retake_pass_certificate_dashboard(
    new_context, live_server, recorder, people, district
):
    [module] = [m for m in content.load_folder(content.SHIPPED) if m.slug == "pathway-to-violence"]
    Requirement.objects.create(
        district=district,
        name="Warning signs",
        module=module,
        due="fixed",
        due_on=services.today(),
    )
    services.sync_assignments(district)
    problems: list[str] = []

    boss = new_context()
    session_for(boss, live_server, people["principal"])
    dashboard = boss.new_page()
    dashboard.goto("/training/dashboard/")
    assert dashboard.locator("[data-testid=done-staff]").inner_text() == "0"
    problems += axe_problems(dashboard)

    learner = new_context()
    session_for(learner, live_server, people["teacher"])
    page = learner.new_page()
    page.goto("/")
    page.get_by_role("link", name="Training").first.click()
    page.wait_for_url("**/training/")
    problems += axe_problems(page)
    page.get_by_role("link", name="Concerning behaviour and the pathway to violence").click()
    page.wait_for_url("**/training/modules/pathway-to-violence/")
    assert page.get_by_role("link", name="Refer a student now").is_visible()
    assert page.get_by_role("link", name="The tip line (share it with students)").is_visible()
    problems += axe_problems(page)

    page.get_by_role("button", name="Take the post-test").click()
    page.wait_for_selector("[data-testid=test-form]")
    problems += axe_problems(page)
    _answer(page, answers(module, right=2))
    assert "Not passed" in page.locator("[data-testid=result]").inner_text()
    assert "You scored 40%" in page.content()
    problems += axe_problems(page)

    page.get_by_role("button", name="Retake the post-test").click()
    page.wait_for_selector("[data-testid=test-form]")
    _answer(page, answers(module))
    assert "You have completed this module." in page.content()
    with page.expect_download() as download:
        page.locator("[data-testid=certificate]").click()
    pdf = open(download.value.path(), "rb").read()
    assert pdf.startswith(b"%PDF")
    assert Completion.objects.filter(user=people["teacher"]).count() == 1

    page.goto("/training/transcript/")
    problems += axe_problems(page)

    dashboard.reload()
    assert dashboard.locator("[data-testid=done-staff]").inner_text() == "1"

    # Dark mode and a phone.
    dashboard.emulate_media(color_scheme="dark")
    problems += axe_problems(dashboard)
    phone = new_context(viewport=PHONE)
    session_for(phone, live_server, people["teacher"])
    small = phone.new_page()
    small.goto("/training/modules/pathway-to-violence/")
    problems += axe_problems(small)
    small.goto("/training/")
    problems += axe_problems(small)

    assert problems == []
    assert foreign_requests(recorder.requests, live_server.url) == []
    assert [e for e in recorder.console_errors if "Content Security Policy" in e] == []
