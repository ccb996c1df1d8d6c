"""The group inbox in Chromium: a flood of reports about one post is one row with its count,
life-safety first; the counsellor acknowledges the group, messages every reporter at once (each
reads only their own dialogue), moves a wrongly grouped tip out, and closes the group."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from haven.tips import services
from haven.tips.models import Disposition, Message, Status, Tip
from tests.e2e.conftest import axe_problems, session_for
from tests.tips import tip_input

pytestmark = pytest.mark.e2e

LINK = "https://instagram.com/stories/jake.morrow22/3301"
FLOOD = [
    ("Jake Morrow posted on his instagram story that he will shoot up the school", LINK),
    ("jake morrow's insta story says he'll shoot up north tomorow", LINK + "?igsh=abc"),
    ("Jake Morrow publicó en Instagram que va a disparar en la escuela mañana", LINK),
    ("Everyone is sharing Jake's story about shooting up the school", LINK),
]


def _flood() -> list[tuple[Tip, str]]:
    return [
        services.submit(
            tip_input(
                category="violence_threat",
                description=text,
                location="",
                online_url=url,
                subject_names=["Jake Morrow"],
            )
        )
        for text, url in FLOOD
    ]


def test_the_counsellor_works_a_flood_as_one_group(new_context, live_server, people):
    lone = services.submit(
        tip_input(description="Someone keeps taking a sixth grader's lunch on bus 14.")
    )[0]
    sent = _flood()
    tips = [tip for tip, _receipt in sent]
    group_id = Tip.objects.get(pk=tips[0].pk).group_id

    context = new_context()
    session_for(context, live_server, people["counselor"])
    page = context.new_page()
    page.goto("/tips/")
    rows = page.locator("tr.tip-row")
    expect(rows).to_have_count(2)
    # One row for the four reports, the most urgent on top and first in the inbox.
    expect(rows.first.get_by_test_id("group-count")).to_have_text("4 reports")
    expect(rows.nth(1)).to_have_attribute("data-tip", str(lone.pk))
    assert axe_problems(page) == []

    rows.first.get_by_role("link").click()
    group = page.get_by_test_id("tip-group")
    expect(group.get_by_role("heading")).to_have_text("4 reports of the same incident")
    expect(page.get_by_test_id("group-members").locator("li")).to_have_count(4)
    expect(page.get_by_test_id("group-names")).to_contain_text("Jake Morrow")
    assert axe_problems(page) == []

    page.get_by_test_id("group-acknowledge").click()
    expect(page.locator(".flash.success")).to_contain_text("Acknowledged 4 tips")
    assert set(Tip.objects.filter(group_id=group_id).values_list("status", flat=True)) == {
        Status.ACKNOWLEDGED
    }

    page.get_by_label("Message to every reporter of this group").fill(
        "Thank you. The school knows and is acting on it."
    )
    page.get_by_test_id("group-message").click()
    expect(page.locator(".flash.success")).to_contain_text("Sent to 4 reporters")
    for tip, receipt in sent:
        thread = services.reporter_thread(services.find_by_receipt(receipt))
        assert [(m.tip_id, m.body) for m in thread] == [
            (tip.pk, "Thank you. The school knows and is acting on it.")
        ]

    # The last report was wrongly grouped: move it out from its own page.
    page.goto(f"/tips/{tips[3].pk}/")
    page.get_by_test_id("group-leave").click()
    expect(page.locator(".flash.success")).to_contain_text("Moved out")
    assert Tip.objects.filter(group_id=group_id).count() == 3

    page.goto(f"/tips/{tips[0].pk}/")
    page.get_by_label("Close every open tip of the group as").select_option(Disposition.DUPLICATE)
    page.get_by_test_id("group-close").click()
    expect(page.locator(".flash.success")).to_contain_text("Closed 3 tips")
    assert set(Tip.objects.filter(group_id=group_id).values_list("disposition", flat=True)) == {
        Disposition.DUPLICATE
    }
    assert Tip.objects.count() == 5 and Message.objects.count() == 4
    page.goto("/tips/")
    expect(page.locator("tr.tip-row")).to_have_count(2)  # the lone tip and the one moved out
