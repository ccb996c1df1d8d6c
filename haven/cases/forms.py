"""The forms of the staff's case pages. They only shape the input: the services validate it, and
their errors are put back next to the fields (:func:`haven.web.forms.add_service_errors`)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from haven.accounts.models import User
from haven.cases.models import CaseType, Priority, WarningSign
from haven.core.models import Student


class NoteForm(forms.Form):
    body = forms.CharField(label=_("New note"), widget=forms.Textarea(attrs={"rows": 3}))


class SummaryForm(forms.Form):
    body = forms.CharField(
        label=_("Summary for the team"),
        help_text=_("Only what the team needs to know: the minimum necessary."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label=_("The articulable threat"),
        help_text=_("What is the health or safety emergency, and why do you need this record now?"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Message to the team"), widget=forms.Textarea(attrs={"rows": 2}))


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=500)
    due_on = forms.DateField(
        label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class ReferForm(forms.Form):
    student = forms.ModelChoiceField(
        label=_("Student"), queryset=Student.objects.none(), required=False
    )
    unknown_person = forms.CharField(
        label=_("Or describe the person"),
        help_text=_("If the student is not in the list, or you do not know their name."),
        required=False,
        max_length=500,
    )
    warning_signs = forms.MultipleChoiceField(
        label=_("What have you noticed?"),
        choices=WarningSign.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    concern = forms.CharField(
        label=_("What worries you"),
        help_text=_("What you saw or heard, when and where, and who else knows."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args: Any, students: QuerySet[Student], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["student"])
        field.queryset = students
        field.empty_label = str(_("Choose a student"))


class CaseForm(forms.Form):
    student = forms.ModelChoiceField(
        label=_("Student"), queryset=Student.objects.none(), required=False
    )
    unknown_person = forms.CharField(
        label=_("Or describe the person"), required=False, max_length=500
    )
    type = forms.ChoiceField(label=_("Type"), choices=CaseType.choices)
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Priority.choices, coerce=int, initial=Priority.ROUTINE
    )
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, students: QuerySet[Student], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["student"])
        field.queryset = students
        field.empty_label = str(_("Unknown or not listed"))


class DismissForm(forms.Form):
    reason = forms.CharField(label=_("Why no case is needed"), max_length=4000)


class TeamForm(forms.Form):
    members = forms.ModelMultipleChoiceField(
        label=_("The case's team"),
        help_text=_("Staff of the school who hold a threat-assessment team role."),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, people: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelMultipleChoiceField, self.fields["members"])
        field.queryset = people
        field.label_from_instance = lambda user: user.label  # type: ignore[method-assign,assignment]


class CaseUpdateForm(forms.Form):
    type = forms.ChoiceField(label=_("Type"), choices=CaseType.choices)
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int)
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )


class DocumentForm(forms.Form):
    file = forms.FileField(
        label=_("Add a document"),
        help_text=_("PDF, picture (JPEG, PNG, WebP), Word document or plain text; 10 MB at most."),
    )


class ReopenStepForm(forms.Form):
    reason = forms.CharField(label=_("Why reopen this step"), max_length=2000)
