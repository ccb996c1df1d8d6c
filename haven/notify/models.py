"""Notifications to staff: shown in the app and delivered by e-mail (with retries)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from haven.core.fields import EncryptedTextField


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40)
    # Encrypted: a title or body may say what a record is about (a break-glass reason, a high
    # suicide risk), and the link says which case or tip it is.
    title = EncryptedTextField(max_length=200)
    body = EncryptedTextField(blank=True)
    url = EncryptedTextField(max_length=300, blank=True)
    urgent = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Outbox(models.Model):
    """One delivery owed to a person or another system (an e-mail, the notifications of an alert),
    written in the same transaction as the event that owes it, and delivered at least once by
    :mod:`haven.notify.outbox`: claimed for a while (a lease), retried with back-off, marked done.
    What a crash, an outage or a full disk left undone is picked up again by the sweep.

    ``key`` names the delivery (one per notification e-mail, one per alert's notifications): a
    second row for the same key cannot be written, and it travels with the delivery where the
    channel can carry it (an e-mail's Message-ID), so a resend after a crash can be recognised."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        SENDING = "sending", "sending"
        DONE = "done", "done"
        FAILED = "failed", "failed"

    kind = models.CharField(max_length=40)
    key = models.CharField(max_length=200, unique=True)
    args = models.JSONField(default=dict, blank=True)  # record ids only, never text
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name_plural = "outbox"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} ({self.status})"


class WorkerHeartbeat(models.Model):
    """The background worker's sign of life: each worker process rewrites its row every few
    seconds (``/healthz`` reports the age of the newest)."""

    name = models.CharField(max_length=200, unique=True)  # host:pid
    started_at = models.DateTimeField(default=timezone.now)
    beat_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return self.name
