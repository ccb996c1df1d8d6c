"""Sending notifications: an in-app row for each recipient now, e-mail through the background
worker (retried when the mail server is down)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from haven.notify.models import Notification


def send(
    users: Iterable[Any], *, kind: str, title: str, body: str = "", url: str = ""
) -> list[Notification]:
    notes = Notification.objects.bulk_create(
        [Notification(user=user, kind=kind, title=title, body=body, url=url) for user in users]
    )
    ids = [note.pk for note in notes if note.user.email]
    if ids:
        from haven.notify.tasks import email_notifications

        transaction.on_commit(lambda: email_notifications(ids))
    return notes


def unread(user: Any):
    return Notification.objects.filter(user=user, read_at__isnull=True)
