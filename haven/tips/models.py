"""The anonymous tip line: tips, the dialogue with the reporter, attachments, saved replies, and
each school's on-call rota.

A tip never holds a network identifier of its reporter. Only a slow, salted hash of the receipt is
stored (see :mod:`haven.tips.receipts`). Everything the reporter wrote is encrypted at rest.
"""

from __future__ import annotations

from datetime import time
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from haven.core.fields import EncryptedJSONField, EncryptedTextField
from haven.core.storage import EncryptedFileSystemStorage


class Category(models.TextChoices):
    VIOLENCE_THREAT = "violence_threat", _("Threat of violence")
    WEAPON = "weapon", _("Weapon")
    SELF_HARM = "self_harm", _("Self-harm or suicide")
    BULLYING = "bullying", _("Bullying or cyberbullying")
    HARASSMENT = "harassment", _("Harassment")
    ABUSE_NEGLECT = "abuse_neglect", _("Abuse or neglect")
    DRUGS_ALCOHOL = "drugs_alcohol", _("Drugs or alcohol")
    DATING_VIOLENCE = "dating_violence", _("Dating violence")
    OTHER = "other", _("Something else")


class Status(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    TRIAGED = "triaged", _("Triaged")
    CLOSED = "closed", _("Closed")


class Disposition(models.TextChoices):
    CASE_OPENED = "case_opened", _("Case opened")
    REFERRED = "referred", _("Referred")
    RESOLVED = "resolved", _("Resolved")
    UNFOUNDED = "unfounded", _("Unfounded")
    PRANK = "prank", _("Prank")
    # Untrue and meant to harm someone (a prank is untrue but not aimed at anyone): the statutes'
    # "false report", kept apart from unfounded (made in good faith, not borne out).
    FALSE = "false", _("False report (untrue, meant to harm)")
    DUPLICATE = "duplicate", _("Duplicate of another tip")


class TipGroup(models.Model):
    """Tips about the same incident (a flood of reports of one post), put together as they arrive
    (see :mod:`haven.tips.grouping`). Every tip has one; most groups hold a single tip."""

    district = models.ForeignKey("core.District", on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(
        "core.School", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Tip group #{self.pk}"


class Tip(models.Model):
    district = models.ForeignKey("core.District", on_delete=models.PROTECT, related_name="tips")
    school = models.ForeignKey(
        "core.School", on_delete=models.PROTECT, related_name="tips", null=True, blank=True
    )
    category = models.CharField(max_length=30, choices=Category.choices)
    description = EncryptedTextField()
    location = EncryptedTextField(blank=True, default="")
    occurred_at = models.DateTimeField(null=True, blank=True)
    subject_names = EncryptedJSONField(default=list, blank=True)
    online = models.BooleanField(default=False)
    online_platform = models.CharField(max_length=100, blank=True)
    online_url = EncryptedTextField(blank=True, default="")
    danger_now = models.BooleanField(
        default=False, help_text=_("The reporter said someone is in danger now.")
    )
    life_safety = models.BooleanField(default=False, db_index=True)
    life_safety_reason = models.CharField(max_length=200, blank=True)
    #: Confidential reporters' name and contact ({"name", "email", "phone"}); empty = anonymous.
    contact = EncryptedJSONField(null=True, blank=True)
    language = models.CharField(max_length=10, default="en")

    receipt_digest = models.CharField(max_length=128, unique=True)
    #: The id of the pepper that salted the digest ("legacy": the audit key, before peppers).
    receipt_pepper = models.CharField(max_length=12, blank=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.NEW, db_index=True
    )
    disposition = models.CharField(max_length=20, choices=Disposition.choices, blank=True)
    assignees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="assigned_tips"
    )
    related = models.ManyToManyField("self", blank=True, symmetrical=True)
    triage = EncryptedJSONField(default=dict, blank=True, help_text=_("The classifier's reading."))
    group = models.ForeignKey(
        TipGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="tips"
    )
    #: Grouping's keyed fingerprint (MinHash of keyed shingle hashes; keyed hashes of links and
    #: names): never the words themselves. See haven.tips.grouping.
    fingerprint = models.BinaryField(blank=True, default=b"")
    fingerprint_keys = models.JSONField(default=list, blank=True)
    fingerprint_pepper = models.CharField(max_length=12, blank=True)

    created_at = models.DateTimeField(db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    #: When the current on-call tier must have acknowledged; the escalation job moves it on.
    ack_deadline = models.DateTimeField(null=True, blank=True, db_index=True)
    escalation_tier = models.PositiveSmallIntegerField(default=0)
    last_reporter_activity = models.DateTimeField(null=True, blank=True)
    reporter_unread = models.BooleanField(default=False)
    legal_hold = models.BooleanField(default=False)
    purge_after = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-life_safety", "-created_at"]
        indexes = [models.Index(fields=["school", "created_at"], name="tip_school_created")]

    def __str__(self) -> str:
        return f"Tip #{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A tip made without the submission service (the admin, a fixture) is a group of its own.
        if self.group_id is None and self._state.adding:
            self.group = TipGroup.objects.create(
                district_id=self.district_id, school_id=self.school_id, created_at=self.created_at
            )
        super().save(*args, **kwargs)

    @property
    def confidential(self) -> bool:
        return bool(self.contact)


class Message(models.Model):
    """One line of the dialogue with the reporter, or a responders' internal note."""

    class Sender(models.TextChoices):
        REPORTER = "reporter", _("Reporter")
        STAFF = "staff", _("Responder")

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="messages")
    sender = models.CharField(max_length=10, choices=Sender.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = EncryptedTextField()
    internal = models.BooleanField(default=False, help_text=_("A note among responders only."))
    signed = models.BooleanField(
        default=False, help_text=_("The responder chose to give their name.")
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.sender} message on tip #{self.tip_id}"


def _attachment_path(instance: Attachment, filename: str) -> str:
    # Never the reporter's file name on disk (it could identify them): the random token, and the
    # suffix the service chose (".orig" or ".view") so that both copies have a name of their own.
    suffix = filename.rpartition(".")[2] if "." in filename else "bin"
    return f"tips/{instance.tip_id}/{instance.token}.{suffix}"


class Attachment(models.Model):
    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    token = models.CharField(max_length=32, unique=True)
    original = models.FileField(
        storage=EncryptedFileSystemStorage, upload_to=_attachment_path, max_length=200
    )
    #: The copy staff open: image metadata (EXIF, GPS) stripped. Same as the original for PDFs.
    cleaned = models.FileField(
        storage=EncryptedFileSystemStorage, upload_to=_attachment_path, max_length=200
    )
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    kind = models.CharField(max_length=10)  # image | video | pdf
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.kind} on tip #{self.tip_id}"


class SavedReply(models.Model):
    district = models.ForeignKey("core.District", on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(
        "core.School", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=100)
    body = models.TextField()

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "saved replies"

    def __str__(self) -> str:
        return self.title


class OnCallShift(models.Model):
    """Who answers a school's tips, tier by tier, in school hours and after hours."""

    class When(models.TextChoices):
        ALWAYS = "always", _("Always")
        SCHOOL_HOURS = "school_hours", _("School hours")
        AFTER_HOURS = "after_hours", _("After hours")

    school = models.ForeignKey("core.School", on_delete=models.CASCADE, related_name="on_call")
    tier = models.PositiveSmallIntegerField(default=1)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="on_call"
    )
    when = models.CharField(max_length=20, choices=When.choices, default=When.ALWAYS)

    class Meta:
        ordering = ["school", "tier"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "tier", "user", "when"], name="unique_on_call_shift"
            )
        ]

    def __str__(self) -> str:
        return f"{self.school} tier {self.tier}: {self.user} ({self.when})"


class SchoolTipSettings(models.Model):
    """A school's limits for acknowledging tips (defaults: 5 minutes for life-safety, one school
    day for the rest)."""

    school = models.OneToOneField(
        "core.School", on_delete=models.CASCADE, related_name="tip_settings"
    )
    life_safety_ack_minutes = models.PositiveIntegerField(default=5)
    routine_ack_hours = models.PositiveIntegerField(default=24)
    # time objects, not strings: an unsaved instance (a school without settings) compares them.
    school_day_start = models.TimeField(default=time(7, 30))
    school_day_end = models.TimeField(default=time(16, 0))

    def __str__(self) -> str:
        return f"tip settings of {self.school}"


class RetentionPolicy(models.Model):
    """How long a closed tip of a category is kept before the purge (unless on legal hold)."""

    district = models.ForeignKey("core.District", on_delete=models.CASCADE, related_name="+")
    category = models.CharField(max_length=30, choices=Category.choices)
    days = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["district", "category"], name="unique_retention")
        ]

    def __str__(self) -> str:
        return f"{self.category}: {self.days} days"
