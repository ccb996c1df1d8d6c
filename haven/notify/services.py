"""Sending notifications: an in-app row for each recipient, pushed at once to their open Haven
pages (WebSocket, through the channel layer), and an e-mail owed in the same transaction through
the outbox (:mod:`haven.notify.outbox`: delivered at least once, retried while the mail server is
down, picked up again after a crash or an outage). Pages also poll, so a push that cannot cross
processes (the in-memory channel layer, from the worker) or a channel layer that is down still
arrives within seconds."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from haven.core.fields import shared_ciphertexts
from haven.notify import outbox
from haven.notify.models import Notification

if TYPE_CHECKING:
    from haven.accounts.models import User

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
    outbox.owe_many(
        ("email", email_key(note.pk), {"notification": note.pk})
        for note in notes
        if note.user.email
    )
    push = [(note.user_id, note.pk, title, url, urgent) for note in notes]
    transaction.on_commit(lambda: _push(push))
    return notes


def email_key(notification_id: int) -> str:
    return f"email:notification:{notification_id}"


def _push(items: list[tuple[int, int, str, str, bool]]) -> None:
    try:
        layer = get_channel_layer()
    except Exception:  # a misconfigured or unreachable layer: pages poll for the row
        log.warning("no channel layer for notification pushes", exc_info=True)
        return
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


def unread(user: User):  # type: ignore[no-untyped-def]
    return Notification.objects.filter(user=user, read_at__isnull=True)
