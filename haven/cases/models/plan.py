"""Safety and intervention plans (items with an owner and a due date) and follow-up reviews."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.cases.models.case import Case
from haven.core.fields import EncryptedTextField


class PlanItem(models.Model):
    class Kind(models.TextChoices):
        SUPPORT = "support", _("Support (counselling, mentoring)")
        SCHEDULE_CHANGE = "schedule_change", _("Schedule change")
        SUPERVISION = "supervision", _("Supervision")
        SEARCH = "search", _("Search")
        PARENT_MEETING = "parent_meeting", _("Parent or guardian meeting")
        REFERRAL = "referral", _("Referral to community care")
        SAFETY_PLAN = "safety_plan", _("Personal safety plan (Stanley-Brown)")
        RE_ENTRY = "re_entry", _("Re-entry plan")
        PROTECTION = "protection", _("Protecting a potential victim")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plan_items")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    description = EncryptedTextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_plan_items"
    )
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.kind} on case #{self.case_id}"


class Review(models.Model):
    """A scheduled follow-up review of the case by its team."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reviews")
    due_on = models.DateField()
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    scheduled_at = models.DateTimeField(default=timezone.now)
    outcome = EncryptedTextField(blank=True, default="")
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["done_at", "due_on"])]

    def __str__(self) -> str:
        return f"review of case #{self.case_id} due {self.due_on}"
