"""Getting an alert out, the moment its transaction commits.

1. **Open pages** first: one ``group_send`` per school on the channel layer reaches every alert
   stream (SSE) and WebSocket of that school in every Haven process (in-memory layer: this process
   only — the embedded single-process mode; Redis: all of them).
2. **Web Push and webhooks**: their Delivery rows were written with the alert; the first attempt is
   made at once in this process on a small thread pool (not after the background worker's next
   poll, which can be seconds away), retries go through Huey with back-off, and a periodic sweep
   picks up anything a crashed process left pending.
3. **Notifications and e-mail**: an ``alert.notify`` row was owed in the raise's own transaction
   (:mod:`haven.notify.outbox`); the worker turns it into an urgent in-app notification and an
   e-mail for every recipient, and the outbox's sweep does so after an outage or a crash.

Nothing here raises into the request that raised the alert: the incident is stored, and whatever
could not be sent now is sent by the sweeps.

In tests Huey runs tasks immediately, so everything here happens inline, in order.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import close_old_connections

from haven.emergencies.alerts import tasks

log = logging.getLogger(__name__)

MESSAGE_TYPE = "emergency.alert"

_pool: ThreadPoolExecutor | None = None


def school_group(school_id: int) -> str:
    return f"haven.emergency.school.{school_id}"


def message_for(alert: Any) -> dict[str, Any]:
    return {
        "type": MESSAGE_TYPE,
        "alert": alert.pk,
        "school": alert.school_id,
        "id": alert.sequence,
        "data": alert.payload,
    }


def fan_out(alerts: list[Any]) -> None:
    """Send stored alerts on every channel (called on commit): open pages first. Never raises:
    the alerts are stored, open pages poll the database, and the sweeps send what is left."""
    publish(alerts)
    try:
        dispatch([alert.pk for alert in alerts])
    except Exception:
        log.exception("alerts %s: delivery not started (the sweep will)", [a.pk for a in alerts])


def publish(alerts: list[Any]) -> None:
    """Push to open pages through the channel layer. Best effort: a page that misses it catches up
    from the database when its stream reconnects."""
    try:
        layer = get_channel_layer()
    except Exception:
        log.exception("no channel layer to publish alerts %s", [a.pk for a in alerts])
        return
    if layer is None or not alerts:
        return

    async def send_all() -> None:
        results = await asyncio.gather(
            *(layer.group_send(school_group(a.school_id), message_for(a)) for a in alerts),
            return_exceptions=True,
        )
        for alert, result in zip(alerts, results, strict=True):
            if isinstance(result, BaseException):
                log.error("could not publish alert %s: %r", alert.pk, result)

    try:
        async_to_sync(send_all)()
    except Exception:
        log.exception("could not publish alerts %s", [a.pk for a in alerts])


def dispatch(alert_ids: list[int]) -> None:
    jobs: list[tuple[Any, int]] = [(tasks.push_alert, alert_id) for alert_id in alert_ids]
    jobs += [(tasks.deliver_webhook, pk) for pk in tasks.pending_webhooks(alert_ids)]
    for task, arg in jobs:
        if tasks.huey_immediate():
            task.call_local(arg)
        else:
            _executor().submit(_in_thread, task, arg)


def _in_thread(task: Any, arg: int) -> None:
    close_old_connections()
    try:
        task.call_local(arg)
    except Exception:
        log.exception("first delivery attempt %s(%s) failed", task.name, arg)
    finally:
        close_old_connections()


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="haven-alerts")
    return _pool
