"""Volunteers: the application, the coordinator's decision, background checks, required
training, opportunities and sign-ups, and the visits that count as volunteer hours.

What is kept, and how: names, e-mail and phone in plain text (the coordinator's list and the front
desk need them); date of birth, address, the applicant's notes, the screening's matches, decline
reasons and the check's notes encrypted at rest. No network identifier of the applicant is ever
stored: the public form is throttled through keyed, daily-changing hashes kept only in the cache.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.core.fields import EncryptedJSONField, EncryptedTextField


class Volunteer(models.Model):
    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied: waiting for a decision")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        INACTIVE = "inactive", _("Inactive")

    district = models.ForeignKey("core.District", on_delete=models.PROTECT, related_name="+")
    schools = models.ManyToManyField("core.School", related_name="volunteers")
    first_name = models.CharField(max_length=100)
    middle_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100)
    date_of_birth = EncryptedTextField(help_text=_("YYYY-MM-DD"))
    email = models.EmailField(max_length=200)
    phone = models.CharField(max_length=40, blank=True)
    address = EncryptedTextField(blank=True, default="")
    interests = EncryptedTextField(blank=True, default="")  # what they would like to help with
    language = models.CharField(max_length=8, default="en")
    consented_at = models.DateTimeField(help_text=_("Consent to a background check was given."))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.APPLIED)

    # The screening at application (registry + watchlists of the schools of interest).
    screening = models.ForeignKey(
        "screening.Screening", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    watchlist_matches = EncryptedJSONField(default=list)
    screening_outcome = models.CharField(max_length=8, blank=True)
    screened_at = models.DateTimeField(null=True, blank=True)
    # A possible match ("review") is approved only with the coordinator's explicit answer.
    screening_answer = models.CharField(max_length=10, blank=True)
    screening_reason = EncryptedTextField(blank=True, default="")

    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = EncryptedTextField(blank=True, default="")
    # The visitor record the front desk made at the first check-in (found again by card hash).
    person = models.ForeignKey(
        "visitors.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The private sign-up code (haven.volunteers.links): only its keyed hash is kept.
    signup_code_hash = models.CharField(max_length=64, blank=True, db_index=True)
    signup_code_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        indexes = [models.Index(fields=["district", "last_name", "first_name"])]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)

    @property
    def born(self) -> dt.date | None:
        try:
            return dt.date.fromisoformat(self.date_of_birth)
        except (TypeError, ValueError):
            return None


class BackgroundCheck(models.Model):
    """One background check of a volunteer. The newest one is the one in force; older ones are
    kept as the history of renewals."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CLEARED = "cleared", _("Cleared")
        DENIED = "denied", _("Denied")

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="checks")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    requested_on = models.DateField(default=timezone.localdate)
    cleared_on = models.DateField(null=True, blank=True)
    provider = models.CharField(max_length=100, blank=True)
    reference = models.CharField(max_length=100, blank=True)
    note = EncryptedTextField(blank=True, default="")
    # The last expiry notice sent to coordinators ("" | "expiring" | "expired"): sent once each.
    notice = models.CharField(max_length=10, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-requested_on", "-pk"]

    def __str__(self) -> str:
        return f"check #{self.pk} ({self.status})"


class TrainingType(models.Model):
    """Training the district asks of its volunteers (e.g. mandated reporting), valid for a number
    of months (empty: it never needs renewing)."""

    district = models.ForeignKey("core.District", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=100)
    valid_months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Empty: never needs renewing.")
    )
    required = models.BooleanField(default=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="volunteers_training_name")
        ]

    def __str__(self) -> str:
        return self.name


class TrainingRecord(models.Model):
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="trainings")
    training = models.ForeignKey(TrainingType, on_delete=models.PROTECT, related_name="+")
    completed_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-completed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.training} on {self.completed_on}"


class Opportunity(models.Model):
    """A shift a school needs volunteers for (a book fair, reading buddies, a field trip)."""

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    slots = models.PositiveSmallIntegerField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Why it was cancelled, as told to the signed-up volunteers (not sensitive: plain text).
    cancel_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name_plural = "opportunities"

    def __str__(self) -> str:
        return self.title


class SignUp(models.Model):
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="signups")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="signups")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "volunteer"], name="volunteers_signup_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} for {self.opportunity}"


class VolunteerVisit(models.Model):
    """A visit (checked in at the front desk as a volunteer) that counts toward a volunteer's
    hours. The times are the visit's own: signed in to signed out."""

    visit = models.OneToOneField(
        "visitors.Visit", on_delete=models.CASCADE, related_name="volunteer_link"
    )
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="visits")

    def __str__(self) -> str:
        return f"{self.volunteer} visit #{self.visit_id}"
