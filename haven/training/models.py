"""Warning-signs training: modules (content loaded as data), attempts at their tests, completions,
requirements that assign modules to roles and schools, assignments, external certificates and the
reminders already sent.

Status (not started, in progress, done, overdue, expiring) is derived, never stored: see
:mod:`haven.training.status`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.core.fields import EncryptedTextField
from haven.core.storage import EncryptedFileSystemStorage

LANGUAGES = ("en", "es")


class Module(models.Model):
    """One module, as loaded from a content folder (``haven load-training DIR``)."""

    slug = models.SlugField(unique=True)
    version = models.CharField(max_length=20)
    minutes = models.PositiveSmallIntegerField()
    source = models.TextField(help_text="What the text was adapted from")
    source_url = models.URLField(blank=True)
    licence = models.CharField(max_length=200)
    languages = models.JSONField(default=list)
    # Standard Response Protocol roles: recorded as attendance where a state asks for in-person
    # drill training (the module is taken together, then each person's post-test).
    in_person = models.BooleanField(default=False)
    pass_mark = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Percent; empty: the district's pass mark"
    )
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.slug


class ModuleText(models.Model):
    """A module's text in one language: title, summary, sections (Markdown) and further links."""

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(max_length=10)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    sections = models.JSONField(default=list)  # [{"heading": str, "body": markdown}]
    further = models.JSONField(default=list)  # [{"title": str, "url": str}]

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["module", "language"], name="training_text_once")
        ]

    def __str__(self) -> str:
        return f"{self.module.slug} ({self.language})"


class Question(models.Model):
    """A scenario question of a module's bank. ``use`` says which tests draw it."""

    class Use(models.TextChoices):
        PRE = "pre", _("Pre-test")
        POST = "post", _("Post-test")
        BOTH = "both", _("Both")

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(max_length=40)
    order = models.PositiveSmallIntegerField(default=0)
    use = models.CharField(max_length=4, choices=Use.choices, default=Use.BOTH)
    text = models.JSONField()  # {"en": str, "es": str}
    choices = models.JSONField()  # [{"id": str, "text": {"en": str, "es": str}}]
    correct = models.CharField(max_length=40)
    why = models.JSONField()  # {"en": str, "es": str}

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["module", "key"], name="training_question_key_once")
        ]

    def __str__(self) -> str:
        return f"{self.module.slug}/{self.key}"


class TrainingPolicy(models.Model):
    """A district's pass mark and completion target (both 80% unless the district says)."""

    district = models.OneToOneField(
        "core.District", on_delete=models.CASCADE, related_name="training_policy"
    )
    pass_mark = models.PositiveSmallIntegerField(default=80, help_text="Percent")
    target = models.PositiveSmallIntegerField(default=80, help_text="Percent of staff done")

    class Meta:
        verbose_name_plural = "training policies"

    def __str__(self) -> str:
        return f"training policy of {self.district}"


class CertificateKind(models.TextChoices):
    YMHFA = "ymhfa", _("Youth Mental Health First Aid")
    MHFA = "mhfa", _("Mental Health First Aid")
    QPR = "qpr", _("QPR gatekeeper training")
    CSTAG = "cstag", _("CSTAG threat-assessment team training")
    OTHER = "other", _("Other")


class Requirement(models.Model):
    """Who must take what, by when: a module for roles at schools, due on a fixed date or N days
    after the person's role assignment, renewed every N months; or hours per school year counted
    from the minutes of the modules completed in it."""

    class Due(models.TextChoices):
        FIXED = "fixed", _("On a fixed date")
        AFTER_START = "after_start", _("Days after hire or assignment")
        HOURS = "hours", _("Hours per school year")

    district = models.ForeignKey(
        "core.District", on_delete=models.CASCADE, related_name="training_requirements"
    )
    name = models.CharField(max_length=200)
    note = models.TextField(blank=True, help_text="Where the rule comes from")
    module = models.ForeignKey(
        Module, on_delete=models.PROTECT, null=True, blank=True, related_name="requirements"
    )
    roles = models.JSONField(default=list, blank=True, help_text="Empty: every role")
    schools = models.ManyToManyField("core.School", blank=True, related_name="+")
    due = models.CharField(max_length=12, choices=Due.choices, default=Due.FIXED)
    due_on = models.DateField(null=True, blank=True)
    due_days = models.PositiveSmallIntegerField(null=True, blank=True)
    renew_months = models.PositiveSmallIntegerField(null=True, blank=True)
    hours = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    year_starts = models.PositiveSmallIntegerField(
        default=8, help_text="Month a school year starts"
    )
    accepts = models.JSONField(
        default=list, blank=True, help_text="External certificate kinds that count instead"
    )
    certified = models.BooleanField(
        default=False, help_text="Counted in the state certification summary"
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Assignment(models.Model):
    """A requirement applied to one person (at one school, or district-wide)."""

    requirement = models.ForeignKey(
        Requirement, on_delete=models.CASCADE, related_name="assignments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_assignments"
    )
    school = models.ForeignKey(
        "core.School", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    role = models.CharField(max_length=30)
    assigned_on = models.DateField()
    due_on = models.DateField(null=True, blank=True)
    extended_to = models.DateField(null=True, blank=True)
    extended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    extend_reason = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["requirement", "user", "school"], name="training_assignment_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.requirement} for {self.user}"

    @property
    def due(self):  # type: ignore[no-untyped-def]
        return self.extended_to or self.due_on


class Attempt(models.Model):
    """One pre- or post-test. Started on the page (in progress) and scored when submitted; the
    API submits in one step."""

    class Kind(models.TextChoices):
        PRE = "pre", _("Pre-test")
        POST = "post", _("Post-test")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_attempts"
    )
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="attempts")
    version = models.CharField(max_length=20)
    kind = models.CharField(max_length=4, choices=Kind.choices)
    questions = models.JSONField(default=list)  # the question keys drawn, in order
    answers = models.JSONField(default=dict)
    started_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    passed = models.BooleanField(default=False)

    class Meta:
        ordering = ["started_at", "pk"]
        indexes = [models.Index(fields=["user", "module", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind}-test of {self.module} by {self.user}"


class Completion(models.Model):
    """A passed post-test — or, for an in-person module, attendance recorded by an overseer: the
    module is done (one certificate each)."""

    class Via(models.TextChoices):
        TEST = "test", _("Post-test passed")
        ATTENDANCE = "attendance", _("Attended in person")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_completions"
    )
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="completions")
    version = models.CharField(max_length=20)
    attempt = models.OneToOneField(
        Attempt, on_delete=models.SET_NULL, null=True, blank=True, related_name="completion"
    )
    completed_at = models.DateTimeField(default=timezone.now)
    number = models.CharField(max_length=24, unique=True)  # printed on the certificate
    via = models.CharField(max_length=10, choices=Via.choices, default=Via.TEST)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-completed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.module} by {self.user}"


def _certificate_path(instance: ExternalCertificate, filename: str) -> str:
    # Never the uploaded name on disk: it is kept (encrypted) in the row.
    return f"training/{instance.user_id}/{instance.token}"


class ExternalCertificate(models.Model):
    """Training taken elsewhere (YMHFA, QPR, CSTAG …) with the certificate's file."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_certificates"
    )
    kind = models.CharField(max_length=10, choices=CertificateKind.choices)
    issuer = models.CharField(max_length=200)
    issued_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(
        storage=EncryptedFileSystemStorage, upload_to=_certificate_path, max_length=200
    )
    name = EncryptedTextField()
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-issued_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.user}"


class Reminder(models.Model):
    """A reminder or digest already sent: ``key`` names it (assignment, which reminder, which
    week), so the worker never sends the same one twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=80)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="training_reminder_once")
        ]

    def __str__(self) -> str:
        return self.key
