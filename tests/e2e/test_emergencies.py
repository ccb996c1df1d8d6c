"""An emergency from the button through the roll call to the all clear, in Chromium, against a
real ASGI server.

pytest-django's live server is WSGI and cannot hold the alert stream open, so this module starts
Haven under uvicorn in a subprocess, on a free loopback port, with its own data directory (a
SQLite file and the in-memory channel layer: the embedded single-process mode). Three people are
signed in, each in their own browser context: two teachers and the principal.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, Recorder, axe_problems, foreign_requests

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CANCEL_SECONDS = 2

SETUP = r"""
import json
import django

django.setup()
from django.core.management import call_command

call_command("migrate", skip_checks=True, verbosity=0)
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.accounts.models import RoleAssignment, User
from haven.core.models import District, School

district = District.objects.create(name="Test District", slug="test-district")
school = School.objects.create(
    district=district, name="Northside High School", slug="northside-high"
)
people = [("ana", "Ana", "staff"), ("ben", "Ben", "staff"), ("pat", "Pat", "school_admin")]
sessions = {}
for username, first, role in people:
    user = User.objects.create_user(username=username, first_name=first, last_name="Test")
    RoleAssignment.objects.create(user=user, role=role, school=school, district=district)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session["otp_device_id"] = device.persistent_id
    session.save()
    sessions[username] = session.session_key
# Ana teaches one class of two students: she takes its roll call.
from haven.core.models import Enrollment, Section, Staff, Student

ana = Staff.objects.create(
    given_name="Ana", family_name="Test", user=User.objects.get(username="ana")
)
ana.schools.add(school)
section = Section.objects.create(school=school, title="Biology 9")
section.teachers.add(ana)
for given, family in [("Lena", "Ortiz"), ("Omar", "Said")]:
    student = Student.objects.create(school=school, given_name=given, family_name=family)
    Enrollment.objects.create(section=section, student=student)
print(json.dumps(sessions))
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="haven.settings",
        HAVEN_DATA_DIR=str(data_dir),
        HAVEN_EMERGENCY_CANCEL_SECONDS=str(CANCEL_SECONDS),
        HAVEN_AUDIT_KEY="e2e-audit-key-0123456789abcdef0123456789",
        DJANGO_ALLOW_ASYNC_UNSAFE="",
        PYTHONPATH=str(ROOT),
    )
    return env


@pytest.fixture(scope="module")
def haven(tmp_path_factory) -> Iterator[dict[str, Any]]:
    data_dir = tmp_path_factory.mktemp("haven-e2e")
    env = _environment(data_dir)
    made = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SETUP], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    sessions = json.loads(made.stdout.strip().splitlines()[-1])
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "uvicorn",
            "haven.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--lifespan",
            "off",
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=(data_dir / "server.log").open("w"),
    )
    url = f"http://127.0.0.1:{port}"
    # Patience, not a timing check: on a loaded 2-core machine starting Haven can take a while.
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1):  # noqa: S310 - loopback
                break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((data_dir / "server.log").read_text()) from None
            time.sleep(0.1)
    try:
        yield {"url": url, "sessions": sessions, "data_dir": data_dir}
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def person(browser, haven) -> Iterator[Any]:
    """A page signed in as one of the people, on the ASGI server; every page is recorded."""
    from django.conf import settings

    recorder = Recorder()
    contexts = []

    def open_page(username: str) -> Any:
        context = browser.new_context(base_url=haven["url"], viewport=DESKTOP, locale="en-US")
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": haven["sessions"][username],
                    "url": haven["url"],
                    "httpOnly": True,
                    "sameSite": "Lax",
                }
            ]
        )
        context.on("page", recorder.attach)
        contexts.append(context)
        return context.new_page()

    open_page.recorder = recorder  # type: ignore[attr-defined]
    yield open_page
    for context in contexts:
        context.close()


def _listening(page: Any, path: str = "/") -> None:
    page.goto(path)
    expect(page.locator("body")).to_have_attribute("data-alert-stream", "open")


def _raise(page: Any, protocol: str, *, note: str = "", drill: bool = False) -> None:
    page.goto("/emergencies/raise/")
    page.locator(f'.protocol-choice[data-protocol="{protocol}"]').click()
    if drill:
        page.get_by_label("This is a drill").check()
    if note:
        page.get_by_label("Note (optional)").fill(note)
    page.get_by_test_id("raise-submit").click()


def _alert(page: Any) -> Any:
    return page.locator("dialog#emergency-alert")


def test_lockdown_reaches_two_staff_pages_full_screen_then_all_clear(person, haven):
    ana, ben, pat = person("ana"), person("ben"), person("pat")
    _listening(ana, "/")
    _listening(ben, "/notifications/")

    # The button is on every staff page; the first press opens a cancel window.
    pat.goto("/")
    pat.get_by_test_id("emergency-button").click()
    expect(pat).to_have_url(re.compile(r"/emergencies/raise/$"))
    assert not axe_problems(pat), axe_problems(pat)
    _raise(pat, "lockdown", note="Intruder near the gym")
    countdown = pat.locator("[data-countdown]")
    expect(countdown).to_be_visible()
    expect(countdown).to_contain_text("LOCKDOWN")
    countdown.get_by_role("button", name="Cancel").click()
    expect(countdown).to_be_hidden()
    expect(pat).to_have_url(re.compile(r"/emergencies/raise/$"))
    expect(_alert(ana)).to_be_hidden()  # cancelled: nobody was alerted

    # Second time it goes out when the countdown ends.
    started = time.monotonic()
    pat.get_by_test_id("raise-submit").click()
    expect(pat).to_have_url(re.compile(r"/emergencies/\d+/$"), timeout=CANCEL_SECONDS * 1000 + 5000)
    assert time.monotonic() - started >= CANCEL_SECONDS - 0.5

    for page in (ana, ben):
        dialog = _alert(page)
        expect(dialog).to_be_visible()
        expect(dialog).to_have_attribute("data-mode", "alert")
        expect(dialog.locator(".emergency-word")).to_have_text("LOCKDOWN")
        expect(dialog).to_contain_text("Locks, lights, out of sight.")
        expect(dialog).to_contain_text("Intruder near the gym")
        expect(dialog.locator(".emergency-drill")).to_be_hidden()
        # Full screen: the dialog covers the whole viewport.
        box = dialog.bounding_box()
        assert box is not None and box["width"] >= DESKTOP["width"] - 1
        assert box["height"] >= DESKTOP["height"] - 1
        # The alarm plays, or (autoplay policy, no click on this page yet) says how to enable it.
        sound = dialog.get_attribute("data-sound")
        assert sound in {"playing", "blocked"}
        if sound == "blocked":
            expect(dialog.locator(".emergency-sound")).to_be_visible()
        # Escape does not dismiss an alert.
        page.keyboard.press("Escape")
        expect(dialog).to_be_visible()
    assert not axe_problems(ana), axe_problems(ana)

    for page in (ana, ben, pat):
        _alert(page).get_by_role("button", name="Acknowledge").click()
        expect(_alert(page)).to_be_hidden()

    pat.reload()
    expect(pat.get_by_test_id("ack-count")).to_have_text("3 of 3 acknowledged")
    expect(pat.get_by_test_id("timeline")).to_contain_text("Acknowledged")
    assert not axe_problems(pat), axe_problems(pat)

    # Roll call: Pat watches the live dashboard while Ana, on her phone, reports her class.
    incident_page = pat.url
    pat.get_by_test_id("open-accountability").click()
    expect(pat.get_by_test_id("acct-percent")).to_have_text("0.0")
    expect(pat.get_by_test_id("acct-unaccounted")).to_contain_text("Lena Ortiz")
    expect(pat.get_by_test_id("accountability")).to_have_attribute("data-live", "on")
    assert not axe_problems(pat), axe_problems(pat)
    ana.set_viewport_size(PHONE)
    ana.goto(incident_page)
    ana.get_by_test_id("take-roll-call").click()
    expect(ana).to_have_url(re.compile(r"/roll-call/\d+/$"))
    expect(ana.locator("h1")).to_have_text("Roll call: Biology 9")
    assert not axe_problems(ana), axe_problems(ana)
    ana.get_by_role("button", name="Mark the rest present").click()
    lena = ana.locator("fieldset.roll-student", has_text="Lena Ortiz")
    expect(lena.get_by_label("Present")).to_be_checked()
    ana.get_by_test_id("roll-call-submit").click()
    expect(ana.get_by_test_id("roll-call-sections")).to_contain_text("Reported at")
    # The dashboard updates by itself (polling), without a reload.
    expect(pat.get_by_test_id("acct-percent")).to_have_text("100.0", timeout=15000)
    expect(pat.get_by_test_id("acct-unaccounted")).to_contain_text("Every student has been")
    ana.set_viewport_size(DESKTOP)
    pat.goto(incident_page)
    expect(pat.get_by_test_id("timeline")).to_contain_text("Roll call")
    expect(pat.get_by_test_id("timeline")).to_contain_text("Every student accounted for")

    # Ben's tab is closed while the protocol changes; his next page catches up.
    ben.goto("about:blank")
    pat.locator('.command .protocol-choice[data-protocol="evacuate"]').click()
    pat.get_by_label("Evacuate to").fill("Football field")
    pat.get_by_test_id("send-update").click()
    expect(_alert(ana).locator(".emergency-word")).to_have_text("EVACUATE")
    expect(_alert(ana)).to_contain_text("Football field")
    ben.goto("/")
    expect(_alert(ben).locator(".emergency-word")).to_have_text("EVACUATE")
    expect(_alert(ben)).to_contain_text("Football field")
    for page in (ana, ben, pat):
        _alert(page).get_by_role("button", name="Acknowledge").click()
        expect(_alert(page)).to_be_hidden()

    pat.get_by_test_id("all-clear").click()
    for page in (ana, ben):
        expect(_alert(page)).to_have_attribute("data-mode", "clear")
        expect(_alert(page).locator(".emergency-word")).to_have_text("ALL CLEAR")
        _alert(page).get_by_role("button", name="Dismiss").click()
        expect(_alert(page)).to_be_hidden()
    expect(pat.get_by_test_id("incident-status")).to_contain_text("All clear")

    recorder = person.recorder
    assert not foreign_requests(recorder.requests, haven["url"]), recorder.requests
    blocked = [e for e in recorder.console_errors if "Content Security Policy" in e]
    assert not blocked, blocked


def test_a_drill_says_drill_on_every_screen(person, haven):
    ana, pat = person("ana"), person("pat")
    _listening(ana)
    _raise(pat, "hold", drill=True)
    expect(pat).to_have_url(re.compile(r"/emergencies/\d+/$"), timeout=CANCEL_SECONDS * 1000 + 5000)
    dialog = _alert(ana)
    expect(dialog).to_be_visible()
    expect(dialog.locator(".emergency-drill")).to_be_visible()
    expect(dialog.locator(".emergency-drill")).to_contain_text("DRILL")
    expect(dialog.locator(".emergency-word")).to_have_text("HOLD")
    expect(pat.get_by_test_id("drill-marker")).to_contain_text("DRILL")
    _alert(pat).get_by_role("button", name="Acknowledge").click()
    pat.get_by_test_id("all-clear").click()
    expect(dialog).to_have_attribute("data-mode", "clear")


def test_without_javascript_a_second_press_confirms(browser, haven):
    from django.conf import settings

    context = browser.new_context(
        base_url=haven["url"], viewport=DESKTOP, locale="en-US", java_script_enabled=False
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": haven["sessions"]["ben"],
                "url": haven["url"],
            }
        ]
    )
    page = context.new_page()
    page.goto("/emergencies/raise/")
    page.locator('.protocol-choice[data-protocol="secure"]').click()
    page.get_by_label("This is a drill").check()
    page.get_by_test_id("raise-submit").click()
    expect(page.get_by_test_id("raise-confirm")).to_contain_text("SECURE")
    expect(page.get_by_test_id("raise-confirm")).to_contain_text("DRILL")
    page.get_by_test_id("raise-confirm-button").click()
    expect(page).to_have_url(re.compile(r"/emergencies/\d+/$"))
    expect(page.get_by_test_id("drill-marker")).to_be_visible()
    # The top bar shows the incident in effect, without JavaScript.
    expect(page.get_by_test_id("emergency-active").first).to_contain_text("SECURE")
    context.close()
