"""Roll calls of classes and the account of visitors on site during an incident."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.core.fields import EncryptedTextField
from haven.emergencies.models.alerts import Incident


class RollCall(models.Model):
    """A teacher's account of one class during an incident (submitted again to correct it)."""

    class ReporterStatus(models.TextChoices):
        SAFE = "safe", _("Safe")
        NEED_HELP = "need_help", _("Need help")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="roll_calls")
    section = models.ForeignKey("core.Section", on_delete=models.PROTECT, related_name="+")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reporter_status = models.CharField(
        max_length=20, choices=ReporterStatus.choices, default=ReporterStatus.SAFE
    )
    note = EncryptedTextField(blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "section"], name="unique_roll_call")
        ]

    def __str__(self) -> str:
        return f"roll call {self.section_id} for incident {self.incident_id}"


class RollCallEntry(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        MISSING = "missing", _("Missing")
        INJURED = "injured", _("Injured")
        EXTRA = "extra", _("Extra (from another class)")

    roll_call = models.ForeignKey(RollCall, on_delete=models.CASCADE, related_name="entries")
    student = models.ForeignKey("core.Student", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices)
    note = EncryptedTextField(blank=True)  # an injury is health information

    class Meta:
        verbose_name_plural = "roll call entries"
        constraints = [
            models.UniqueConstraint(fields=["roll_call", "student"], name="unique_roll_call_entry")
        ]

    def __str__(self) -> str:
        return f"{self.student_id}: {self.status}"


class VisitorAccount(models.Model):
    """The office's account of one visitor who was on site during an incident."""

    class Status(models.TextChoices):
        ACCOUNTED = "accounted", _("Accounted for")
        MISSING = "missing", _("Missing")

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="visitor_accounts"
    )
    visit = models.ForeignKey("visitors.Visit", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "visit"], name="unique_visitor_account")
        ]

    def __str__(self) -> str:
        return f"visit {self.visit_id}: {self.status}"
