"""Break-glass grants: audited, time-limited access to a compartment its holder does not own."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.core.fields import EncryptedTextField


class Compartment(models.TextChoices):
    TEAM = "team", _("Team record")
    CLINICAL = "clinical", _("Clinical")
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")


class BreakGlassGrantQuerySet(models.QuerySet["BreakGlassGrant"]):
    def active(self) -> BreakGlassGrantQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class BreakGlassGrant(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_grants"
    )
    compartment = models.CharField(max_length=30, choices=Compartment.choices)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    reason = EncryptedTextField()
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = BreakGlassGrantQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["user", "object_type", "object_id", "compartment"])]

    def __str__(self) -> str:
        return f"{self.user} → {self.compartment} of {self.object_type}:{self.object_id}"
