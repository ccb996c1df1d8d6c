"""Incidents under the Standard Response Protocol, the alerts that announce them and where each
alert went, acknowledgements, devices subscribed to Web Push and outgoing webhooks."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.core import outbound
from haven.core.fields import EncryptedTextField


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
