"""The case: a student (or an unknown person) the school's team assesses and supports; its team,
the referral that may have started it, and its timeline of events.

What a case is about sits beside a student's name, so it is encrypted at rest: the type (a risk to
self), the priority, the summary, the copies the lists read (classification, stage, risk level,
pathway stage) and the timeline's wording. The list filters by type and priority and sorts by
priority through their blind indexes (:class:`haven.core.fields.BlindIndexField`); status, school,
dates and source stay plain (docs/threat-model.md lists them and why)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.access.models import Compartment
from haven.core.fields import (
    BlindIndexField,
    EncryptedIntegerField,
    EncryptedJSONField,
    EncryptedTextField,
    with_blind_indexes,
)

if TYPE_CHECKING:
    from haven.accounts.models import User


class CaseType(models.TextChoices):
    THREAT = "threat", _("Threat to others")
    SELF_HARM = "self_harm", _("Risk to self")
    BOTH = "both", _("Threat to others and risk to self")


class Priority(models.IntegerChoices):
    # Integers so that "most urgent" is the larger; the list sorts on the blind index's rank.
    ROUTINE = 1, _("Routine")
    HIGH = 2, _("High")
    URGENT = 3, _("Urgent")


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Source(models.TextChoices):
    TIP = "tip", _("Tip")
    SIGNAL = "signal", _("Triage signal")
    REFERRAL = "referral", _("Staff referral")
    STAFF = "staff", _("Opened by the team")


def case_order() -> list[Any]:
    """What needs attention first: "open" sorts after "closed", so descending puts open cases
    first, then the most urgent (ranked in the database from the priority's blind index), then
    the most recently changed."""
    rank = Case._meta.get_field("priority_index").rank(Priority.values)  # type: ignore[attr-defined]
    return ["-status", rank.desc(), "-updated_at", "-pk"]


class Case(models.Model):
    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="cases")
    student = models.ForeignKey(
        "core.Student", on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    #: Who the concern is about when they are not (yet) known to the roster.
    unknown_person = EncryptedTextField(blank=True, default="")
    type = EncryptedTextField(max_length=20, choices=CaseType.choices)
    priority = EncryptedIntegerField(choices=Priority.choices, default=Priority.ROUTINE)
    #: Keyed hashes of the type and priority: the list filters and sorts on these.
    type_index = BlindIndexField(source="type")
    priority_index = BlindIndexField(source="priority")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.STAFF)
    summary = EncryptedTextField(blank=True, default="")
    reference = models.CharField(
        max_length=60, unique=True, null=True, blank=True, help_text=_("The district's own number")
    )
    team: models.ManyToManyField[User, TeamMember] = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="TeamMember",
        through_fields=("case", "user"),
        related_name="cases_on_team",
    )
    source_tip = models.ForeignKey(
        "tips.Tip", on_delete=models.SET_NULL, null=True, blank=True, related_name="cases"
    )
    #: A triage signal's id (the signals model lives in another app and may not exist yet).
    source_signal_id = models.PositiveBigIntegerField(null=True, blank=True)

    # Kept up to date by the services so that lists need no joins (team-record facts only).
    classification = EncryptedTextField(max_length=40, blank=True)
    stage = EncryptedTextField(max_length=200, blank=True)
    risk_level = EncryptedTextField(max_length=10, blank=True)
    pathway_stage = EncryptedTextField(max_length=30, blank=True)

    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closure_criteria = models.JSONField(default=list, blank=True)
    closure_summary = EncryptedTextField(blank=True, default="")

    class Meta:
        # Without the priority, which the database cannot read: lists use case_order().
        ordering = ["-status", "-updated_at", "-pk"]
        indexes = [
            models.Index(fields=["school", "-status", "-updated_at"]),
            models.Index(fields=["-status", "-updated_at"]),
        ]

    def __str__(self) -> str:
        return f"Case #{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A blind index is written whenever its value is, even by save(update_fields=[...]).
        kwargs["update_fields"] = with_blind_indexes(Case, kwargs.get("update_fields"))
        super().save(*args, **kwargs)

    @property
    def subject_label(self) -> str:
        if self.student_id is not None:
            return self.student.full_name  # type: ignore[union-attr]
        return str(_("Unknown person"))

    @property
    def is_open(self) -> bool:
        return self.status == Status.OPEN


class TeamMember(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="team_members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_memberships"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="unique_case_member")]

    def __str__(self) -> str:
        return f"{self.user} on case #{self.case_id}"


class WarningSign(models.TextChoices):
    GRIEVANCE = "grievance", _("A grievance: feels wronged, wants revenge")
    VIOLENCE_TALK = "violence_talk", _("Talk, writing or posts about hurting others")
    WEAPONS_INTEREST = "weapons_interest", _("Interest in weapons")
    ATTACK_INTEREST = "attack_interest", _("Interest in past attacks or attackers")
    SUDDEN_CHANGE = "sudden_change", _("A sudden change in behaviour, grades or attendance")
    HOPELESSNESS = "hopelessness", _("Hopelessness, talk of death or suicide")
    WITHDRAWAL = "withdrawal", _("Withdrawal from friends and activities")
    OTHER = "other", _("Something else")


#: What to look for, shown beside the referral form.
WARNING_SIGN_HINTS: dict[str, Any] = {
    WarningSign.GRIEVANCE: _("Blames others, holds on to a sense of injustice or humiliation."),
    WarningSign.VIOLENCE_TALK: _("Threats, 'jokes', drawings, essays or posts about violence."),
    WarningSign.WEAPONS_INTEREST: _("Talks about getting or using weapons; brings one to school."),
    WarningSign.ATTACK_INTEREST: _("Fascination with school shootings or attackers."),
    WarningSign.SUDDEN_CHANGE: _("Marked change in mood, grades, attendance or appearance."),
    WarningSign.HOPELESSNESS: _("Says things will never get better, gives possessions away."),
    WarningSign.WITHDRAWAL: _("Pulls away from friends, family and activities."),
    WarningSign.OTHER: _("Anything else that worries you: describe it."),
}


class Referral(models.Model):
    """A staff member's "I'm worried about a student": the team turns it into a case or
    dismisses it."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        CASE_OPENED = "case_opened", _("Case opened")
        DISMISSED = "dismissed", _("Dismissed")

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="referrals")
    student = models.ForeignKey(
        "core.Student", on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    unknown_person = EncryptedTextField(blank=True, default="")
    concern = EncryptedTextField()
    warning_signs = EncryptedJSONField(default=list, blank=True)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="referrals"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    case = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="referrals"
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    dismissal_reason = EncryptedTextField(blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["school", "status", "-created_at"])]

    def __str__(self) -> str:
        return f"Referral #{self.pk}"


class CaseEvent(models.Model):
    """One line of the case's timeline. ``text`` says what happened, never what a record said;
    the event belongs to a compartment and is shown only to those who may read it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=40)
    compartment = models.CharField(
        max_length=30, choices=Compartment.choices, default=Compartment.TEAM
    )
    #: Encrypted: it may name a risk level, a classification or a stage.
    text = EncryptedTextField(max_length=300)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"{self.kind} on case #{self.case_id}"
