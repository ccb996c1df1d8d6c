"""axe-core on every page, in light and dark mode, and on a phone: no serious or critical
violations (contrast, names, labels, landmarks...)."""

from __future__ import annotations

import pytest

from haven.notify.models import Notification
from tests.e2e.conftest import PHONE, axe_problems, enrol_device, session_for

pytestmark = pytest.mark.e2e


@pytest.fixture
def unread_note(counselor):
    return Notification.objects.create(
        user=counselor,
        kind="test",
        title="Follow-up due today",
        body="Check in with the student about the safety plan.",
        url="/roster/students/",
    )


def staff_pages(roster) -> list[str]:
    return [
        "/",
        "/roster/students/",
        "/roster/students/?q=nobody-has-this-name",
        f"/roster/students/{roster['maya'].pk}/",
        "/roster/classes/",
        f"/roster/classes/{roster['english'].pk}/",
        "/notifications/",
        "/no-such-page/",
    ]


def check(page, paths: list[str], scheme: str) -> list[str]:
    page.emulate_media(color_scheme=scheme)
    problems = []
    for path in paths:
        page.goto(path)
        problems += axe_problems(page)
    return problems


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_passes_axe(new_context, live_server, people, roster, unread_note, scheme):
    problems = []

    # Signed out: the sign-in page, and the same page with an error on it.
    page = new_context().new_page()
    problems += check(page, ["/accounts/sign-in/"], scheme)
    page.locator("#id_username").fill("someone")
    page.locator("#id_password").fill("wrong")
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("[role=alert]")
    problems += axe_problems(page)

    # Password given, second factor not yet: the enrolment code, the authenticator's set-up, and
    # the code page (with an error).
    from haven.accounts import services

    context = new_context()
    session_for(context, live_server, people["sro"], verified=False)
    page = context.new_page()
    problems += check(page, ["/accounts/sign-in/set-up/"], scheme)
    page.get_by_label("Enrolment code").fill(services.issue_enrolment_code(people["sro"]).code)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_selector(".qr svg")
    problems += axe_problems(page)
    context = new_context()
    enrol_device(people["principal"])
    session_for(context, live_server, people["principal"], verified=False)
    page = context.new_page()
    problems += check(page, ["/accounts/sign-in/code/"], scheme)
    page.get_by_label("6-digit code").fill("12")
    page.get_by_role("button", name="Verify").click()
    page.wait_for_selector(".field-error")
    problems += axe_problems(page)

    # The staff pages, as a counsellor, with the account menu open once.
    context = new_context()
    session_for(context, live_server, people["counselor"])
    page = context.new_page()
    problems += check(page, staff_pages(roster), scheme)
    page.goto("/")
    page.locator("details.account summary").click()
    problems += axe_problems(page)

    # The audit log as the auditor, and the school switcher as a district administrator.
    context = new_context()
    session_for(context, live_server, people["auditor"])
    problems += check(context.new_page(), ["/audit/", "/audit/?action=break_glass"], scheme)
    context = new_context()
    session_for(context, live_server, people["admin"])
    problems += check(context.new_page(), ["/"], scheme)

    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_phone_layout_passes_axe(new_context, live_server, people, roster, unread_note, scheme):
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    session_for(context, live_server, people["counselor"])
    page = context.new_page()
    problems = check(
        page, ["/", "/roster/students/", f"/roster/students/{roster['maya'].pk}/"], scheme
    )
    problems += check(context.new_page(), ["/accounts/sign-in/?next=/x"], scheme)
    assert not problems, "\n".join(problems)


def test_phone_navigation_is_along_the_bottom_and_large_enough_to_tap(
    new_context, live_server, people, roster
):
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    session_for(context, live_server, people["counselor"])
    page = context.new_page()
    page.goto("/")
    nav = page.get_by_role("navigation", name="Main")
    box = nav.bounding_box()
    assert box["y"] + box["height"] == pytest.approx(PHONE["height"], abs=1)
    for link in nav.get_by_role("link").all():
        size = link.bounding_box()
        assert size["height"] >= 44 and size["width"] >= 44, link.inner_text()
    page.goto(f"/roster/students/{roster['maya'].pk}/")
    targets = page.locator("main a, main button, main input, main select").all()
    assert targets
    for target in targets:
        assert target.bounding_box()["height"] >= 44, target.evaluate("(n) => n.outerHTML")


def test_desktop_navigation_is_down_the_left(page, live_server, people):
    session_for(page.context, live_server, people["counselor"])
    page.goto("/")
    nav = page.get_by_role("navigation", name="Main").bounding_box()
    main = page.locator("main").bounding_box()
    assert nav["x"] == 0 and nav["x"] + nav["width"] <= main["x"]
    for link in page.get_by_role("navigation", name="Main").get_by_role("link").all():
        assert link.bounding_box()["height"] >= 44
