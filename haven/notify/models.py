"""Notifications to staff: shown in the app and delivered by e-mail (with retries)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

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
