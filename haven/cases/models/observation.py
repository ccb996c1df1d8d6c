"""Dated observations about the subject: movement along the pathway to violence, and suicide-risk
screenings (C-SSRS)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.cases.models.case import Case
from haven.cases.pathway import Stage
from haven.core.fields import EncryptedBooleanField, EncryptedJSONField, EncryptedTextField


class PathwayObservation(models.Model):
    class Source(models.TextChoices):
        STUDENT = "student", _("The student")
        WITNESS = "witness", _("A witness or peer")
        STAFF = "staff", _("Staff observation")
        PARENT = "parent", _("Parent or guardian")
        ONLINE = "online", _("Online or social media")
        TIP = "tip", _("A tip")
        LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
        OTHER = "other", _("Other")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="pathway")
    stage = EncryptedTextField(max_length=30, choices=Stage.choices)
    observed_on = models.DateField()
    source = models.CharField(max_length=20, choices=Source.choices)
    summary = EncryptedTextField(blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    #: Did this observation move the case further along the path than anything before it?
    forward = models.BooleanField(default=False)

    class Meta:
        ordering = ["observed_on", "recorded_at", "pk"]
        indexes = [models.Index(fields=["case", "observed_on"])]

    def __str__(self) -> str:
        return f"{self.stage} on {self.observed_on} (case #{self.case_id})"


class Screening(models.Model):
    """A C-SSRS screener. The answers are clinical; the risk level and the actions it requires
    are the team's (minimum necessary). All of it is encrypted at rest."""

    class RiskLevel(models.TextChoices):
        LOW = "low", _("Low")
        MODERATE = "moderate", _("Moderate")
        HIGH = "high", _("High")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="screenings")
    instrument = models.CharField(max_length=40, default="cssrs-screener")
    mapping_version = models.CharField(max_length=40)
    answers = EncryptedJSONField()
    risk_level = EncryptedTextField(max_length=10, choices=RiskLevel.choices)
    #: False when every answer was no.
    positive = EncryptedBooleanField()
    required_actions = EncryptedJSONField(default=list)
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    performed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["performed_at", "pk"]

    def __str__(self) -> str:
        return f"screening #{self.pk} ({self.risk_level}) on case #{self.case_id}"
