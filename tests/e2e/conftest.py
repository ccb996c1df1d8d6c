"""Browser tests: Debian's Chromium driven by Playwright's sync API against pytest-django's
live server. One browser per session, a fresh context (cookies, storage) per test.

Every context records the requests its pages make and the console errors they log, so a test can
assert that nothing left the live server and that the Content-Security-Policy blocked nothing.
"""

from __future__ import annotations

import base64
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.test.testcases import LiveServerThread
from pytest_django import live_server_helper

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run where a loop
# is running unless told that this is on purpose (the test thread only sets up data).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


class OneRequestAtATime(LiveServerThread):
    """The live server, answering one request at a time on SQLite. Its threads each open the test
    database (in memory, shared cache) and SQLite locks tables, not rows, there: when a page's
    background requests (the alert stream, the notification socket's retries) meet a click, one
    thread's statement can fail on a table lock and take its transaction with it ("no such
    savepoint"). A streamed response (the alert stream) is served outside the lock, so it never
    holds up the others. On PostgreSQL the server stays concurrent."""

    def _create_server(self, connections_override: Any = None) -> Any:
        from django.db import connections

        server = super()._create_server(connections_override)
        if connections["default"].vendor != "sqlite":
            return server
        lock = threading.Lock()
        set_app = server.set_app

        def serialised(app: Any) -> None:
            def one_at_a_time(environ: Any, start_response: Any) -> Any:
                with lock:
                    return app(environ, start_response)

            set_app(one_at_a_time)

        server.set_app = serialised
        return server


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest) -> Iterator[Any]:
    """pytest-django's live server, with :class:`OneRequestAtATime` as its thread."""
    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    with mock.patch("django.test.testcases.LiveServerThread", OneRequestAtATime):
        server = live_server_helper.LiveServer(addr)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = f"Chromium is not installed at {CHROMIUM}: the browser tests cannot run"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: install Debian's chromium package)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Recorder:
    """What the pages of one context asked for and complained about."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on("request", lambda request: self.requests.append(request.url))
        page.on(
            "console",
            lambda message: (
                self.console_errors.append(message.text) if message.type == "error" else None
            ),
        )


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def new_context(browser, live_server, recorder) -> Iterator[Callable[..., Any]]:
    """Make a browser context on the live server; every page opened in it is recorded."""
    contexts = []

    def make(**options: Any) -> Any:
        options.setdefault("viewport", DESKTOP)
        options.setdefault("locale", "en-US")
        context = browser.new_context(base_url=live_server.url, **options)
        context.on("page", recorder.attach)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context) -> Any:
    return new_context().new_page()


# --- signing in ---------------------------------------------------------------------------------


def code_at(key: bytes, step: int) -> str:
    """The TOTP code for a 30-second time step (what an authenticator app shows then)."""
    from django_otp.oath import hotp

    return f"{hotp(key, step):06d}"


def current_step() -> int:
    return int(time.time()) // 30


def key_from_page(page: Any) -> bytes:
    """Read the base32 secret the enrolment page shows to people who cannot scan."""
    secret = page.locator("[data-testid=totp-secret]").inner_text()
    raw = "".join(secret.split()).upper()
    return base64.b32decode(raw + "=" * (-len(raw) % 8))


def sign_in_with_password(page: Any, username: str, password: str) -> None:
    """Fill in the sign-in form (by field id, so that it works in any language)."""
    page.goto("/accounts/sign-in/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("main form button[type=submit]").click()


def enrol_device(user: Any) -> bytes:
    """Give ``user`` a confirmed authenticator; returns its key."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return device.bin_key


def sign_in(page: Any, user: Any, password: str) -> None:
    """The whole sign-in, as a person does it: password, then a code from their app."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    key = device.bin_key if device else enrol_device(user)
    sign_in_with_password(page, user.username, password)
    page.get_by_label("6-digit code").fill(code_at(key, current_step()))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)


def session_for(context: Any, live_server: Any, user: Any, *, verified: bool = True) -> None:
    """Sign ``user`` in by handing the browser a session cookie (fast; the sign-in pages
    themselves are driven in test_sign_in.py). ``verified=False`` stops after the password."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if verified:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        session["otp_device_id"] = device.persistent_id
    session.save()
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "url": live_server.url,
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )


# --- checks -------------------------------------------------------------------------------------


def axe_problems(page: Any) -> list[str]:
    """Serious and critical axe-core violations on the page, one readable line per element."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    problems = []
    for violation in results.response["violations"]:
        if violation["impact"] not in {"serious", "critical"}:
            continue
        for node in violation["nodes"]:
            problems.append(
                f"{page.url} [{violation['impact']}] {violation['id']}: {violation['help']}"
                f" at {', '.join(map(str, node['target']))}\n    {node.get('failureSummary', '')}"
            )
    return problems


def foreign_requests(urls: list[str], origin: str) -> list[str]:
    """Requests that went anywhere but the live server (data: and blob: stay in the page)."""
    return [
        url
        for url in urls
        if not (url == origin or url.startswith(origin + "/") or url.startswith(("data:", "blob:")))
    ]
