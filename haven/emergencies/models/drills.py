"""Drills, and the requirements and policy that compliance is measured against."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.emergencies.models.alerts import Incident, Protocol


class DrillKind(models.TextChoices):
    """A finer name for a drill than its SRP protocol, where a state or district counts them apart
    (a fire drill is an Evacuate drill; a tornado drill a Shelter drill)."""

    FIRE = "fire", _("Fire")
    TORNADO = "tornado", _("Tornado / severe weather")
    EARTHQUAKE = "earthquake", _("Earthquake")
    HAZMAT = "hazmat", _("Hazardous materials")
    BUS = "bus", _("School bus")
    REUNIFICATION = "reunification", _("Reunification")


class Drill(models.Model):
    """A drill scheduled, run through Haven (``incident``: the DRILL incident it raised) or logged
    afterwards, with or without Haven (``off_system``: run without raising anything here)."""

    school = models.ForeignKey("core.School", on_delete=models.PROTECT, related_name="drills")
    protocol = models.CharField(max_length=20, choices=Protocol.choices)
    kind = models.CharField(max_length=20, choices=DrillKind.choices, blank=True)
    scheduled_for = models.DateTimeField()
    note = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    participants = models.PositiveIntegerField(null=True, blank=True)
    issues = models.TextField(blank=True)
    off_system = models.BooleanField(
        default=False, help_text=_("Run without Haven and logged here afterwards.")
    )
    incident = models.ForeignKey(
        Incident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    logged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-scheduled_for"]
        indexes = [models.Index(fields=["school", "scheduled_for"], name="drill_school_scheduled")]

    def __str__(self) -> str:
        return f"{self.get_protocol_display()} drill {self.scheduled_for:%Y-%m-%d}"

    @property
    def done(self) -> bool:
        return self.logged_at is not None

    @property
    def duration(self) -> Any:
        if self.started_at and self.ended_at:
            return self.ended_at - self.started_at
        return None


class DrillPolicy(models.Model):
    """A district's drill settings: its state (whose drill law applies) and the month its school
    year starts."""

    district = models.OneToOneField(
        "core.District", on_delete=models.CASCADE, related_name="drill_policy"
    )
    jurisdiction = models.CharField(
        max_length=10, blank=True, help_text=_("State or territory code, e.g. GA")
    )
    year_starts = models.PositiveSmallIntegerField(
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("Month the school year starts (1 to 12)."),
    )

    class Meta:
        verbose_name_plural = "drill policies"

    def __str__(self) -> str:
        return f"{self.district_id}: {self.jurisdiction or '—'}, year from month {self.year_starts}"


class DrillRequirement(models.Model):
    """How many drills of a kind a school must run per school year, by state law or district
    policy (a district's own requirement adds to its state's)."""

    jurisdiction = models.CharField(
        max_length=10, blank=True, help_text=_("State or territory code, e.g. GA")
    )
    district = models.ForeignKey(
        "core.District", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    protocol = models.CharField(max_length=20, choices=Protocol.choices)
    kind = models.CharField(
        max_length=20,
        choices=DrillKind.choices,
        blank=True,
        help_text=_("Empty: every drill of the protocol counts."),
    )
    per_year = models.PositiveSmallIntegerField()
    note = models.CharField(max_length=200, blank=True)
    source = models.CharField(
        max_length=300, blank=True, help_text=_("The statute or policy that requires it.")
    )
    # When the drills must run (all optional: a row without them is "so many per school year").
    # "semester": ``per_year`` drills in each half of the school year.
    period = models.CharField(
        max_length=10,
        choices=[("year", _("Per school year")), ("semester", _("Per semester"))],
        default="year",
    )
    due_within_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_("The drills must run within this many days of the school year's start."),
    )
    month_from = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("First month (1-12) of the window the drills run in.")
    )
    month_to = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Last month (1-12) of the window the drills run in.")
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(jurisdiction="") | models.Q(district__isnull=False),
                name="drill_requirement_has_a_scope",
            )
        ]

    def __str__(self) -> str:
        scope = self.jurisdiction or str(self.district_id)
        return f"{scope}: {self.per_year} {self.kind or self.protocol} drills a year"

    def clean(self) -> None:
        # A state's requirement is law: it must say which statute (the admin asks for it too).
        if self.jurisdiction and not self.district_id and not self.source.strip():
            raise ValidationError({"source": _("A state's requirement must cite its statute.")})
