from django.contrib import admin

from haven.reports.models import PublicReport


@admin.register(PublicReport)
class PublicReportAdmin(admin.ModelAdmin):
    list_display = ("district", "enabled", "suppress_below")
