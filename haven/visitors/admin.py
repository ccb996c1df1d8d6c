"""The visitors app in the admin: a read-only view of the watchlists and expected visitors.

Visits and visitors' records are deliberately absent, and nothing here can be changed: they are
read and changed through the front desk's pages and the API, where the access policy scopes them,
every read of a screening is audited and every change goes through the services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from haven.visitors.models import PreRegistration, WatchlistEntry


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(WatchlistEntry)
class WatchlistEntryAdmin(ReadOnly):
    list_display = ["last_name", "first_name", "kind", "school", "expires_on", "active"]
    list_filter = ["kind", "active", "district", "school"]
    search_fields = ["last_name", "first_name"]
    exclude = ["date_of_birth", "reason"]


@admin.register(PreRegistration)
class PreRegistrationAdmin(ReadOnly):
    list_display = ["last_name", "first_name", "school", "expected_on", "visit"]
    list_filter = ["school", "expected_on"]
    exclude = ["note"]
