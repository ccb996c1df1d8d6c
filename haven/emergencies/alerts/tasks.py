"""Alert deliveries that leave Haven (Web Push, webhooks, e-mail), with retries and back-off.

Each attempt is appended to its Delivery's ``log``. The first attempt is made by the raising
process at once (:mod:`haven.emergencies.alerts.fanout`); these tasks make the retries, and a
sweep (with the outbox's, every few seconds in the worker) picks up deliveries that a crashed
process never attempted or whose retry could not be queued. ``EmergenciesConfig.ready`` imports
this module, so the tasks, the outbox handler and the sweep are registered in every process.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task, lock_task

from haven.core import outbound
from haven.emergencies.alerts import webhooks, webpush
from haven.emergencies.alerts.audience import recipients
from haven.emergencies.alerts.payload import absolute
from haven.emergencies.models import Alert, Delivery, Incident, PushSubscription
from haven.notify import outbox
from haven.notify.models import Outbox

log = logging.getLogger(__name__)

PUSH_ATTEMPTS = 5
PUSH_THREADS = 16
_sessions = threading.local()


def huey_immediate() -> bool:
    return bool(HUEY.immediate)


def pending_webhooks(alert_ids: list[int]) -> list[int]:
    return list(
        Delivery.objects.filter(
            alert_id__in=alert_ids, channel=Delivery.Channel.WEBHOOK, status=Delivery.Status.PENDING
        ).values_list("pk", flat=True)
    )


def _logged(delivery: Delivery, status: int | None, error: str) -> None:
    delivery.attempts += 1
    delivery.log = [
        *delivery.log,
        {"at": timezone.now().isoformat(), "status": status, "error": error},
    ]


# --- Web Push -------------------------------------------------------------------------------------


def push_payload(alert: Alert) -> dict[str, Any]:
    """What the service worker needs to show a notification (small: push services take 4 KiB)."""
    data = alert.payload
    body = " ".join(part for part in (data.get("directive", ""), data.get("note", "")) if part)
    return {
        "title": data.get("title", ""),
        "body": data.get("message") or body,
        "url": data.get("url", "/"),
        "incident": data.get("incident"),
        "kind": data.get("kind"),
        "drill": data.get("drill", False),
        "alert": alert.sequence,
        "school": data.get("school"),
    }


def _session() -> outbound.Session:
    session = getattr(_sessions, "session", None)
    if session is None:
        session = _sessions.session = outbound.Session()
    return session


def _push(deliveries: list[Delivery]) -> None:
    if not deliveries:
        return
    if not webpush.enabled():
        for delivery in deliveries:
            _logged(delivery, None, "Web Push is off (no VAPID key)")
            delivery.status = Delivery.Status.FAILED
        Delivery.objects.bulk_update(deliveries, ["status", "attempts", "log"])
        return

    def one(delivery: Delivery) -> webpush.PushResult:
        if delivery.subscription is None:
            return webpush.PushResult(410, "subscription removed")
        alert = delivery.alert
        return webpush.send(
            delivery.subscription,
            push_payload(alert),
            topic=f"incident{alert.incident_id}",
            session=_session(),
        )

    with ThreadPoolExecutor(max_workers=min(PUSH_THREADS, len(deliveries))) as pool:
        results = list(pool.map(one, deliveries))
    now = timezone.now()
    gone, ok_subscriptions = [], []
    for delivery, result in zip(deliveries, results, strict=True):
        _logged(delivery, result.status, result.error)
        if result.ok:
            delivery.status = Delivery.Status.DELIVERED
            delivery.delivered_at = now
            ok_subscriptions.append(delivery.subscription_id)
        elif result.gone:
            delivery.status = Delivery.Status.GONE
            gone.append(delivery.subscription_id)
        elif result.retry and delivery.attempts < PUSH_ATTEMPTS:
            delivery.status = Delivery.Status.RETRYING
        else:
            delivery.status = Delivery.Status.FAILED
    Delivery.objects.bulk_update(
        deliveries, ["status", "attempts", "log", "delivered_at"], batch_size=500
    )
    PushSubscription.objects.filter(pk__in=ok_subscriptions).update(last_ok_at=now)
    # An expired subscription is forgotten (the browser subscribes again on its next visit).
    PushSubscription.objects.filter(pk__in=[pk for pk in gone if pk]).delete()
    for delivery in deliveries:
        if delivery.status == Delivery.Status.RETRYING:
            _schedule(retry_push, delivery)


def _push_rows(**filters: Any) -> list[Delivery]:
    return list(
        Delivery.objects.filter(channel=Delivery.Channel.WEBPUSH, **filters).select_related(
            "subscription", "alert"
        )
    )


@db_task()
def push_alert(alert_id: int) -> None:
    """First attempt for every device subscribed by the alert's recipients."""
    _push(_push_rows(alert_id=alert_id, status=Delivery.Status.PENDING, attempts=0))


@db_task()
def retry_push(delivery_id: int) -> None:
    _push(_push_rows(pk=delivery_id, status=Delivery.Status.RETRYING))


# --- webhooks -------------------------------------------------------------------------------------


@db_task()
def deliver_webhook(delivery_id: int) -> None:
    """One attempt; on failure, schedule the next with exponential back-off until
    HAVEN_WEBHOOK_ATTEMPTS is reached."""
    delivery = (
        Delivery.objects.select_related("webhook", "alert")
        .filter(
            pk=delivery_id,
            channel=Delivery.Channel.WEBHOOK,
            status__in=[Delivery.Status.PENDING, Delivery.Status.RETRYING],
        )
        .first()
    )
    if delivery is None:
        return
    # Claim this attempt, so a sweep and a scheduled retry never both send it.
    claimed = Delivery.objects.filter(pk=delivery.pk, attempts=delivery.attempts).update(
        attempts=F("attempts") + 1
    )
    if not claimed:
        return
    if delivery.webhook is None or not delivery.webhook.active:
        result = webhooks.Attempt(None, "webhook removed or turned off", final=True)
    else:
        result = webhooks.attempt(delivery)
    _logged(delivery, result.status, result.error)
    if result.ok:
        delivery.status = Delivery.Status.DELIVERED
        delivery.delivered_at = timezone.now()
    elif not result.final and delivery.attempts < settings.HAVEN_WEBHOOK_ATTEMPTS:
        delivery.status = Delivery.Status.RETRYING
    else:
        delivery.status = Delivery.Status.FAILED
    delivery.save(update_fields=["status", "attempts", "log", "delivered_at"])
    if delivery.status == Delivery.Status.RETRYING:
        _schedule(deliver_webhook, delivery)


def _schedule(task: Any, delivery: Delivery) -> None:
    """Queue the next attempt; if the queue cannot take it (Redis down), the sweep makes it."""
    try:
        task.schedule((delivery.pk,), delay=webhooks.backoff(delivery.attempts))
    except Exception as exc:
        log.warning("could not schedule a retry of delivery %s (%s)", delivery.pk, exc)


# --- e-mail ---------------------------------------------------------------------------------------


def email_text(alert: Alert) -> str:
    data = alert.payload
    lines = [data.get("title", ""), ""]
    if data.get("drill"):
        lines += ["*** DRILL — this is an exercise ***", ""]
    if data.get("message"):
        lines += [data["message"], ""]
    lines.append(data.get("directive", ""))
    lines += [f"- {step}" for step in data.get("instructions", [])]
    for label, key in (
        ("Note", "note"),
        ("Evacuate to", "evacuate_location"),
        ("Hazard", "shelter_hazard"),
        ("Safety strategy", "shelter_strategy"),
    ):
        if data.get(key):
            lines.append(f"{label}: {data[key]}")
    lines += ["", f"Acknowledge: {absolute(data.get('url', '/'))}"]
    return "\n".join(lines)


@outbox.handler("alert.notify", transactional=True)
def notify_recipients(entry: Outbox) -> None:
    """The outbox row owed with an alert: its notifications, created once (in the same
    transaction as the row's "done")."""
    email_alerts(entry.args.get("alerts", []))


def email_alerts(alert_ids: list[int]) -> None:
    """An urgent notification (in the app, and by e-mail through the outbox) to every recipient,
    once per broadcast however many schools it covers."""
    from haven.notify import services as notify

    alerts = list(Alert.objects.filter(pk__in=alert_ids).select_related("incident").order_by("pk"))
    if not alerts:
        return
    first = alerts[0]
    incident: Incident = first.incident
    users = list(recipients(incident).only("pk", "email"))
    notes = notify.send(
        users,
        kind="emergency",
        title=first.payload.get("title", "")[:200],
        body=email_text(first),
        url=first.payload.get("url", ""),
        urgent=True,
    )
    Delivery.objects.bulk_create(
        [
            Delivery(
                alert=first,
                channel=Delivery.Channel.EMAIL,
                user_id=note.user_id,
                notification=note,
            )
            for note in notes
            if note.user.email
        ],
        ignore_conflicts=True,
        batch_size=500,
    )
    # After notify's own on-commit hook (which sends, or queues, the e-mail); the sweep catches
    # e-mails the worker sends later.
    transaction.on_commit(_sync_email_status, robust=True)


def _sync_email_status() -> None:
    """Mark e-mail deliveries sent once the notification's e-mail has gone (haven.notify)."""
    for delivery in Delivery.objects.filter(
        channel=Delivery.Channel.EMAIL,
        status=Delivery.Status.PENDING,
        notification__emailed_at__isnull=False,
    ).select_related("notification")[:1000]:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.DELIVERED,
            delivered_at=delivery.notification.emailed_at,  # type: ignore[union-attr]
            attempts=1,
        )


# --- the sweep ------------------------------------------------------------------------------------


def _due(delivery: Delivery, now: Any) -> bool:
    """A retry whose back-off has passed, or an attempt that was claimed and never logged (the
    process died mid-send) once the outbox's lease has passed."""
    entries = delivery.log or []
    last = entries[-1].get("at") if entries else None
    try:
        since = datetime.fromisoformat(last) if last else delivery.created_at
    except (TypeError, ValueError):
        since = delivery.created_at
    wait = webhooks.backoff(delivery.attempts) if entries else 0
    if delivery.attempts > len(entries):
        wait += settings.HAVEN_DELIVERY_LEASE_SECONDS
    return since + timedelta(seconds=wait) <= now


def sweep_alert_deliveries() -> None:
    """Attempt what the raising process never did (it stopped between commit and send, or Redis
    was down when a retry was to be scheduled), and mark e-mails the outbox has sent."""
    now = timezone.now()
    stale = now - timedelta(minutes=2)
    _push(_push_rows(status=Delivery.Status.PENDING, attempts=0, created_at__lt=stale)[:500])
    retrying = [d for d in _push_rows(status=Delivery.Status.RETRYING)[:500] if _due(d, now)]
    _push(retrying)
    webhooks_due = Delivery.objects.filter(
        channel=Delivery.Channel.WEBHOOK,
        status__in=[Delivery.Status.PENDING, Delivery.Status.RETRYING],
    ).order_by("pk")[:500]
    for delivery in webhooks_due:
        if delivery.attempts == 0 and delivery.status == Delivery.Status.PENDING:
            if delivery.created_at < stale:
                deliver_webhook.call_local(delivery.pk)
        elif _due(delivery, now):
            deliver_webhook.call_local(delivery.pk)
    _sync_email_status()


outbox.also_sweep(sweep_alert_deliveries)


@db_periodic_task(crontab(minute="*"))
@lock_task("emergencies-sweep")
def sweep_deliveries() -> None:
    sweep_alert_deliveries()


def report_lines(everything: bool, limit: int) -> list[str]:
    """``haven deliveries``: the alert deliveries that leave Haven, pending or failed first."""
    outside = Delivery.objects.filter(
        channel__in=[Delivery.Channel.WEBPUSH, Delivery.Channel.WEBHOOK, Delivery.Channel.EMAIL]
    )
    counts = dict(outside.values("status").annotate(n=Count("pk")).values_list("status", "n"))
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "none"
    lines = [f"Alert deliveries (Web Push, webhooks, e-mail): {summary}."]
    if not everything:
        outside = outside.exclude(status=Delivery.Status.DELIVERED)
    for row in outside.order_by("created_at")[:limit]:
        lines.append(
            f"{row.pk:>8}  {row.status:<8} {row.channel:<14} alert={row.alert_id} "
            f"attempts={row.attempts}"
        )
    return lines


outbox.also_report(report_lines)
