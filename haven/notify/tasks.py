"""The worker's side of the outbox (:mod:`haven.notify.outbox`): delivering rows the moment their
event commits, the sweep, and the e-mail handler."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from haven.notify import outbox
from haven.notify.models import Notification, Outbox
from haven.notify.services import email_key


@db_task()
def deliver_outbox(ids: list[int]) -> None:
    """Deliver these outbox rows now (queued when their event commits); the outbox retries."""
    outbox.deliver(ids)


@db_periodic_task(crontab(minute="*"))
def sweep_outbox() -> None:
    """Everything still owed: never queued (Redis was down), waiting for a retry, or claimed by a
    process that died mid-send. The worker's own loop also sweeps, every few seconds."""
    outbox.sweep()


def message_id(entry: Outbox) -> str:
    """The same Message-ID on every attempt of one delivery: a resend after a crash is the same
    message to the receiving mail system, which may drop the duplicate."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "haven.invalid"
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{entry.key}".encode()).hexdigest()[:32]
    return f"<haven.{digest}@{domain}>"


@outbox.handler("email")
def email_notification(entry: Outbox) -> None:
    """One notification's e-mail. Marks the notification e-mailed, so a row owed twice for it (or
    one retried after its mark) sends nothing more."""
    note = (
        Notification.objects.select_related("user")
        .filter(pk=entry.args.get("notification"))
        .first()
    )
    if note is None or note.emailed_at is not None or not note.user.email:
        return
    EmailMessage(
        note.title,
        note.body,
        settings.DEFAULT_FROM_EMAIL,
        [note.user.email],
        headers={"Message-ID": message_id(entry)},
    ).send()
    Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())


def email_notifications(ids: list[int]) -> None:
    """Deliver the e-mails owed for these notifications now (the outbox rows written with them)."""
    keys = [email_key(pk) for pk in ids]
    outbox.deliver(Outbox.objects.filter(key__in=keys).values_list("pk", flat=True))
