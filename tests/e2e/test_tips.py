"""The tip line in Chromium: a reporter and a counsellor talk through it, the form works with
JavaScript off, a danger-now "yes" shows 911 and 988 at once, and every page passes axe-core in
light and dark without asking another origin for anything."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from haven.tips import services
from haven.tips.models import Message, Status, Tip
from tests.e2e.conftest import PHONE, axe_problems, foreign_requests, session_for
from tests.tips import jpeg_bytes, tip_input

pytestmark = pytest.mark.e2e

RECEIPT = re.compile(r"^\d{4} \d{4} \d{4} \d{4}$")


def fill_report(page, description: str, *, danger: bool = False) -> None:
    """Fill in the school's report form as a student would (by the visible labels)."""
    page.goto("/report/northside-high/")
    name = "Yes, someone is in danger right now" if danger else "No"
    page.locator("fieldset.danger").get_by_role("radio", name=name, exact=True).check()
    page.get_by_label("What happened?").fill(description)
    page.locator("input[name=category][value=bullying]").check()
    page.get_by_label("Where did it happen?").fill("Bus 14")


def test_a_reporter_and_a_counsellor_talk_through_the_tip_line(
    new_context, live_server, recorder, people, tmp_path
):
    picture = tmp_path / "screenshot.jpg"
    picture.write_bytes(jpeg_bytes(gps=True))

    # The reporter, on a phone: report with a file, get a receipt.
    reporter = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    fill_report(reporter, "Two older kids push a sixth grader off the bus every day.")
    reporter.get_by_label("Screenshots, photos, videos or PDFs").set_input_files(str(picture))
    reporter.get_by_role("button", name="Send report").click()
    receipt = reporter.get_by_test_id("receipt").inner_text().strip()
    assert RECEIPT.match(receipt), receipt
    assert receipt not in reporter.url
    tip = Tip.objects.get()
    assert tip.attachments.count() == 1

    # A counsellor acknowledges it and asks a question.
    context = new_context()
    session_for(context, live_server, people["counselor"])
    staff = context.new_page()
    staff.goto("/tips/")
    staff.get_by_role("link", name=f"Tip #{tip.pk}").click()
    expect(staff.get_by_test_id("tip-description")).to_contain_text("off the bus")
    staff.get_by_role("button", name="Acknowledge").click()
    expect(staff.locator(".flash.success")).to_contain_text("Acknowledged")
    staff.get_by_label("Message").fill("Which stop does it happen at?")
    staff.get_by_role("button", name="Send to the reporter").click()
    expect(staff.locator(".flash.success")).to_contain_text("Sent.")
    tip.refresh_from_db()
    assert tip.status == Status.ACKNOWLEDGED

    # The reporter comes back with the receipt, reads the question and answers.
    reporter.get_by_role("link", name="Follow up on your report").click()
    reporter.get_by_label("Your receipt number").fill(receipt)
    reporter.get_by_role("button", name="Open my report").click()
    expect(reporter.locator(".thread")).to_contain_text("Which stop does it happen at?")
    expect(reporter.locator(".thread")).to_contain_text("School safety team")
    expect(reporter.get_by_test_id("reporter-status")).to_contain_text("Read by the safety team")
    reporter.get_by_label("Your message").fill("The stop at Elm and 3rd.")
    reporter.get_by_role("button", name="Send message").click()
    expect(reporter.locator(".flash.success")).to_contain_text("Your message was sent.")
    assert receipt.replace(" ", "") not in reporter.url.replace(" ", "")
    assert reporter.context.cookies() == []

    staff.reload()
    expect(staff.locator(".staff-thread")).to_contain_text("The stop at Elm and 3rd.")
    assert Message.objects.filter(tip=tip, sender=Message.Sender.REPORTER).count() == 1

    assert not foreign_requests(recorder.requests, live_server.url), recorder.requests
    blocked = [e for e in recorder.console_errors if "Content Security Policy" in e]
    assert not blocked, blocked


def test_a_report_goes_through_with_javascript_off(new_context, people):
    page = new_context(java_script_enabled=False).new_page()
    fill_report(page, "Someone is selling vapes in the bathroom.")
    page.get_by_label("I want to give my name and a way to reach me").check()
    page.get_by_label("Your name").fill("Ana")
    page.get_by_role("button", name="Send report").click()
    assert RECEIPT.match(page.get_by_test_id("receipt").inner_text().strip())
    assert Tip.objects.get().contact == {"name": "Ana"}
    assert page.context.cookies() == []


def test_danger_now_yes_shows_911_and_988_at_once(page):
    from haven.core.models import District, School

    School.objects.create(
        district=District.objects.create(name="D", slug="d"),
        name="Northside",
        slug="northside-high",
    )
    page.goto("/report/northside-high/")
    danger = page.locator("fieldset.danger")
    expect(danger.get_by_role("link", name="Call 911")).to_be_visible()
    expect(danger.get_by_role("link", name="Call or text 988")).to_be_visible()
    danger.get_by_label("Yes, someone is in danger right now").check()
    expect(danger.locator(".crisis")).to_have_class(re.compile("crisis-now"))
    expect(danger.locator("[data-danger-live]")).to_contain_text("Call 911 now")
    expect(danger.get_by_role("link", name="Call 911")).to_be_in_viewport()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_tip_line_page_passes_axe(new_context, live_server, people, scheme):
    problems: list[str] = []
    reporter = new_context().new_page()
    reporter.emulate_media(color_scheme=scheme)

    reporter.goto("/report/")
    problems += axe_problems(reporter)
    reporter.goto("/report/northside-high/?lang=es")
    problems += axe_problems(reporter)
    reporter.goto("/report/northside-high/")
    reporter.get_by_role("button", name="Send report").click()  # empty: errors by the fields
    expect(reporter.locator("#form-problem")).to_be_visible()
    problems += axe_problems(reporter)
    fill_report(reporter, "A group chat is sharing a photo of a classmate.", danger=True)
    reporter.get_by_label("It happened online or on social media").check()
    reporter.get_by_role("button", name="Send report").click()
    receipt = reporter.get_by_test_id("receipt").inner_text().strip()
    problems += axe_problems(reporter)  # the receipt, with the crisis box

    reporter.goto("/report/follow-up/")
    problems += axe_problems(reporter)
    reporter.get_by_label("Your receipt number").fill("0000 0000 0000 0001")
    reporter.get_by_role("button", name="Open my report").click()
    expect(reporter.locator("#id_receipt_error")).to_be_visible()
    problems += axe_problems(reporter)
    tip = Tip.objects.get()
    services.staff_message(people["counselor"], tip, "Can you tell us which chat?", signed=True)
    reporter.get_by_label("Your receipt number").fill(receipt)
    reporter.get_by_role("button", name="Open my report").click()
    expect(reporter.locator(".thread")).to_contain_text("which chat")
    problems += axe_problems(reporter)

    other = services.submit(tip_input(category="weapon", contact={"name": "Ana"}))[0]
    services.staff_message(people["counselor"], other, "Checked with the driver.", internal=True)
    tip.triage = {
        "categories": [{"name": "bullying_harassment", "score": 0.8}],
        "urgency": "high",
        "evidence": [{"start": 2, "end": 12, "category": "bullying_harassment"}],
    }
    tip.save()
    context = new_context()
    session_for(context, live_server, people["counselor"])
    staff = context.new_page()
    staff.emulate_media(color_scheme=scheme)
    for path in ("/tips/", "/tips/?status=all&life=1", f"/tips/{tip.pk}/", f"/tips/{other.pk}/"):
        staff.goto(path)
        problems += axe_problems(staff)
    staff.get_by_role("button", name="Close tip").click()  # no disposition: an error
    expect(staff.locator(".close-form .field-error")).to_be_visible()
    problems += axe_problems(staff)
    staff.get_by_role("button", name="Show the reporter's identity").click()
    expect(staff.get_by_test_id("contact")).to_contain_text("Ana")
    problems += axe_problems(staff)

    assert not problems, "\n".join(problems)
