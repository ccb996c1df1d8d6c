"""Redis stopped in the middle of a flow (a real ``redis-server``, killed by the test): a lockdown
is raised and cleared with 201 and 200, a page opened during the outage receives the alert from the
database, and every notification owed is delivered once, when Redis returns at the latest."""

from __future__ import annotations

import json
import time

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.core import mail
from django.test import Client

from haven.asgi import application
from haven.emergencies.alerts import services
from haven.emergencies.models import Incident
from haven.notify import outbox
from haven.notify import services as notify
from haven.notify.models import Notification, Outbox
from haven.notify.tasks import sweep_outbox
from tests.conftest import signed_in
from tests.emergencies.test_stream import Stream, _cookie
from tests.faults.conftest import run_worker_once

RECIPIENTS = 8  # everyone at Northside who receives alerts (tests/conftest.py)


def _post(client: Client, url: str, body: dict) -> object:
    return client.post(url, json.dumps(body), content_type="application/json")


def test_a_lockdown_raised_and_cleared_during_an_outage_answers_and_notifies_once(
    transactional_db, on_redis, people, northside, caplog
):
    principal = signed_in(people["principal"])
    on_redis.stop()

    raised = _post(
        principal, "/api/v1/incidents", {"school": "northside-high", "protocol": "lockdown"}
    )
    assert raised.status_code == 201, raised.content
    incident = Incident.objects.get()
    assert incident.status == "active"
    cleared = _post(principal, f"/api/v1/incidents/{incident.pk}/all-clear", {"message": "Safe"})
    assert cleared.status_code == 200, cleared.content
    assert Incident.objects.get().status == "all_clear"
    # Owed and kept: one row per broadcast, queued for nobody (the queue is down).
    assert list(Outbox.objects.values_list("kind", "status")) == [
        ("alert.notify", "pending"),
        ("alert.notify", "pending"),
    ]
    assert "could not queue" in caplog.text

    # Redis returns; the worker's scheduled sweep runs through it and delivers everything.
    on_redis.start()
    sweep_outbox()  # queued in Redis, as the scheduler does every minute
    run_worker_once()  # the sweep creates the notifications, which owe their e-mails …
    run_worker_once()  # … queued in Redis and sent
    assert Notification.objects.filter(kind="emergency", urgent=True).count() == 2 * RECIPIENTS
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == sorted(
        ["LOCKDOWN — Northside High School"] * RECIPIENTS
        + ["ALL CLEAR — Northside High School"] * RECIPIENTS
    )
    assert not outbox.undelivered().exists()
    # A second sweep sends nothing again.
    sweep_outbox()
    run_worker_once()
    assert len(mail.outbox) == 2 * RECIPIENTS


def test_notifications_owed_during_an_outage_are_delivered_by_the_workers_loop(
    transactional_db, on_redis, people
):
    """The worker's own loop needs no Redis: e-mails go out during the outage, once."""
    on_redis.stop()
    notify.send([people["teacher"], people["counselor"]], kind="tip", title="New tip")
    assert Outbox.objects.filter(status="pending").count() == 2
    assert outbox.sweep() == 2
    on_redis.start()
    assert outbox.sweep() == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["counselor@example.org", "teacher@example.org"]


def test_a_page_opened_during_the_outage_receives_the_alert(
    transactional_db, on_redis, people, northside
):
    cookie = [(b"cookie", _cookie(people["teacher"]))]
    headers = [*cookie, (b"origin", b"http://testserver"), (b"host", b"testserver")]

    async def scenario():
        before = await Stream.open(headers=cookie)  # opened while Redis was up
        await before.read_until(b"event: position")
        on_redis.stop()
        during = await Stream.open(headers=cookie)
        assert during.status == 200
        await during.read_until(b"event: position")
        socket = WebsocketCommunicator(application, "/ws/alerts/northside-high/", headers)
        assert (await socket.connect())[0]
        assert (await socket.receive_json_from(timeout=5))["type"] == "position"
        started = time.monotonic()
        incident = await database_sync_to_async(services.raise_incident)(
            people["principal"], northside, "lockdown", note="Outage drill"
        )
        await during.read_until(b"event: alert", timeout=10)
        delay = time.monotonic() - started
        await before.read_until(b"event: alert", timeout=10)
        live = await socket.receive_json_from(timeout=10)
        await socket.disconnect()
        await during.close()
        await before.close()
        return incident, during.events(), before.events(), live, delay

    incident, during, before, live, delay = async_to_sync(scenario)()
    for events in (during, before):
        [(sequence, data)] = events
        assert (sequence, data["incident"], data["note"]) == (1, incident.pk, "Outage drill")
    assert (live["type"], live["id"], live["data"]["protocol"]) == ("alert", 1, "lockdown")
    assert delay < 5  # the poll interval (3 s) and a read of the database
