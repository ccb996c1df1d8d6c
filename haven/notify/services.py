"""Sending notifications: an in-app row for each recipient, pushed at once to their open Haven
pages (WebSocket, through the channel layer), and e-mail through the background worker (retried
when the mail server is down). Pages also poll, so a push that cannot cross processes (the
in-memory channel layer, from the worker) still arrives within seconds."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from haven.core.fields import shared_ciphertexts
from haven.notify.models import Notification

log = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"haven.user.{user_id}"


def send(
    users: Iterable[Any],
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    urgent: bool = False,
) -> list[Notification]:
    with shared_ciphertexts():  # one message to many: its text is encrypted once
        notes = Notification.objects.bulk_create(
            [
                Notification(user=user, kind=kind, title=title, body=body, url=url, urgent=urgent)
                for user in users
            ]
        )
    if not notes:
        return notes
    email_ids = [note.pk for note in notes if note.user.email]
    push = [(note.user_id, note.pk, title, url, urgent) for note in notes]

    def after_commit() -> None:
        _push(push)
        if email_ids:
            from haven.notify.tasks import email_notifications

            email_notifications(email_ids)

    transaction.on_commit(after_commit)
    return notes


def _push(items: list[tuple[int, int, str, str, bool]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for user_id, note_id, title, url, urgent in items:
        try:
            async_to_sync(layer.group_send)(
                user_group(user_id),
                {
                    "type": "notification",
                    "id": note_id,
                    "title": title,
                    "url": url,
                    "urgent": urgent,
                },
            )
        except Exception:  # a push is best effort: the row is stored and pages poll for it
            log.warning("could not push notification %s", note_id, exc_info=True)


def unread(user: Any):  # type: ignore[no-untyped-def]
    return Notification.objects.filter(user=user, read_at__isnull=True)
