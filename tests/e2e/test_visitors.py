"""The front desk in Chromium: a visitor checked in from a barcode typed by a (keyboard-wedge)
scanner, screened clear, badged (the PDF opens), signed out; the same without JavaScript; and the
visitors' pages pass axe-core in light and dark without asking another origin for anything."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from haven.visitors.models import Visit
from tests.e2e.conftest import axe_problems, foreign_requests, session_for

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "aamva"
VA = json.loads((FIXTURES / "va_v08_dl_standard_sample.json").read_text(encoding="utf-8"))


def desk(new_context, live_server, user, **options):
    context = new_context(**options)
    session_for(context, live_server, user)
    return context, context.new_page()


def test_check_in_by_scanner_then_badge_then_sign_out(
    new_context, live_server, recorder, people, roster
):
    context, page = desk(new_context, live_server, people["frontdesk"])
    page.goto("/visitors/check-in/")
    problems = axe_problems(page)

    page.get_by_label("Reason for the visit").fill("Meeting with staff")
    page.get_by_label("Going to").fill("Room 210")
    # The scanner "types" the whole card into the box; when the burst ends, the ID is read.
    page.get_by_label("Scan the barcode on the back of the ID").fill(VA["payload"])
    expect(page.get_by_test_id("id-name")).to_have_text("Michael John Sample JR")
    assert not Visit.objects.exists()
    expect(page.get_by_label("Reason for the visit")).to_have_value("Meeting with staff")

    page.get_by_test_id("check-in-submit").click()
    expect(page.get_by_test_id("screening-outcome")).to_contain_text("Screening clear")
    expect(page.get_by_test_id("visitor-name")).to_have_text("Michael John Sample JR")
    visit = Visit.objects.get()
    assert (visit.status, visit.source, visit.destination) == ("on_site", "scan", "Room 210")
    problems += axe_problems(page)

    for size in ("label", "letter"):
        href = page.get_by_test_id(f"badge-{size}").get_attribute("href")
        response = context.request.get(href)
        assert response.status == 200 and response.headers["content-type"] == "application/pdf"
        assert response.body().startswith(b"%PDF")

    page.goto("/visitors/")
    expect(page.get_by_test_id("on-site-list")).to_contain_text("Michael John Sample JR")
    problems += axe_problems(page)
    page.goto(f"/visitors/{visit.pk}/")
    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("visit-status")).to_contain_text("Signed out")
    visit.refresh_from_db()
    assert visit.status == "signed_out" and visit.checked_out_at is not None

    page.goto("/visitors/log/")
    expect(page.locator("table.visitors-list")).to_contain_text("Michael John Sample JR")
    problems += axe_problems(page)
    assert not problems, "\n".join(problems)
    assert not foreign_requests(recorder.requests, live_server.url), recorder.requests
    blocked = [e for e in recorder.console_errors if "Content Security Policy" in e]
    assert not blocked, blocked


def test_check_in_works_without_javascript(new_context, live_server, people, roster):
    _, page = desk(new_context, live_server, people["frontdesk"], java_script_enabled=False)
    page.goto("/visitors/check-in/")
    page.get_by_label("Scan the barcode on the back of the ID").fill(VA["payload"])
    page.get_by_role("button", name="Read the ID").click()
    expect(page.get_by_test_id("id-name")).to_have_text("Michael John Sample JR")
    page.get_by_label("Reason for the visit").fill("Delivery")
    page.get_by_test_id("check-in-submit").click()
    expect(page.get_by_test_id("screening-outcome")).to_contain_text("Screening clear")
    assert Visit.objects.get().status == "on_site"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_visitors_pages_pass_axe(new_context, live_server, people, roster, scheme):
    from tests.visitors.test_services import check_in

    visit = check_in(people["frontdesk"], roster["maya"].school)
    _, page = desk(new_context, live_server, people["frontdesk"], color_scheme=scheme)
    problems = []
    for path in (
        "/visitors/check-in/",
        "/visitors/",
        "/visitors/log/",
        f"/visitors/{visit.pk}/",
        "/visitors/scan/",
        "/visitors/expected/",
        "/visitors/watchlist/",
        "/visitors/kiosks/",
    ):
        page.goto(path)
        problems += axe_problems(page)
    # The lobby tablet: its set-up page, then the kiosk itself once the code is typed.
    tablet = new_context(color_scheme=scheme).new_page()
    tablet.goto("/visitors/kiosk/")
    problems += axe_problems(tablet)
    page.goto("/visitors/kiosks/")
    page.get_by_role("button", name="Get a kiosk code").click()
    code = page.get_by_test_id("kiosk-code").inner_text()
    tablet.get_by_label("Kiosk code").fill(code)
    tablet.get_by_role("button", name="Set up").click()
    tablet.wait_for_url("**/visitors/kiosk/northside-high/")
    problems += axe_problems(tablet)
    assert not problems, "\n".join(problems)
