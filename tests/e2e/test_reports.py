"""The report pages in Chromium: a chart and its table visible, a filter applied, axe-core clean in
light and dark mode and on a phone, nothing asked of another origin and nothing the CSP blocks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.e2e.conftest import PHONE, axe_problems, foreign_requests, session_for
from tests.reports.conftest import make_tip

pytestmark = pytest.mark.e2e


@pytest.fixture
def some_tips(northside):
    now = timezone.now()
    for n, category in enumerate(["bullying", "bullying", "weapon", "self_harm"]):
        make_tip(
            northside,
            now - dt.timedelta(days=n + 1),
            category=category,
            ack_minutes=5 * (n + 1),
            close_minutes=60 * (n + 1),
            disposition="resolved",
        )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_tip_report_chart_and_table(new_context, live_server, people, some_tips, recorder, scheme):
    context = new_context()
    session_for(context, live_server, people["principal"])
    page = context.new_page()
    page.emulate_media(color_scheme=scheme)
    page.goto("/reports/")
    page.get_by_test_id("report-tips").click()
    chart = page.get_by_test_id("chart-by-category").locator("svg[role=img]")
    chart.wait_for()
    assert chart.is_visible()
    assert page.get_by_role("img", name="Tips by category").is_visible()
    table = page.get_by_test_id("table-by-category")
    assert table.is_visible()
    assert (
        table.locator("tr", has_text="Bullying or cyberbullying").locator("td").inner_text() == "2"
    )
    problems = axe_problems(page)

    page.get_by_label("Category", exact=True).select_option("weapon")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**category=weapon**")
    assert page.get_by_test_id("table-by-category").locator("tbody tr").count() == 1
    problems += axe_problems(page)

    page.goto("/reports/cases/")
    page.get_by_test_id("table-equity").wait_for()
    problems += axe_problems(page)
    page.goto("/reports/drills/")
    problems += axe_problems(page)
    page.goto("/reports/tips/?from=2026-12-01&to=2026-01-01")
    assert "“to” is before “from”" in page.get_by_test_id("report-errors").inner_text()
    problems += axe_problems(page)
    assert not problems, "\n".join(problems)
    assert not foreign_requests(recorder.requests, live_server.url)
    blocked = [e for e in recorder.console_errors if "Content Security Policy" in e]
    assert not blocked, blocked


def test_tip_report_on_a_phone(new_context, live_server, people, some_tips, recorder):
    context = new_context(viewport=PHONE)
    session_for(context, live_server, people["admin"])
    page = context.new_page()
    page.goto("/reports/tips/")
    chart = page.get_by_test_id("chart-by-category").locator("svg")
    chart.wait_for()
    box = chart.bounding_box()
    assert box is not None and box["width"] <= PHONE["width"]
    assert not axe_problems(page)
    assert not foreign_requests(recorder.requests, live_server.url)
