"""Idle sign-out: only a person's own requests count as activity. An open tab keeps asking Haven
for things by itself (the notification poll, the alert stream, live boards); none of that may keep
a session alive, or idle sign-out never fires on the screen someone walked away from."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django.urls import resolve, reverse

from haven.accounts import activity
from tests.accounts.test_sign_in import sign_in
from tests.conftest import signed_in

BACKGROUND = {"HTTP_X_HAVEN_BACKGROUND": "1"}


def _expired(response) -> bool:
    return response.status_code == 302 and "expired=1" in response["Location"]


def test_an_open_tabs_polling_does_not_keep_the_session_alive(settings, frontdesk, northside):
    settings.HAVEN_SESSION_IDLE_MINUTES = 30
    with time_machine.travel(time.time(), tick=False) as clock:
        client = signed_in(frontdesk)
        assert client.get("/visitors/").status_code == 200  # the page, opened by the person
        answers = []
        for _ in range(40):  # what the open page keeps asking, minute after minute
            clock.shift(60)
            answers.append(client.get(reverse("notify:unread")).status_code)
            client.get("/visitors/", HTTP_HX_REQUEST="true", **BACKGROUND)  # the live list
            client.get("/api/v1/alerts/stream?school=northside-high")  # the stream reconnecting
        # Polls answer normally up to the idle limit, then say the session expired.
        assert answers[:30] == [200] * 30
        assert answers[30] == 401
        # The person comes back: signed out, with the reason.
        response = client.get("/visitors/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_persons_own_requests_keep_the_session_alive(settings, frontdesk, northside):
    settings.HAVEN_SESSION_IDLE_MINUTES = 30
    with time_machine.travel(time.time(), tick=False) as clock:
        client = signed_in(frontdesk)
        for _ in range(6):
            clock.shift(20 * 60)
            assert client.get("/visitors/").status_code == 200
            # A search typed into the page is htmx too, but it is the person's own request.
            assert client.get("/visitors/", HTTP_HX_REQUEST="true").status_code == 200


def test_the_idle_clock_starts_at_sign_in(settings, teacher):
    settings.HAVEN_SESSION_IDLE_MINUTES = 30
    client = Client()
    with time_machine.travel(time.time(), tick=False) as clock:
        sign_in(client, "teacher")
        clock.shift(20 * 60)
        assert client.get(reverse("notify:unread"), **BACKGROUND).status_code == 200
        clock.shift(11 * 60)  # 31 minutes after signing in, with only background requests between
        assert client.get(reverse("notify:unread"), **BACKGROUND).status_code == 401
        assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:login"))


def test_an_expired_poll_tells_the_page_to_go_to_sign_in(settings, frontdesk, northside):
    settings.HAVEN_SESSION_IDLE_MINUTES = 30
    with time_machine.travel(time.time(), tick=False) as clock:
        client = signed_in(frontdesk)
        clock.shift(31 * 60)
        response = client.get(
            "/visitors/",
            HTTP_HX_REQUEST="true",
            HTTP_HX_CURRENT_URL="http://testserver/visitors/log/?day=2026-01-02",
            **BACKGROUND,
        )
    assert response.status_code == 401
    assert response.json()["detail"] == "Session expired: sign in again."
    # htmx follows HX-Redirect whatever the status: the open tab lands on the sign-in page.
    assert response["HX-Redirect"] == (
        "/accounts/sign-in/?expired=1&next=/visitors/log/%3Fday%3D2026-01-02"
    )


def test_an_expired_session_on_a_page_redirects_with_the_reason(settings, teacher):
    settings.HAVEN_SESSION_IDLE_MINUTES = 30
    with time_machine.travel(time.time(), tick=False) as clock:
        client = signed_in(teacher)
        clock.shift(31 * 60)
        response = client.get("/roster/classes/?q=x")
    assert _expired(response)
    assert "next=/roster/classes/%3Fq%3Dx" in response["Location"]


@pytest.mark.parametrize(
    "path",
    [
        "/notifications/unread.json",
        "/api/v1/alerts/stream",
        "/emergencies/1/accountability.json",
        "/emergencies/1/reunification/board.json",
        "/visitors/1/status/",
    ],
)
def test_endpoints_only_scripts_call_are_background(path):
    assert activity.is_background_view(resolve(path).func)


def test_every_polling_element_in_the_templates_says_it_is_background():
    templates = Path(__file__).resolve().parents[2] / "haven" / "templates"
    polling = []
    for template in templates.rglob("*.html"):
        for tag in re.findall(r"<[^>]*hx-trigger=\"[^\"]*every [^>]*>", template.read_text()):
            polling.append((template.name, tag))
    assert polling, "no polling element found: the pattern is out of date"
    for name, tag in polling:
        assert activity.HEADER in tag, f"{name}: a polling element without hx-headers: {tag}"
