"""Assessment models as data, and a case's assessments.

An :class:`AssessmentModel` (CSTAG, NTAC's investigative themes, a state's own form) is rows, not
code: ordered :class:`Step` rows, each with its questions, the classifications it may decide and,
per classification, the :class:`RequiredAction` checklist that must be settled before the step
closes. They are loaded from JSON files (``haven/cases/data/``, ``haven cases-load-model``, or the
admin), see :mod:`haven.cases.cstag` for the format.

A case's :class:`Assessment` follows one model version: a :class:`StepRecord` per step (answers,
classification, rationale) and an :class:`ActionItem` per required action.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.cases.models.case import Case
from haven.core.fields import EncryptedJSONField, EncryptedTextField


class AssessmentModel(models.Model):
    class Kind(models.TextChoices):
        DECISION_TREE = "decision_tree", _("Decision tree (steps in order, classified)")
        GUIDE = "guide", _("Guided questions (any order)")

    slug = models.SlugField(max_length=60)
    version = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    #: Steps must be taken in order (no skipping).
    sequential = models.BooleanField(default=True)
    description = models.TextField(blank=True)
    source = models.CharField(max_length=300, blank=True, help_text=_("Where the model comes from"))
    #: "When in doubt": the classification a step takes when the team does not choose one.
    default_classification = models.CharField(max_length=40, blank=True)
    district = models.ForeignKey(
        "core.District",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: offered to every district"),
    )
    active = models.BooleanField(default=True)
    installed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "-installed_at"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="unique_assessment_version")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.version})"


class Classification(models.Model):
    model = models.ForeignKey(
        AssessmentModel, on_delete=models.CASCADE, related_name="classifications"
    )
    key = models.SlugField(max_length=40)
    label = models.CharField(max_length=200)
    #: Higher is more serious.
    severity = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["model", "severity"]
        constraints = [
            models.UniqueConstraint(fields=["model", "key"], name="unique_classification")
        ]

    def __str__(self) -> str:
        return self.label


class Step(models.Model):
    model = models.ForeignKey(AssessmentModel, on_delete=models.CASCADE, related_name="steps")
    number = models.PositiveSmallIntegerField()
    key = models.SlugField(max_length=60)
    title = models.CharField(max_length=200)
    guidance = models.TextField(blank=True)
    #: [{"key", "prompt", "kind": text|yes_no|choice|date, "choices": [...], "required": bool}]
    questions = models.JSONField(default=list, blank=True)
    #: Classification keys this step may decide (empty: it decides none).
    classifications = models.JSONField(default=list, blank=True)
    default_classification = models.CharField(max_length=40, blank=True)
    #: The step applies only when the assessment's classification is one of these (empty: always).
    applies_to = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["model", "number"]
        constraints = [
            models.UniqueConstraint(fields=["model", "key"], name="unique_step_key"),
            models.UniqueConstraint(fields=["model", "number"], name="unique_step_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class RequiredAction(models.Model):
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="actions")
    #: Required when the step's classification is this one; empty: whatever the classification.
    classification = models.CharField(max_length=40, blank=True)
    key = models.SlugField(max_length=60)
    label = models.CharField(max_length=300)
    number = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["step", "number", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["step", "classification", "key"], name="unique_required_action"
            )
        ]

    def __str__(self) -> str:
        return self.label


class Assessment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    model = models.ForeignKey(AssessmentModel, on_delete=models.PROTECT, related_name="+")
    classification = EncryptedTextField(max_length=40, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "model"], name="unique_case_assessment")
        ]

    def __str__(self) -> str:
        return f"{self.model.slug} on case #{self.case_id}"


class StepRecord(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Not yet")
        OPEN = "open", _("In progress")
        CLOSED = "closed", _("Closed")
        NOT_APPLICABLE = "not_applicable", _("Does not apply")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="records")
    step = models.ForeignKey(Step, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    answers = EncryptedJSONField(default=dict, blank=True)
    classification = EncryptedTextField(max_length=40, blank=True)
    rationale = EncryptedTextField(blank=True, default="")
    updated_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assessment", "step__number"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "step"], name="unique_step_record")
        ]

    def __str__(self) -> str:
        return f"{self.step} ({self.status})"


class ActionItem(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("To do")
        DONE = "done", _("Done")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")

    record = models.ForeignKey(StepRecord, on_delete=models.CASCADE, related_name="actions")
    action = models.ForeignKey(RequiredAction, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    reason = EncryptedTextField(blank=True, default="")
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["record", "action__number", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["record", "action"], name="unique_action_item")
        ]

    def __str__(self) -> str:
        return f"{self.action} ({self.status})"

    @property
    def settled(self) -> bool:
        return self.status != self.Status.PENDING
