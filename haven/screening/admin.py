"""The registry in the admin: its imports, read-only.

Registrants and screenings are absent on purpose: a screening holds a visitor's name and date of
birth, and is read through the front desk's pages and the API, where the access policy scopes it
and every read is audited. The registry changes only through ``haven import-registry``, which
replaces a jurisdiction's records atomically.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from haven.screening.models import RegistryImport


@admin.register(RegistryImport)
class RegistryImportAdmin(admin.ModelAdmin):
    list_display = ["jurisdiction", "file_name", "records", "replaced", "skipped", "created_at"]
    list_filter = ["jurisdiction"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
