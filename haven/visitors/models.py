"""Visitors: the people who come to a school's front desk, each visit, the visitors a school
expects, and the district's watchlists.

What is kept about a visitor, and how (the ID number: :mod:`haven.visitors.services.identity`):

* names in plain text — the front desk, the on-site list and the badge need them, and the log is
  searched by name;
* date of birth, address and the screening's matches encrypted at rest;
* never the whole ID number: its last four digits (to tell two cards apart on screen) and a keyed
  hash of the issuing jurisdiction and the number, so that a returning visitor's card finds their
  saved record without the number being stored;
* the webcam photo encrypted on disk, served only through a view that checks access.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.core.fields import EncryptedJSONField, EncryptedTextField
from haven.core.storage import EncryptedFileSystemStorage


class Outcome(models.TextChoices):
    """A screening's outcome (the registry's and the watchlists' together)."""

    CLEAR = "clear", _("Clear")
    REVIEW = "review", _("Possible match")
    MATCH = "match", _("Match")


OUTCOME_RANK = {Outcome.CLEAR: 0, Outcome.REVIEW: 1, Outcome.MATCH: 2}


class Person(models.Model):
    """A visitor as the district remembers them between visits. A frequent visitor is one the
    front desk saved to pick at check-in instead of scanning or typing again."""

    district = models.ForeignKey("core.District", on_delete=models.PROTECT, related_name="+")
    first_name = models.CharField(max_length=100)
    middle_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100)
    suffix = models.CharField(max_length=20, blank=True)
    date_of_birth = EncryptedTextField(blank=True, default="", help_text=_("YYYY-MM-DD"))
    dob_from_id = models.BooleanField(
        default=False, help_text=_("The date of birth was read from an ID card, not typed.")
    )
    id_last4 = models.CharField(max_length=4, blank=True)
    id_jurisdiction = models.CharField(max_length=8, blank=True)
    # HMAC of jurisdiction and ID number (haven.visitors.services.identity.id_hash): finds a
    # returning visitor's record without keeping the number.
    id_hash = models.CharField(max_length=64, blank=True, db_index=True)
    address = EncryptedJSONField(null=True, blank=True)
    frequent = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "id_hash"],
                condition=~models.Q(id_hash=""),
                name="visitors_person_unique_card",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        parts = (self.first_name, self.middle_name, self.last_name, self.suffix)
        return " ".join(p for p in parts if p)


def _photo_path(instance: Visit, filename: str) -> str:
    return f"visitors/{instance.school_id}/{secrets.token_hex(16)}.jpg"


class Visit(models.Model):
    class Kind(models.TextChoices):
        VISITOR = "visitor", _("Visitor")
        VOLUNTEER = "volunteer", _("Volunteer")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting: compare the details")
        ESCALATED = "escalated", _("Waiting: an administrator decides")
        ON_SITE = "on_site", _("On site")
        SIGNED_OUT = "signed_out", _("Signed out")
        REFUSED = "refused", _("No badge issued")

    class Source(models.TextChoices):
        SCAN = "scan", _("ID barcode scanned")
        PHOTO = "photo", _("Photo of the ID barcode")
        TYPED = "typed", _("Typed by hand")
        SAVED = "saved", _("Saved visitor")

    class Answer(models.TextChoices):
        YES = "yes", _("Yes, the same person")
        NO = "no", _("No, a different person")
        NOT_SURE = "not_sure", _("Not sure")

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="visits")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="visits")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.VISITOR)
    purpose = models.CharField(max_length=200)
    destination = models.CharField(max_length=200, blank=True)
    host = models.ForeignKey(
        "core.Staff", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    photo = models.FileField(
        storage=EncryptedFileSystemStorage, upload_to=_photo_path, max_length=200, blank=True
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    dob_typed_by_hand = models.BooleanField(default=False)
    at_kiosk = models.BooleanField(default=False)

    # The registry's screening (its query and matches, encrypted, live there) and the watchlists'.
    screening = models.ForeignKey(
        "screening.Screening", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    watchlist_matches = EncryptedJSONField(default=list)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    status = models.CharField(max_length=12, choices=Status.choices)
    review_answer = models.CharField(max_length=10, choices=Answer.choices, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # An escalated review ("not sure") is decided by an administrator or the SRO.
    decision = models.CharField(max_length=10, choices=Answer.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    checked_in_at = models.DateTimeField(default=timezone.now, db_index=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    checked_out_at = models.DateTimeField(null=True, blank=True)
    checked_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    sign_out_method = models.CharField(max_length=10, blank=True)  # badge | list | api
    badge_printed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-checked_in_at", "-pk"]
        indexes = [
            models.Index(fields=["school", "status"]),
            models.Index(fields=["school", "checked_in_at"]),
        ]

    def __str__(self) -> str:
        return f"visit #{self.pk} ({self.status})"

    #: Statuses of a visitor still in the building (admitted, or waiting at the desk).
    PRESENT = (Status.ON_SITE, Status.PENDING, Status.ESCALATED)

    @property
    def has_badge(self) -> bool:
        return self.status == self.Status.ON_SITE

    @property
    def waiting(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.ESCALATED)

    @property
    def confirmed_match(self) -> bool:
        return self.status == self.Status.REFUSED

    def registry_matches(self) -> list[dict[str, Any]]:
        return list(self.screening.matches) if self.screening else []


class PreRegistration(models.Model):
    """A visitor the school expects on a given day (a meeting, a delivery, a speaker)."""

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="+")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    person = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    expected_on = models.DateField()
    host = models.ForeignKey(
        "core.Staff", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    purpose = models.CharField(max_length=200)
    destination = models.CharField(max_length=200, blank=True)
    note = EncryptedTextField(blank=True, default="")
    visit = models.OneToOneField(
        Visit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pre_registration",
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["expected_on", "last_name", "first_name"]
        indexes = [models.Index(fields=["school", "expected_on"])]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} on {self.expected_on}"

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class WatchlistEntry(models.Model):
    """Someone the district wants to know about at the front desk. Custody restrictions are not
    stored here: they come from the roster (a guardian link with ``custody_restriction``)."""

    class Kind(models.TextChoices):
        BANNED = "banned", _("Banned person")
        TRESPASS = "trespass", _("Trespass order")
        PROTECTIVE_ORDER = "protective_order", _("Protective order")
        ALERT = "alert", _("Other alert")

    district = models.ForeignKey("core.District", on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(
        "core.School",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: every school of the district."),
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    first_name = models.CharField(max_length=100)
    middle_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100)
    aliases = models.TextField(blank=True, help_text=_("Other full names, separated by ';'."))
    date_of_birth = EncryptedTextField(blank=True, default="", help_text=_("YYYY-MM-DD"))
    reason = EncryptedTextField(blank=True, default="")
    starts_on = models.DateField(default=timezone.localdate)
    expires_on = models.DateField(null=True, blank=True, help_text=_("Empty: no expiry."))
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name_plural = "watchlist entries"

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)

    def in_force(self, on: Any = None) -> bool:
        day = on or timezone.localdate()
        return (
            self.active
            and self.starts_on <= day
            and (self.expires_on is None or self.expires_on >= day)
        )


class Kiosk(models.Model):
    """A lobby tablet the front desk enrolled for one school: it reaches the kiosk's pages and
    nothing else of Haven (:mod:`haven.visitors.kiosk`). The front desk makes it here, which gives
    a one-time code (only its keyed hash kept, valid for ``HAVEN_KIOSK_CODE_MINUTES``); typed on the
    tablet at ``/visitors/kiosk/``, the code turns into the tablet's own credential, a random
    secret in a cookie of which only the SHA-256 is kept. The kiosk acts for the person who made
    it: while they may check visitors in at the school, it may; revoked, or once they may not, it
    stops."""

    school = models.ForeignKey("core.School", on_delete=models.CASCADE, related_name="kiosks")
    name = models.CharField(max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    code_digest = models.CharField(max_length=64, blank=True, db_index=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    device_digest = models.CharField(max_length=64, blank=True, db_index=True)
    enrolled_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["school", "name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.school})"

    @property
    def state(self) -> str:
        """revoked, enrolled, waiting (for its code to be typed) or expired (never enrolled)."""
        if self.revoked_at:
            return "revoked"
        if self.enrolled_at:
            return "enrolled"
        if self.code_expires_at and self.code_expires_at > timezone.now():
            return "waiting"
        return "expired"
