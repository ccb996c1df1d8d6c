"""Forms of the volunteers app: the public application and the coordinator's actions. They parse
what a browser sends; :mod:`haven.volunteers.services` has the last word on what is valid, and its
errors are put back next to the fields (:func:`haven.web.forms.add_service_errors`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.core.models import School
from haven.volunteers.models import BackgroundCheck, TrainingType, Volunteer

MAX_TEXT = 2000


class SchoolChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


class ApplicationForm(forms.Form):
    """The public application. A school's own page has no school choice (``schools`` None)."""

    first_name = forms.CharField(label=_("Given name"), max_length=100)
    middle_name = forms.CharField(label=_("Middle name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Family name"), max_length=100)
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        help_text=_("Needed for the background check. Stored encrypted."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    email = forms.EmailField(label=_("E-mail"), max_length=200)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    address = forms.CharField(
        label=_("Home address"),
        help_text=_("Needed for the background check. Stored encrypted."),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    schools = SchoolChoice(
        label=_("Where would you like to volunteer?"),
        queryset=School.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one school.")},
    )
    interests = forms.CharField(
        label=_("How would you like to help?"),
        help_text=_("For example: reading with students, the library, events, field trips."),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree to a background check, and I understand that I may volunteer only once it "
            "is cleared and my application is approved."
        ),
        error_messages={
            "required": _("A background check is required to volunteer: tick the box.")
        },
    )

    def __init__(self, *args: Any, schools: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if schools is None:
            del self.fields["schools"]
        else:
            self.fields["schools"].queryset = schools  # type: ignore[attr-defined]
        for name in ("first_name", "last_name"):
            self.fields[name].widget.attrs["autocomplete"] = {
                "first_name": "given-name",
                "last_name": "family-name",
            }[name]
        self.fields["email"].widget.attrs["autocomplete"] = "email"


class ApproveForm(forms.Form):
    not_listed = forms.BooleanField(
        label=_("I compared the details: the applicant is not the person listed."),
        required=False,
    )
    reason = forms.CharField(
        label=_("How do you know?"),
        help_text=_("Needed only when the screening found a possible match."),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for declining"),
        help_text=_("Kept with the record, encrypted. Not sent to the applicant."),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give the reason for declining.")},
    )


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CheckForm(forms.Form):
    status = forms.ChoiceField(label=_("Result"), choices=BackgroundCheck.Status.choices)
    requested_on = forms.DateField(label=_("Requested on"), required=False, widget=_date_widget())
    cleared_on = forms.DateField(
        label=_("Cleared on"),
        required=False,
        help_text=_("Only for a cleared check: its validity counts from this date."),
        widget=_date_widget(),
    )
    provider = forms.CharField(label=_("Provider"), max_length=100, required=False)
    reference = forms.CharField(label=_("Reference number"), max_length=100, required=False)
    note = forms.CharField(
        label=_("Note"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TrainingForm(forms.Form):
    training = forms.ModelChoiceField(label=_("Training"), queryset=TrainingType.objects.none())
    completed_on = forms.DateField(label=_("Completed on"), widget=_date_widget())

    def __init__(self, *args: Any, district_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["training"].queryset = TrainingType.objects.filter(  # type: ignore[attr-defined]
            district_id=district_id, active=True
        )


class TrainingTypeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    valid_months = forms.IntegerField(
        label=_("Valid for (months)"),
        help_text=_("Empty: never needs renewing."),
        min_value=1,
        max_value=120,
        required=False,
    )
    required = forms.BooleanField(
        label=_("Required of every volunteer"), required=False, initial=True
    )


class OpportunityForm(forms.Form):
    school = forms.ModelChoiceField(
        label=_("School"), queryset=School.objects.none(), empty_label=None
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    date = forms.DateField(label=_("Date"), widget=_date_widget())
    start = forms.TimeField(
        label=_("Starts"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end = forms.TimeField(
        label=_("Ends"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    slots = forms.IntegerField(label=_("Volunteers needed"), min_value=1, max_value=500)
    description = forms.CharField(
        label=_("Description"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, schools: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools  # type: ignore[attr-defined]

    def times(self) -> tuple[dt.datetime, dt.datetime]:
        data = self.cleaned_data
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(data["date"], data["start"], tzinfo=tz)
        end = dt.datetime.combine(data["date"], data["end"], tzinfo=tz)
        return start, end


class SignUpForm(forms.Form):
    volunteer = forms.ModelChoiceField(
        label=_("Volunteer"), queryset=Volunteer.objects.none(), empty_label=_("Choose a volunteer")
    )

    def __init__(self, *args: Any, volunteers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].queryset = volunteers  # type: ignore[attr-defined]


class HoursForm(forms.Form):
    school = forms.ModelChoiceField(
        label=_("School"), queryset=School.objects.none(), required=False, empty_label=_("All")
    )
    start = forms.DateField(label=_("From"), required=False, widget=_date_widget())
    end = forms.DateField(label=_("To"), required=False, widget=_date_widget())

    def __init__(self, *args: Any, schools: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end date is before the start date."))
        return data


class CancelOpportunityForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"),
        help_text=_("Sent by e-mail to the volunteers who signed up."),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": _("Give the reason for cancelling: it is sent to the volunteers.")
        },
    )


class ChangeTrainingTypeForm(forms.Form):
    valid_months = forms.IntegerField(
        label=_("Valid for (months)"),
        help_text=_("Empty: never needs renewing."),
        min_value=1,
        max_value=120,
        required=False,
    )
    required = forms.BooleanField(label=_("Required of every volunteer"), required=False)
    active = forms.BooleanField(
        label=_("In use (untick to retire it: it is then asked of nobody)"), required=False
    )
