"""The volunteers app in the admin: a read-only view of training requirements and opportunities.

Volunteers, their checks and their visits are deliberately absent, and nothing here can be
changed: they are read and changed through the coordinator's pages and the API, where the access
policy scopes them, reads are audited and every change goes through the services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from haven.volunteers.models import Opportunity, TrainingType


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(TrainingType)
class TrainingTypeAdmin(ReadOnly):
    list_display = ["name", "district", "valid_months", "required", "active"]
    list_filter = ["district", "required", "active"]


@admin.register(Opportunity)
class OpportunityAdmin(ReadOnly):
    list_display = ["title", "school", "starts_at", "slots", "cancelled_at"]
    list_filter = ["school"]
