from django.contrib import admin

from haven.core.models import District, School

# Only the district's structure is edited here. The roster comes from the student information
# system (haven import-roster) and is read through the staff pages, which apply the access policy
# and the audit log; it is deliberately not browsable in the admin.


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "district")
    prepopulated_fields = {"slug": ("name",)}
