"""The tip line under faults: a reporter's tip is stored and its receipt shown, or the reporter is
told plainly that nothing was stored (503) — never a 500, never a refusal because a cache is down.

Redis is an accelerator: with it unreachable (a port where nothing listens: a real refused
connection), or stopped in the middle of the flow (a real ``redis-server`` on a free port, started
and stopped here; skipped with a message where the binary is missing, required in CI), tips are
taken and stored. A locked, full or lost database and a full disk are simulated by raising the
error the driver raises, at the point where it happens.
"""

from __future__ import annotations

import errno
import json
import logging
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import OperationalError
from django.test import Client

from haven.core import throttle as core
from haven.tips import services, throttle
from haven.tips.models import Attachment, Tip
from tests.faults.conftest import free_port
from tests.tips import jpeg_bytes, upload

SUBMIT = "/api/v1/public/tips"
MINE = "/api/v1/public/tips/mine"
PAGE = "/report/northside-high/"
NOT_STORED = "nothing was stored"


def _redis_at(settings, port: int) -> None:
    """Point the cache and the channel layer at ``redis://127.0.0.1:<port>``."""
    url = f"redis://127.0.0.1:{port}/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [url]},
        }
    }


@pytest.fixture(autouse=True)
def _fresh_throttle_memory() -> Iterator[None]:
    core.counts.reset()
    yield
    core.counts.reset()


def _tip(**overrides) -> str:
    body = {
        "school": "northside-high",
        "category": "violence_threat",
        "description": "A student said he will bring a gun on Friday.",
        **overrides,
    }
    return json.dumps(body)


def _post(client: Client, **overrides):
    return client.post(SUBMIT, _tip(**overrides), content_type="application/json")


def _report(**fields):
    return {
        "description": "A student said he will bring a gun on Friday.",
        "category": "violence_threat",
        "danger_now": "no",
        "lang": "en",
        **fields,
    }


#: A second, unrelated report: a report of the same incident would be grouped and not paged again.
OTHER_INCIDENT = "Someone is selling vape pens in the parking lot before first period."


def _warnings(caplog, text: str) -> int:
    return sum(text in record.getMessage() for record in caplog.records)


# --- Redis unreachable ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_with_redis_refusing_connections_tips_are_stored_with_their_receipts(
    people, settings, caplog
):
    """Everything that uses Redis on the way (throttles, the push after the commit) meets a
    refused connection; every tip is stored and answered with a receipt that opens it."""
    _redis_at(settings, free_port())
    caplog.set_level(logging.WARNING)
    reporter = Client(REMOTE_ADDR="198.51.100.20")
    receipts = []
    for _ in range(throttle.CALLER_SUBMIT.count):
        response = _post(reporter)
        assert response.status_code == 201, response.content
        receipts.append(response.json()["receipt"])
    page = Client(REMOTE_ADDR="198.51.100.21").post(PAGE, _report(location="Bus stop"))
    assert page.status_code == 200 and "Your receipt number" in page.content.decode()
    assert Tip.objects.count() == throttle.CALLER_SUBMIT.count + 1
    for receipt in receipts:
        assert services.find_by_receipt(receipt) is not None
    follow_up = Client(REMOTE_ADDR="198.51.100.20").get(MINE, HTTP_X_HAVEN_RECEIPT=receipts[0])
    assert follow_up.status_code == 200
    # One warning for the outage, not one per request.
    assert _warnings(caplog, "the cache is unreachable") == 1
    assert core.counts.degraded


@pytest.mark.django_db
def test_with_redis_down_a_flooding_caller_is_still_slowed_per_process_not_refused(
    people, settings
):
    _redis_at(settings, free_port())
    reporter = Client(REMOTE_ADDR="198.51.100.22")
    for _ in range(throttle.CALLER_SUBMIT.count):
        assert _post(reporter).status_code == 201
    slowed = _post(reporter)
    assert slowed.status_code == 429 and "challenge" in slowed.json()
    # Everyone else goes straight through.
    assert _post(Client(REMOTE_ADDR="198.51.100.23")).status_code == 201


@pytest.mark.django_db
def test_a_redis_that_never_answers_does_not_hold_a_tip(people, settings):
    """A network partition: the connection is accepted, then nothing comes back. The Redis
    client gives up (its socket timeout, 5 s by default), the throttles count in memory, and the
    tip is stored. (An alarm after 30 s turns a submission left waiting into a failure instead of
    a hung suite.)"""
    import signal

    def waited_too_long(*args):
        raise TimeoutError("the submission waited on a Redis that never answers")

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # the kernel completes the handshake; nobody ever reads or answers
    previous = signal.signal(signal.SIGALRM, waited_too_long)
    signal.alarm(30)
    try:
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
        }
        assert _post(Client(REMOTE_ADDR="198.51.100.60")).status_code == 201
        assert Tip.objects.count() == 1
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        silent.close()


@pytest.mark.django_db(transaction=True)
def test_redis_stopped_mid_flow_and_back(people, settings, redis_server, caplog, monkeypatch):
    from django.core.cache import cache

    _redis_at(settings, redis_server.port)
    caplog.set_level(logging.WARNING)
    reporter = Client(REMOTE_ADDR="198.51.100.30")
    assert _post(reporter).status_code == 201
    counted = [key for key in cache._cache.get_client().scan_iter("*caller-submit*")]
    assert counted, "the count lives in Redis while it is up"

    redis_server.stop()
    for _ in range(3):
        response = _post(reporter)
        assert response.status_code == 201, response.content
        assert services.find_by_receipt(response.json()["receipt"]) is not None
    page = Client(REMOTE_ADDR="198.51.100.31").post(PAGE, _report())
    assert page.status_code == 200 and "Your receipt number" in page.content.decode()
    assert Tip.objects.count() == 5
    assert _warnings(caplog, "the cache is unreachable") == 1

    redis_server.start()  # the same port: Redis is back
    monkeypatch.setattr(core, "RETRY_CACHE_AFTER", 0.0)
    core.counts._retry_at = 0.0  # the next request tries the cache at once
    assert _post(Client(REMOTE_ADDR="198.51.100.32")).status_code == 201
    assert not core.counts.degraded
    assert _warnings(caplog, "the cache answers again") == 1
    assert Tip.objects.count() == 6


# --- honest answers -------------------------------------------------------------------------------


def _locked(*args, **kwargs):
    raise OperationalError("database is locked")


@pytest.mark.django_db
def test_a_locked_database_before_the_commit_is_a_503_on_the_page_keeping_what_was_typed(
    people, monkeypatch
):
    from haven.audit import services as audit

    monkeypatch.setattr(audit, "record", _locked)  # inside the submission's transaction
    response = Client().post(PAGE, _report(location="Bus stop"))
    body = response.content.decode()
    assert response.status_code == 503
    assert "Your report was NOT sent: nothing was stored." in body
    assert 'value="Bus stop"' in body and "911" in body
    assert response["Retry-After"] == "60"
    assert not Tip.objects.exists()


@pytest.mark.django_db
def test_a_full_disk_while_writing_a_file_is_a_503_and_leaves_nothing(
    people, monkeypatch, settings
):
    from haven.tips.services import submission

    real = submission.store_files

    def disk_full(tip, message, files, now, written):
        real(tip, message, files, now, written)  # the files reach the disk ...
        raise OSError(errno.ENOSPC, "No space left on device")  # ... and then the disk is full

    monkeypatch.setattr(submission, "store_files", disk_full)
    photo = upload("photo.jpg", jpeg_bytes(), "image/jpeg")
    response = Client().post(PAGE, {**_report(), "files": photo})
    assert response.status_code == 503
    assert "Your files were not kept" in response.content.decode()
    assert not Tip.objects.exists() and not Attachment.objects.exists()
    assert not [path for path in Path(settings.DATA_DIR).rglob("*.orig") if path.is_file()]
    assert not [path for path in Path(settings.DATA_DIR).rglob("*.view") if path.is_file()]
    # The API says the same.
    api = Client().post(SUBMIT, _tip(), content_type="application/json")
    assert api.status_code == 503 and NOT_STORED in api.json()["detail"]
    assert api["Retry-After"] == "60"


@pytest.mark.django_db
def test_a_lost_database_on_the_public_page_is_a_503_page(people, monkeypatch):
    from haven.core.models import School

    class Lost:
        def filter(self, *args, **kwargs):
            raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(School, "objects", Lost())
    response = Client().post(PAGE, _report())
    assert response.status_code == 503
    assert "Nothing was stored." in response.content.decode()
    assert Client().get(PAGE).status_code == 503


@pytest.mark.django_db
def test_a_refused_submission_or_a_fault_gives_its_count_back(people, monkeypatch):
    """Tips not stored (a 503) cost the reporter nothing: they can send all of theirs after."""
    from haven.audit import services as audit

    reporter = Client(REMOTE_ADDR="198.51.100.40")
    with monkeypatch.context() as patched:
        patched.setattr(audit, "record", _locked)
        for _ in range(throttle.CALLER_SUBMIT.count + 1):
            assert _post(reporter).status_code == 503
            assert reporter.post(PAGE, _report()).status_code == 503
    for _ in range(throttle.CALLER_SUBMIT.count):
        assert _post(reporter).status_code == 201


def _queue_full(*args, **kwargs):
    # What the task queue on SQLite raises when the disk is full (Redis: a ConnectionError).
    raise sqlite3.OperationalError("database or disk is full")


@pytest.mark.django_db(transaction=True)
def test_a_queue_that_cannot_take_the_deliveries_still_shows_the_receipt(
    people, monkeypatch, caplog
):
    """Queueing the notifications fails once the tip is committed (a full disk under the task
    queue): the reporter gets the receipt (page) or the 201 (API), the deliveries stay owed in the
    outbox for the sweep, and it is logged."""
    from haven.notify import outbox, tasks

    monkeypatch.setattr(tasks, "deliver_outbox", _queue_full)
    caplog.set_level(logging.WARNING)
    page = Client().post(PAGE, _report(location="Cafeteria"))
    assert page.status_code == 200
    assert "Your receipt number" in page.content.decode()
    api = _post(Client(REMOTE_ADDR="198.51.100.50"), description=OTHER_INCIDENT)
    assert api.status_code == 201
    assert services.find_by_receipt(api.json()["receipt"]) is not None
    assert Tip.objects.count() == 2
    assert _warnings(caplog, "the sweep will deliver them") == 2
    assert outbox.undelivered().exists()


@pytest.mark.django_db(transaction=True)
def test_a_failure_after_the_commit_still_shows_the_receipt(people, monkeypatch, caplog):
    """Whatever runs after the tip's commit and fails (here the outbox's hand-off itself): the
    reporter gets the receipt (page) or the 201 (API), never a 500 for a tip that is stored, and it
    is logged."""
    from haven.notify import outbox

    monkeypatch.setattr(outbox, "kick", _queue_full)
    caplog.set_level(logging.ERROR)
    page = Client().post(PAGE, _report(location="Cafeteria"))
    assert page.status_code == 200
    assert "Your receipt number" in page.content.decode()
    api = _post(Client(REMOTE_ADDR="198.51.100.50"), description=OTHER_INCIDENT)
    assert api.status_code == 201
    assert services.find_by_receipt(api.json()["receipt"]) is not None
    assert Tip.objects.count() == 2
    assert _warnings(caplog, "is stored, but work after its commit failed") == 2
    assert _warnings(caplog, "is stored, but work after its commit failed") == 2
