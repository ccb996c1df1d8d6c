"""The imported sex-offender registry and the record of every screening.

Registry entries are public records, stored as published (plus the normalised names the index
reads). A screening's query is the visitor's personal data: it is encrypted at rest.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.core.fields import EncryptedJSONField, EncryptedTextField


class RegistryImport(models.Model):
    """One jurisdiction replaced by one import of a registry file. The newest row (id and token)
    is the registry's version: a process rebuilds its index when it changes."""

    jurisdiction = models.CharField(max_length=32)
    file_name = models.CharField(max_length=255, blank=True)
    records = models.PositiveIntegerField(default=0)
    replaced = models.PositiveIntegerField(default=0, help_text=_("records there were before"))
    skipped = models.PositiveIntegerField(default=0, help_text=_("bad rows left out"))
    # Ids come back after a rolled-back transaction on SQLite; the token tells versions apart.
    token = models.UUIDField(default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.jurisdiction}: {self.records} records ({self.created_at:%Y-%m-%d})"


class Registrant(models.Model):
    """A person on a sex-offender registry, as the jurisdiction publishes them."""

    jurisdiction = models.CharField(max_length=32)
    record_id = models.CharField(max_length=128)
    last_name = models.CharField(max_length=200)
    first_name = models.CharField(max_length=200)
    middle_name = models.CharField(max_length=200, blank=True)
    suffix = models.CharField(max_length=20, blank=True)
    aliases = models.TextField(blank=True, help_text=_("full names, separated by ';'"))
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=16, blank=True)
    source_url = models.CharField(max_length=2000, blank=True)
    # The names (primary first, then aliases) as the index reads them: Name.encode, ";"-joined.
    names = models.TextField()
    # Which import wrote the row. Not indexed: nothing looks rows up by it, and a million-row
    # import is quicker with one index fewer.
    registry_import = models.ForeignKey(
        RegistryImport, on_delete=models.PROTECT, related_name="registrants", db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "record_id"], name="screening_registrant_unique_record"
            )
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction}/{self.record_id}"

    @property
    def display_name(self) -> str:
        parts = (self.first_name, self.middle_name, self.last_name, self.suffix)
        return " ".join(p for p in parts if p)


class Screening(models.Model):
    """One check of a person against the registry. The visitors app links visits to it."""

    class Outcome(models.TextChoices):
        CLEAR = "clear", _("Clear")
        REVIEW = "review", _("Possible match: compare the details")
        MATCH = "match", _("Name and date of birth match")

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    first_name = EncryptedTextField()
    middle_name = EncryptedTextField(blank=True, default="")
    last_name = EncryptedTextField()
    date_of_birth = EncryptedTextField(help_text=_("YYYY-MM-DD"))
    dob_typed_by_hand = models.BooleanField(default=False)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    # [{source, record_id, name, date_of_birth, score}]: registrants' details, kept with the
    # query so that the result can be shown again as it was.
    matches = EncryptedJSONField(default=list)
    registry_version = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"screening #{self.pk}: {self.outcome}"
