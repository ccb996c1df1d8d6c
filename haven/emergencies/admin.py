"""The admin shows emergencies for support and configuration (webhooks, drill requirements).
Incidents are raised and run through the pages and the API, which alert and audit; the admin
does not change them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from haven.emergencies.models import (
    Acknowledgement,
    Alert,
    Delivery,
    Drill,
    DrillPolicy,
    DrillRequirement,
    Incident,
    IncidentEvent,
    PushSubscription,
    Release,
    RollCall,
    RollCallEntry,
    Webhook,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventInline(admin.TabularInline):
    model = IncidentEvent
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "actor", "at", "data"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Incident)
class IncidentAdmin(ReadOnly):
    list_display = ["pk", "protocol", "school", "drill", "status", "raised_at", "raised_by"]
    list_filter = ["status", "protocol", "drill"]
    inlines = [EventInline]


@admin.register(Alert)
class AlertAdmin(ReadOnly):
    list_display = ["pk", "incident", "school", "kind", "sequence", "sent_at"]
    list_filter = ["kind"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnly):
    list_display = [
        "pk",
        "alert",
        "channel",
        "user",
        "webhook",
        "status",
        "attempts",
        "delivered_at",
    ]
    list_filter = ["channel", "status"]


@admin.register(Acknowledgement)
class AcknowledgementAdmin(ReadOnly):
    list_display = ["incident", "user", "at", "via"]


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "last_ok_at"]
    readonly_fields = ["user", "endpoint", "p256dh", "auth", "created_at", "last_ok_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ["name", "district", "school", "url", "active"]
    list_filter = ["active"]


class EntryInline(admin.TabularInline):
    model = RollCallEntry
    extra = 0


@admin.register(RollCall)
class RollCallAdmin(admin.ModelAdmin):
    list_display = ["incident", "section", "reported_by", "reporter_status", "submitted_at"]
    inlines = [EntryInline]


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ["incident", "student", "adult_name", "refused", "released_by", "released_at"]
    list_filter = ["refused"]


@admin.register(Drill)
class DrillAdmin(admin.ModelAdmin):
    """Support view of the drill log; drills are scheduled, started and logged through the pages,
    which audit each step."""

    list_display = [
        "school",
        "protocol",
        "kind",
        "scheduled_for",
        "started_at",
        "ended_at",
        "participants",
        "off_system",
        "logged_by",
    ]
    list_filter = ["protocol", "kind", "off_system", "school"]
    readonly_fields = ["incident", "created_by", "created_at", "logged_by", "logged_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DrillRequirement)
class DrillRequirementAdmin(admin.ModelAdmin):
    """Requirements are data: a state's rows (cite the statute in ``source``) and a district's own
    policy rows. ``haven load-drill-requirements`` loads them from a file."""

    list_display = ["jurisdiction", "district", "protocol", "kind", "per_year", "source"]
    list_filter = ["jurisdiction", "district", "protocol"]


@admin.register(DrillPolicy)
class DrillPolicyAdmin(admin.ModelAdmin):
    list_display = ["district", "jurisdiction", "year_starts"]
