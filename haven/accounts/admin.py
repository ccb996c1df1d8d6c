from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from haven.accounts.models import ApiToken, RoleAssignment, User


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0


@admin.register(User)
class HavenUserAdmin(UserAdmin):
    inlines = [RoleInline]
    list_display = ("username", "display_name", "email", "is_active", "is_demo")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Haven", {"fields": ("display_name", "is_demo", "preferred_language")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = (
        "hint",
        "user",
        "name",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    readonly_fields = ("digest", "hint", "created_at", "last_used_at")
