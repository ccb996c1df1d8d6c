"""Triage's settings in the admin: each district's sensitive categories, identity guardrail and
retention of signals of no concern.

Signals themselves are deliberately absent: they are read and reviewed only through the triage
pages and API, where the access policy scopes them (sensitive signals never reach the SRO) and
every read is audited.
"""

from __future__ import annotations

from django.contrib import admin

from haven.triage.models import DistrictTriageSettings


@admin.register(DistrictTriageSettings)
class DistrictTriageSettingsAdmin(admin.ModelAdmin):
    list_display = ["district", "sensitive_categories", "guard_identity", "retention_days"]
    list_select_related = ["district"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        from django.db import transaction

        from haven.audit import services as audit

        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit.record(
                request.user,
                "update" if change else "create",
                obj,
                detail={
                    "sensitive_categories": obj.sensitive_categories,
                    "guard_identity": obj.guard_identity,
                    "retention_days": obj.retention_days,
                },
            )
