"""Reunification: requests by an adult for a student, and the releases (or refusals)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.core.fields import EncryptedJSONField, EncryptedTextField
from haven.emergencies.models.alerts import Incident


class Release(models.Model):
    """A student handed to an adult (Standard Reunification Method), or a refusal and why."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="releases")
    student = models.ForeignKey("core.Student", on_delete=models.PROTECT, related_name="+")
    guardian = models.ForeignKey(
        "core.Guardian", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    adult_name = models.CharField(max_length=200)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    released_at = models.DateTimeField(default=timezone.now)
    refused = models.BooleanField(default=False)
    reason = EncryptedTextField(blank=True)  # may name a custody order

    class Meta:
        ordering = ["released_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "student"],
                condition=models.Q(refused=False),
                name="one_release_per_student",
            )
        ]

    def __str__(self) -> str:
        verb = "refused" if self.refused else "released"
        return f"{self.student_id} {verb} to {self.adult_name}"


class ReunificationRequest(models.Model):
    """An adult checked in at the reunification point for one student (Standard Reunification
    Method): who they are (the ID number itself is never stored), what the roster and the
    screening said, and the runner's fetch. An adult asking for several students makes one
    request per student, sharing ``group``. See :mod:`haven.emergencies.reunification.services`."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        HELD = "held", _("Held for an administrator")
        RUNNER_SENT = "runner_sent", _("Runner sent")
        RELEASED = "released", _("Released")
        REFUSED = "refused", _("Refused")

    class Decision(models.TextChoices):
        AUTHORISED = "authorised", _("Authorised to pick up")
        NOT_LISTED = "not_listed", _("Not on the student's list")
        NOT_ALLOWED = "not_allowed", _("Listed, but may not pick up")
        CUSTODY = "custody_restriction", _("Custody restriction")
        ALREADY_RELEASED = "already_released", _("Already released")
        NOT_HERE = "not_here", _("Student not at this school")
        WATCHLIST = "watchlist", _("Screening match")
        REVIEW = "review", _("Possible screening match")
        STAFF = "staff", _("Refused by staff")

    class Source(models.TextChoices):
        SCAN = "scan", _("ID barcode scanned")
        TYPED = "typed", _("Typed from the ID")
        ROSTER = "roster", _("Guardian chosen from the roster")

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="reunification_requests"
    )
    group = models.UUIDField(default=uuid.uuid4, db_index=True)
    student = models.ForeignKey("core.Student", on_delete=models.PROTECT, related_name="+")
    adult_first_name = models.CharField(max_length=100)
    adult_middle_name = models.CharField(max_length=100, blank=True)
    adult_last_name = models.CharField(max_length=100)
    adult_date_of_birth = EncryptedTextField(blank=True)  # ISO date
    id_source = models.CharField(max_length=10, choices=Source.choices)
    id_jurisdiction = models.CharField(max_length=10, blank=True)
    id_last4 = models.CharField(max_length=4, blank=True)
    id_hash = models.CharField(max_length=64, blank=True)
    guardian = models.ForeignKey(
        "core.Guardian", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision = models.CharField(max_length=30, choices=Decision.choices)
    screening_outcome = models.CharField(max_length=8, blank=True)
    screening = models.ForeignKey(
        "screening.Screening", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    watchlist_matches = EncryptedJSONField(default=list)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.WAITING)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    checked_in_at = models.DateTimeField(default=timezone.now)
    runner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    runner_sent_at = models.DateTimeField(null=True, blank=True)
    release = models.OneToOneField(
        Release, on_delete=models.SET_NULL, null=True, blank=True, related_name="request"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["checked_in_at", "pk"]
        indexes = [models.Index(fields=["incident", "status"], name="reunification_queue")]

    def __str__(self) -> str:
        return f"{self.adult_name} for {self.student_id} ({self.status})"

    @property
    def adult_name(self) -> str:
        parts = (self.adult_first_name, self.adult_middle_name, self.adult_last_name)
        return " ".join(p for p in parts if p)

    @property
    def open(self) -> bool:
        return self.status in (self.Status.WAITING, self.Status.HELD, self.Status.RUNNER_SENT)
