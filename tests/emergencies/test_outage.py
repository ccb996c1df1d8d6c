"""An incident with its queue and channel layer unreachable (Redis down): the raise and the all
clear still answer 201 and 200, and everyone's notification and e-mail are still created and sent
(by the sweep, as the worker's loop runs it). The same with a real Redis stopped: tests/faults."""

from __future__ import annotations

import json

import pytest
from django.core import mail

from haven.emergencies.alerts import services
from haven.emergencies.alerts import tasks as emergency_tasks
from haven.emergencies.models import Delivery, Incident
from haven.notify import outbox
from haven.notify import tasks as notify_tasks
from haven.notify.models import Notification, Outbox
from tests.conftest import signed_in

REFUSED = "Error 111 connecting to 127.0.0.1:6379. Connection refused."
RECIPIENTS = 8  # everyone at Northside who receives alerts (see tests/conftest.py)


@pytest.fixture
def redis_down(monkeypatch):
    """Every way the raise reaches Redis fails as it does when Redis is down: queueing a task
    and publishing on the channel layer."""

    def refused(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionError(REFUSED)

    class DeadLayer:
        async def group_send(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            raise ConnectionError(REFUSED)

    monkeypatch.setattr(notify_tasks, "deliver_outbox", refused)
    monkeypatch.setattr(emergency_tasks, "huey_immediate", lambda: False)
    monkeypatch.setattr("haven.emergencies.alerts.fanout._executor", refused)
    monkeypatch.setattr("haven.emergencies.alerts.fanout.get_channel_layer", lambda: DeadLayer())
    monkeypatch.setattr("haven.notify.services.get_channel_layer", lambda: DeadLayer())


def _post(client, url, body=None):  # type: ignore[no-untyped-def]
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def test_a_lockdown_and_its_all_clear_answer_and_notify_everyone_with_redis_down(
    principal, northside, redis_down, django_capture_on_commit_callbacks, caplog
):
    client = signed_in(principal)
    with django_capture_on_commit_callbacks(execute=True):
        raised = _post(
            client, "/api/v1/incidents", {"school": "northside-high", "protocol": "lockdown"}
        )
    assert raised.status_code == 201, raised.content
    incident = Incident.objects.get()
    assert incident.status == "active"
    # Owed, not lost: the alert's notifications wait in the outbox.
    assert Outbox.objects.get().kind == "alert.notify"
    assert "the sweep will deliver them" in caplog.text

    # The worker's loop sweeps (it needs no Redis): notifications created, e-mails sent.
    with django_capture_on_commit_callbacks(execute=True):
        outbox.sweep()
    with django_capture_on_commit_callbacks(execute=True):
        outbox.sweep()
    notes = Notification.objects.filter(kind="emergency", urgent=True)
    assert notes.count() == RECIPIENTS
    assert len(mail.outbox) == RECIPIENTS
    assert mail.outbox[0].subject == "LOCKDOWN — Northside High School"

    with django_capture_on_commit_callbacks(execute=True):
        cleared = _post(client, f"/api/v1/incidents/{incident.pk}/all-clear", {"message": "Safe"})
    assert cleared.status_code == 200, cleared.content
    assert cleared.json()["status"] == "all_clear"
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            outbox.sweep()
    assert len(mail.outbox) == 2 * RECIPIENTS
    assert mail.outbox[-1].subject == "ALL CLEAR — Northside High School"
    assert not outbox.undelivered().exists()
    # The alert's e-mail deliveries are marked once the outbox has sent them.
    assert set(Delivery.objects.filter(channel="email").values_list("status", flat=True)) == {
        "delivered"
    }
    # Nothing was sent twice.
    sweeps = [outbox.sweep() for _ in range(2)]
    assert sweeps == [0, 0] and len(mail.outbox) == 2 * RECIPIENTS


def test_a_webhook_retry_that_could_not_be_queued_is_made_by_the_sweep(
    principal, northside, district, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    """Redis down when the retry was to be scheduled: the delivery would stay "retrying" for
    ever; the sweep makes the attempt once its back-off has passed."""
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from haven.emergencies.models import Webhook
    from tests.emergencies.receivers import receiver

    def unreachable(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionError(REFUSED)

    monkeypatch.setattr(emergency_tasks.deliver_webhook, "schedule", unreachable)
    with receiver(500, 200) as pa:
        Webhook.objects.create(
            district=district, name="PA system", url=f"{pa.url}/hook", secret="s3cret-shared"
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.raise_incident(principal, northside, "lockdown")
        delivery = Delivery.objects.get(channel="webhook")
        assert (delivery.status, delivery.attempts) == ("retrying", 1)
        assert "could not schedule a retry" in caplog.text
        emergency_tasks.sweep_alert_deliveries()  # not due yet (5 s back-off)
        assert Delivery.objects.get(pk=delivery.pk).attempts == 1
        with time_machine.travel(timezone.now() + timedelta(seconds=6)):
            emergency_tasks.sweep_alert_deliveries()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert len(pa.requests) == 2
