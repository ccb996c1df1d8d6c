"""Emergencies: incidents under the Standard Response Protocol, the alerts that announce them and
where each alert went, acknowledgements, devices subscribed to Web Push and outgoing webhooks —
and, for the response that follows, roll calls, reunification releases and drills.

An incident belongs to one school, or to the whole district (``school`` empty). Every broadcast
about it is an :class:`Alert`: one row per school that hears it, numbered in that school's own
sequence (:class:`AlertStream`), so a client that reconnects with ``Last-Event-ID`` gets exactly
what it missed, in order.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.core import outbound
from haven.core.fields import EncryptedJSONField, EncryptedTextField


class Protocol(models.TextChoices):
    """The Standard Response Protocol's five actions (I Love U Guys Foundation)."""

    HOLD = "hold", _("Hold")
    SECURE = "secure", _("Secure")
    LOCKDOWN = "lockdown", _("Lockdown")
    EVACUATE = "evacuate", _("Evacuate")
    SHELTER = "shelter", _("Shelter")


class Incident(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ALL_CLEAR = "all_clear", _("All clear")

    district = models.ForeignKey("core.District", on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(
        "core.School",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
        help_text=_("Empty for an incident across the whole district."),
    )
    protocol = models.CharField(max_length=20, choices=Protocol.choices)
    drill = models.BooleanField(default=False)
    note = models.CharField(max_length=500, blank=True)
    evacuate_location = models.CharField(max_length=200, blank=True)
    shelter_hazard = models.CharField(max_length=200, blank=True)
    shelter_strategy = models.CharField(max_length=200, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    raised_at = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    all_clear_at = models.DateTimeField(null=True, blank=True)
    all_clear_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-raised_at"]
        indexes = [models.Index(fields=["status", "school"])]

    def __str__(self) -> str:
        where = self.school.name if self.school_id else _("district-wide")  # type: ignore[union-attr]
        drill = f" ({_('drill')})" if self.drill else ""
        return f"{self.get_protocol_display()} — {where}{drill}"

    @property
    def active(self) -> bool:
        return self.status == self.Status.ACTIVE


class IncidentEvent(models.Model):
    """The incident's timeline: every action, in order."""

    class Kind(models.TextChoices):
        RAISED = "raised", _("Raised")
        PROTOCOL_CHANGED = "protocol_changed", _("Protocol changed")
        UPDATE = "update", _("Update")
        ACK = "ack", _("Acknowledged")
        ALL_CLEAR = "all_clear", _("All clear")
        ROLL_CALL = "roll_call", _("Roll call")
        NEED_HELP = "need_help", _("Staff need help")
        ACCOUNTED = "accounted", _("Every student accounted for")
        RELEASE = "release", _("Release")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind} @ {self.at:%H:%M:%S}"


class AlertStream(models.Model):
    """The last alert number of one school's stream (locked while the next number is taken)."""

    school = models.OneToOneField("core.School", on_delete=models.CASCADE, related_name="+")
    last_sequence = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.school_id}: {self.last_sequence}"


class Alert(models.Model):
    """One broadcast about an incident to one school's staff. ``payload`` is exactly what was sent,
    so a client catching up later receives the same event."""

    class Kind(models.TextChoices):
        RAISED = "raised", _("Raised")
        PROTOCOL_CHANGED = "protocol_changed", _("Protocol changed")
        UPDATE = "update", _("Update")
        ALL_CLEAR = "all_clear", _("All clear")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="alerts")
    school = models.ForeignKey("core.School", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    sequence = models.PositiveBigIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)
    payload = models.JSONField(default=dict)

    class Meta:
        ordering = ["school", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["school", "sequence"], name="unique_alert_sequence")
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.sequence} ({self.school_id})"


class PushSubscription(models.Model):
    """A browser or phone subscribed to Web Push for one user (RFC 8030/8291, VAPID)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user} — {self.endpoint[:40]}…"


class Webhook(models.Model):
    """An outside system told of every alert (a PA system, door locks, a 911 integration): a signed
    JSON POST, retried with back-off."""

    district = models.ForeignKey("core.District", on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(
        "core.School",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: alerts of every school in the district."),
    )
    name = models.CharField(max_length=100)
    url = models.URLField(max_length=1000)
    secret = EncryptedTextField(help_text=_("Shared secret for the X-Haven-Signature header."))
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Checked when it is saved (the admin), and again by the guard at every delivery.
        try:
            outbound.check(self.url, networks=settings.HAVEN_WEBHOOK_NETWORKS)
        except outbound.Refused as exc:
            raise ValidationError({"url": str(exc)}) from None


class Delivery(models.Model):
    """One alert reaching (or failing to reach) one person's device, inbox or an outside system.
    Every attempt is appended to ``log``."""

    class Channel(models.TextChoices):
        STREAM = "stream", _("Open page (server-sent events)")
        WEBSOCKET = "websocket", _("Open page (WebSocket)")
        WEBPUSH = "webpush", _("Web Push")
        EMAIL = "email", _("E-mail")
        WEBHOOK = "webhook", _("Webhook")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RETRYING = "retrying", _("Retrying")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        GONE = "gone", _("Device gone")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    subscription = models.ForeignKey(
        PushSubscription, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    webhook = models.ForeignKey(
        Webhook, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    notification = models.ForeignKey(
        "notify.Notification", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    log = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["status", "channel"])]
        constraints = [
            # An open page records "it reached this user" once per alert, however many tabs.
            models.UniqueConstraint(
                fields=["alert", "user", "channel"],
                condition=models.Q(channel__in=["stream", "websocket", "email"]),
                name="unique_page_delivery",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.status} (alert {self.alert_id})"


class Acknowledgement(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="acks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    via = models.CharField(max_length=20, blank=True)  # page, api, push

    class Meta:
        ordering = ["at"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "user"], name="unique_acknowledgement")
        ]

    def __str__(self) -> str:
        return f"{self.user} acknowledged {self.incident_id}"


# --- the response: roll call, reunification, drills -------------------------------------------


class RollCall(models.Model):
    """A teacher's account of one class during an incident (submitted again to correct it)."""

    class ReporterStatus(models.TextChoices):
        SAFE = "safe", _("Safe")
        NEED_HELP = "need_help", _("Need help")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="roll_calls")
    section = models.ForeignKey("core.Section", on_delete=models.PROTECT, related_name="+")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reporter_status = models.CharField(
        max_length=20, choices=ReporterStatus.choices, default=ReporterStatus.SAFE
    )
    note = EncryptedTextField(blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "section"], name="unique_roll_call")
        ]

    def __str__(self) -> str:
        return f"roll call {self.section_id} for incident {self.incident_id}"


class RollCallEntry(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        MISSING = "missing", _("Missing")
        INJURED = "injured", _("Injured")
        EXTRA = "extra", _("Extra (from another class)")

    roll_call = models.ForeignKey(RollCall, on_delete=models.CASCADE, related_name="entries")
    student = models.ForeignKey("core.Student", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices)
    note = EncryptedTextField(blank=True)  # an injury is health information

    class Meta:
        verbose_name_plural = "roll call entries"
        constraints = [
            models.UniqueConstraint(fields=["roll_call", "student"], name="unique_roll_call_entry")
        ]

    def __str__(self) -> str:
        return f"{self.student_id}: {self.status}"


class VisitorAccount(models.Model):
    """The office's account of one visitor who was on site during an incident."""

    class Status(models.TextChoices):
        ACCOUNTED = "accounted", _("Accounted for")
        MISSING = "missing", _("Missing")

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="visitor_accounts"
    )
    visit = models.ForeignKey("visitors.Visit", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "visit"], name="unique_visitor_account")
        ]

    def __str__(self) -> str:
        return f"visit {self.visit_id}: {self.status}"


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
