"""``kill -9`` of the worker in the middle of sending: the e-mails owed then are delivered after it
is started again, each exactly once (a loopback SMTP server counts them). A real ``haven worker``
process, on a database of its own of the suite's kind (SQLite, or PostgreSQL where the suite runs
on it)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from tests.faults.conftest import ROOT, ProcessDatabase, haven_env
from tests.notify import smtp

PEOPLE = 6

SETUP = f"""
import django
django.setup()
from django.core.management import call_command
from django.db import transaction
call_command("migrate", verbosity=0)
from haven.accounts.models import User
from haven.notify import services as notify
users = [
    User.objects.create(username=f"staff{{i}}", email=f"staff{{i}}@example.org")
    for i in range({PEOPLE})
]
with transaction.atomic():
    notify.send(users, kind="emergency", title="LOCKDOWN - Northside", urgent=True)
"""


def _outbox(database: ProcessDatabase) -> Counter:
    return Counter(dict(database.query("SELECT status, count(*) FROM notify_outbox GROUP BY 1")))


def _wait_for(condition, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.fixture
def inbox():  # type: ignore[no-untyped-def]
    handler = smtp.Inbox()
    controller = smtp.start(handler)
    yield handler, controller.port
    controller.stop()


def test_emails_pending_when_the_worker_is_killed_are_delivered_once_after_restart(
    tmp_path, inbox, process_database
):
    handler, port = inbox
    data_dir = tmp_path / "data"
    env = haven_env(
        data_dir,
        process_database.url,
        EMAIL_URL=f"smtp://127.0.0.1:{port}",
        EMAIL_USE_TLS="false",
        HAVEN_DELIVERY_LEASE_SECONDS=3,
        HAVEN_DELIVERY_RETRY_SECONDS=1,
        HAVEN_SWEEP_SECONDS=1,
    )
    subprocess.run([sys.executable, "-c", SETUP], env=env, cwd=ROOT, check=True)  # noqa: S603
    assert _outbox(process_database) == Counter(pending=PEOPLE)
    worker_command = [sys.executable, "-m", "haven.cli", "worker", "--workers", "1"]
    log = (tmp_path / "worker.log").open("w")

    handler.hold_first_recipient = 60  # the first e-mail stalls mid-conversation …
    first = subprocess.Popen(worker_command, env=env, cwd=ROOT, stdout=log, stderr=log)  # noqa: S603
    try:
        assert handler.receiving.wait(60), (tmp_path / "worker.log").read_text()
        os.kill(first.pid, signal.SIGKILL)  # … and the worker dies there
        first.wait()
    finally:
        if first.poll() is None:
            first.kill()
    assert not handler.messages
    # Claimed by the dead worker (its queue consumer and its loop may each have had one), never
    # marked: without the lease and the sweep these would be lost for good.
    left = _outbox(process_database)
    assert left["sending"] >= 1 and left["done"] == 0

    second = subprocess.Popen(worker_command, env=env, cwd=ROOT, stdout=log, stderr=log)  # noqa: S603
    try:
        assert _wait_for(lambda: _outbox(process_database)["done"] == PEOPLE, 90), (
            _outbox(process_database),
            (tmp_path / "worker.log").read_text()[-3000:],
        )
        time.sleep(3)  # a few more sweeps: nothing may be sent again
    finally:
        second.send_signal(signal.SIGINT)
        try:
            second.wait(timeout=15)
        except subprocess.TimeoutExpired:
            second.kill()
    received = Counter(m["X-Envelope-To"] for m in handler.messages)
    assert received == Counter({f"staff{i}@example.org": 1 for i in range(PEOPLE)})
    beats = process_database.query("SELECT count(*) FROM notify_workerheartbeat")[0][0]
    assert beats >= 1
