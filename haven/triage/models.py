"""Risk signals from monitoring tools (web filters, student-activity monitors), and each
district's triage settings.

A :class:`Signal` is one flagged piece of a student's online activity: its text, the classifier's
reading of it (scores and evidence positions, never the text) and the categories it flagged (all
encrypted at rest: they say "self-harm" beside a student), where it was routed and why, and the
team's verdict. Its urgency, route and status stay plain: the queues filter and sort on them. The
same text about the same student within the de-duplication window is counted on the first signal
(``repeat_count``, ``last_seen_at``) instead of being stored again.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from haven.core.fields import EncryptedJSONField, EncryptedTextField

#: The classifier's categories (``training.CATEGORIES``) in words; a test keeps them in step.
CATEGORY_LABELS: dict[str, Any] = {
    "self_harm": _("Self-harm or suicide"),
    "violence_threat": _("Threat of violence"),
    "weapon": _("Weapon"),
    "bullying_harassment": _("Bullying or harassment"),
    "sexual_abuse_or_exploitation": _("Sexual abuse or exploitation"),
    "substance": _("Drugs or alcohol"),
    "other_concern": _("Other concern"),
}

#: The category-free guardrail's name, as it appears among a signal's sensitive reasons.
IDENTITY = "identity"


class Urgency(models.TextChoices):
    IMMINENT = "imminent", _("Imminent")
    HIGH = "high", _("High")
    ROUTINE = "routine", _("Routine")
    NONE = "none", _("No concern found")


#: Most urgent first (for ordering in the database).
URGENCY_RANK = {
    Urgency.IMMINENT: 0,
    Urgency.HIGH: 1,
    Urgency.ROUTINE: 2,
    Urgency.NONE: 3,
}


class Route(models.TextChoices):
    ON_CALL = "on_call", _("On call, at once")
    TEAM = "team", _("The school's team")
    REVIEW = "review", _("Review queue")
    STORED = "stored", _("Stored for the retention period only")


class Status(models.TextChoices):
    OPEN = "open", _("Waiting for review")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


class DismissReason(models.TextChoices):
    LYRICS = "lyrics", _("False alarm: a song or lyrics")
    GAME = "game", _("False alarm: a game")
    JOKE = "joke", _("False alarm: a joke or sarcasm")
    QUOTE = "quote", _("False alarm: a quote (book, film, schoolwork)")
    KNOWN = "known", _("Already known to the team")
    OTHER = "other", _("Other (say why)")


#: Dismissals that say the concern was real: not counted as false alarms.
NOT_FALSE_ALARM = {DismissReason.KNOWN}


class Signal(models.Model):
    district = models.ForeignKey("core.District", on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="signals")
    student = models.ForeignKey("core.Student", on_delete=models.PROTECT, related_name="signals")
    source = models.CharField(max_length=100, help_text=_("The monitoring tool that sent it"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = EncryptedTextField()
    url = EncryptedTextField(blank=True, default="")
    context = EncryptedJSONField(null=True, blank=True)
    truncated = models.BooleanField(default=False)
    observed_at = models.DateTimeField()
    received_at = models.DateTimeField(db_index=True)
    last_seen_at = models.DateTimeField()
    repeat_count = models.PositiveIntegerField(
        default=0, help_text=_("Duplicates received after this one, within the window")
    )
    #: A keyed hash of the student and the normalised text: finds duplicates without the text.
    fingerprint = models.CharField(max_length=64)

    # The classifier's reading: {"categories": [{"name", "score"}], "urgency", "evidence"}.
    reading = EncryptedJSONField(default=dict, blank=True)
    #: Categories that scored at least the flag threshold (else the top one).
    flagged = EncryptedJSONField(default=list, blank=True)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, db_index=True)
    route = models.CharField(max_length=10, choices=Route.choices)
    sensitive = models.BooleanField(default=False)
    #: Why it is sensitive: the district's sensitive categories it matched, or "identity".
    sensitive_reasons = EncryptedJSONField(default=list, blank=True)
    notified = models.PositiveIntegerField(default=0)

    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    dismiss_reason = models.CharField(max_length=10, choices=DismissReason.choices, blank=True)
    review_note = EncryptedTextField(blank=True, default="")
    #: The case opened on confirmation (haven.cases), when there is one.
    case_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["student", "fingerprint", "received_at"]),
            models.Index(fields=["school", "status", "urgency"]),
            models.Index(fields=["urgency", "status", "last_seen_at"]),
        ]

    def __str__(self) -> str:
        return f"signal #{self.pk} ({self.urgency}, {self.source})"

    @property
    def tone(self) -> str:
        """The house's status tone: imminent red, high amber, routine blue; reviewed green."""
        if self.status != Status.OPEN:
            return "done"
        return {"imminent": "life", "high": "high", "routine": "routine"}.get(self.urgency, "done")

    def reason(self) -> dict[str, Any]:
        """Why it was routed where it was: categories with scores, urgency and the positions of
        the evidence phrases. Never the text: this goes, in words, into notifications and the
        audit log's reason (both encrypted at rest)."""
        scores = {
            c.get("name"): c.get("score")
            for c in self.reading.get("categories", [])
            if isinstance(c, dict)
        }
        return {
            "urgency": self.urgency,
            "categories": [{"name": c, "score": scores.get(c)} for c in self.flagged],
            "evidence": [
                [e.get("start"), e.get("end"), e.get("category")]
                for e in self.reading.get("evidence", [])
                if isinstance(e, dict)
            ],
            "sensitive": list(self.sensitive_reasons),
        }


class DistrictTriageSettings(models.Model):
    """A district's triage choices. Without a row, the defaults apply: no category sensitive,
    the identity guardrail on, ``HAVEN_SIGNAL_RETENTION_DAYS`` for signals of no concern."""

    district = models.OneToOneField(
        "core.District", on_delete=models.CASCADE, related_name="triage_settings"
    )
    sensitive_categories = models.JSONField(
        default=list,
        blank=True,
        help_text=_(
            "Categories whose signals are never routed to the SRO or to families: only "
            "counsellors and administrators see them."
        ),
    )
    guard_identity = models.BooleanField(
        default=True,
        help_text=_(
            "Treat texts about a student's sexual or gender identity, with no other concern, as "
            "sensitive."
        ),
    )
    retention_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_("Days to keep signals of no concern (empty: the installation's default)."),
    )

    class Meta:
        verbose_name = _("district triage settings")
        verbose_name_plural = _("district triage settings")

    def __str__(self) -> str:
        return f"triage settings of {self.district}"
