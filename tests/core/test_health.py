"""``/healthz``: JSON a monitoring tool can read — the database, Redis when configured, the
worker's heartbeat, the oldest undelivered notification — and 503 when a part safety depends on
is down."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.test import Client
from django.utils import timezone

from haven.notify import services as notify
from haven.notify import worker
from tests.faults.conftest import free_port


def _health() -> tuple[int, dict]:
    response = Client().get("/healthz")
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()


def test_all_parts_up_is_200_with_each_part_reported(db, settings):
    settings.REDIS_URL = ""
    worker.beat("host:1")
    status, body = _health()
    assert status == 200
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert "redis" not in body  # not configured: not a part
    assert body["worker"]["ok"] is True and body["worker"]["heartbeat_age_seconds"] < 5
    assert body["deliveries"] == {
        "ok": True,
        "undelivered": 0,
        "oldest_undelivered_age_seconds": None,
        "failed": 0,
    }


def test_a_worker_whose_heartbeat_stopped_is_503(db, settings):
    settings.REDIS_URL = ""
    settings.HAVEN_WORKER_STALE_SECONDS = 90
    worker.beat("host:1")
    with time_machine.travel(timezone.now() + timedelta(seconds=120)):
        status, body = _health()
    assert status == 503
    assert body["status"] == "unavailable"
    assert body["worker"]["ok"] is False
    assert 119 <= body["worker"]["heartbeat_age_seconds"] <= 121


def test_a_worker_never_seen_is_503_where_one_is_required(db, settings):
    settings.REDIS_URL = ""
    settings.HAVEN_REQUIRE_WORKER = False
    assert _health()[0] == 200
    settings.HAVEN_REQUIRE_WORKER = True
    status, body = _health()
    assert status == 503 and body["worker"] == {"ok": False, "heartbeat_age_seconds": None}


def test_redis_configured_and_unreachable_is_503(db, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    worker.beat("host:1")
    status, body = _health()
    assert status == 503
    assert body["redis"] == {"ok": False, "error": "ConnectionError"}
    assert body["database"]["ok"] is True


def test_the_oldest_undelivered_notification_is_reported(db, settings, people):
    settings.REDIS_URL = ""
    worker.beat("host:1")
    notify.send([people["teacher"]], kind="test", title="Waiting")  # owed, not yet delivered
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        worker.beat("host:1")
        status, body = _health()
    assert status == 200  # a backlog alone is reported, not a failure of Haven
    assert body["deliveries"]["undelivered"] == 1
    assert 299 <= body["deliveries"]["oldest_undelivered_age_seconds"] <= 301
