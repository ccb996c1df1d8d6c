"""The admin edits assessment models (data, not records). Cases, notes, screenings and the rest
are read through the staff pages, which apply the access policy and the audit log: like the
roster, they are deliberately not browsable here."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from haven.cases import cstag
from haven.cases.models import Assessment, AssessmentModel, Classification, RequiredAction, Step
from haven.core.models import District


class ClassificationInline(admin.TabularInline):
    model = Classification
    extra = 0


class StepInline(admin.StackedInline):
    model = Step
    extra = 0
    show_change_link = True


class RequiredActionInline(admin.TabularInline):
    model = RequiredAction
    extra = 0


class ImportForm(forms.ModelForm):
    """Add a model by pasting its JSON definition (the format in haven.cases.cstag)."""

    definition = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 24, "cols": 100}),
        help_text="The model as JSON, in the format of haven/cases/data/cstag.json.",
    )
    district = forms.ModelChoiceField(District.objects.all(), required=False)

    class Meta:
        model = AssessmentModel
        fields: list[str] = []

    def clean_definition(self) -> cstag.ModelDef:
        try:
            return cstag.parse(json.loads(self.cleaned_data["definition"]))
        except ValueError as exc:
            problems = getattr(exc, "problems", [str(exc)])
            raise forms.ValidationError(problems) from exc


def _in_use(obj: AssessmentModel | None) -> bool:
    return obj is not None and Assessment.objects.filter(model=obj).exists()


@admin.register(AssessmentModel)
class AssessmentModelAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "version", "kind", "district", "active", "installed_at")
    list_filter = ("active", "kind")
    inlines = [ClassificationInline, StepInline]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):  # type: ignore[no-untyped-def]
        if obj is None:
            kwargs["form"] = ImportForm
            kwargs["fields"] = ["definition", "district"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        return self.inlines if obj is not None else []

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # A model in use changes only by installing a new version: old assessments keep theirs.
        if _in_use(obj):
            return ["slug", "version", "name", "kind", "sequential", "default_classification"]
        return []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _in_use(obj) and super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        installed, _ = cstag.install(
            form.cleaned_data["definition"], district=form.cleaned_data.get("district")
        )
        obj.pk = installed.pk  # the admin goes on with the rows the loader wrote
        obj.refresh_from_db()
        obj._state.adding = False

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if change:
            super().save_related(request, form, formsets, change)


@admin.register(Step)
class StepAdmin(admin.ModelAdmin):
    list_display = ("__str__", "model")
    list_filter = ("model",)
    inlines = [RequiredActionInline]
