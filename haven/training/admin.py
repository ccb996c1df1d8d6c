from django.contrib import admin

from haven.training.models import Assignment, Module, Requirement, TrainingPolicy


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ("slug", "version", "minutes", "active", "loaded_at")
    list_filter = ("active",)
    # Modules are loaded from content folders (haven load-training): their text is not edited here.
    readonly_fields = ("slug", "version", "minutes", "source", "source_url", "licence", "languages")


@admin.register(Requirement)
class RequirementAdmin(admin.ModelAdmin):
    list_display = ("name", "district", "module", "due", "due_on", "renew_months", "active")
    list_filter = ("district", "due", "active", "certified")
    filter_horizontal = ("schools",)


@admin.register(TrainingPolicy)
class TrainingPolicyAdmin(admin.ModelAdmin):
    list_display = ("district", "pass_mark", "target")


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ("requirement", "user", "school", "role", "due_on", "extended_to")
    list_filter = ("requirement",)
    raw_id_fields = ("user",)
    # Extensions go through the dashboard (audited), never here.
    readonly_fields = ("extended_to", "extended_by", "extend_reason")
