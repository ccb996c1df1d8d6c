"""The tip line's settings in the admin: on-call rotas, each school's acknowledgement limits,
retention periods and saved replies.

Tips themselves, their dialogue and their files are deliberately absent: they are read and changed
only through the responders' pages and API, where the access policy scopes them and every read is
audited.
"""

from __future__ import annotations

from django.contrib import admin

from haven.tips.models import OnCallShift, RetentionPolicy, SavedReply, SchoolTipSettings


@admin.register(OnCallShift)
class OnCallShiftAdmin(admin.ModelAdmin):
    list_display = ["school", "tier", "user", "when"]
    list_filter = ["school", "when", "tier"]
    list_select_related = ["school", "user"]
    raw_id_fields = ["user"]
    ordering = ["school__name", "tier", "when"]


@admin.register(SchoolTipSettings)
class SchoolTipSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "school",
        "life_safety_ack_minutes",
        "routine_ack_hours",
        "school_day_start",
        "school_day_end",
    ]
    list_select_related = ["school"]


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    list_display = ["district", "category", "days"]
    list_filter = ["district", "category"]


@admin.register(SavedReply)
class SavedReplyAdmin(admin.ModelAdmin):
    list_display = ["title", "district", "school"]
    list_filter = ["district", "school"]
    search_fields = ["title", "body"]
