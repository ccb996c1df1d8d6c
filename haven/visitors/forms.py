"""Forms of the front desk, the kiosk, the visitor log and the watchlist. They check the shape of
what was sent; the services decide the rest (and their errors are put back next to the fields)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.core.models import Staff
from haven.visitors import services
from haven.visitors.models import Outcome, Person, Visit, WatchlistEntry
from haven.visitors.services import photos
from haven.visitors.services.identity import VisitorDetails, decode_photo
from haven.web.forms import add_service_errors

#: Reasons offered at the kiosk and suggested at the desk (the desk may write any other).
PURPOSES = [
    _("Meeting with staff"),
    _("Picking up a student"),
    _("Dropping something off"),
    _("Volunteering"),
    _("School event"),
    _("Delivery or work"),
    _("Other"),
]
MAX_BARCODE = 10_000


def hosts(school: Any) -> Any:
    return Staff.objects.filter(schools=school, active=True).order_by("family_name", "given_name")


class HostChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.full_name


class IdentityForm(forms.Form):
    """Who the visitor is: the ID's barcode (scanned into the box, or a photo of it), or the name
    and date of birth typed by hand. ``details`` holds the result once the form is valid."""

    id_barcode = forms.CharField(
        label=_("Scan the barcode on the back of the ID"),
        help_text=_("Click here, then scan: the scanner types into this box."),
        required=False,
        max_length=MAX_BARCODE,
        strip=False,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "spellcheck": "false",
                "autocomplete": "off",
                "autocapitalize": "off",
                "data-wedge": "",
            }
        ),
    )
    barcode_photo = forms.FileField(
        label=_("Or upload a photo of the barcode"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    first_name = forms.CharField(label=_("Given name"), required=False, max_length=100)
    middle_name = forms.CharField(label=_("Middle name"), required=False, max_length=100)
    last_name = forms.CharField(label=_("Family name"), required=False, max_length=100)
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    #: "photo" when the text in id_barcode was read from an uploaded photo (kept between steps).
    read_from = forms.CharField(required=False, widget=forms.HiddenInput)

    details: VisitorDetails | None = None
    barcode_text: str = ""  # the barcode's text, when it came from a photo

    def saved_person(self) -> Person | None:
        return None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            self.details = self._details(data)
        except ValidationError as error:
            add_service_errors(self, error)
        return data

    def _details(self, data: dict[str, Any]) -> VisitorDetails:
        person = self.saved_person()
        if person is not None:
            return services.saved(person)
        if (data.get("id_barcode") or "").strip():
            details = services.from_barcode(data["id_barcode"])
            if data.get("read_from") == "photo":
                details.source = Visit.Source.PHOTO
            return details
        upload = data.get("barcode_photo")
        if upload:
            try:
                content = photos.read_upload(upload)
            except ValidationError as error:
                raise ValidationError({"barcode_photo": error.messages}) from error
            self.barcode_text = decode_photo(content)
            details = services.from_barcode(self.barcode_text, "barcode_photo")
            details.source = Visit.Source.PHOTO
            return details
        typed = [data.get(name) for name in ("first_name", "last_name", "date_of_birth")]
        if any(typed) or data.get("middle_name"):
            return services.typed(
                data.get("first_name"),
                data.get("last_name"),
                data.get("date_of_birth"),
                data.get("middle_name") or "",
            )
        raise ValidationError(
            {
                "id_barcode": _(
                    "Scan the ID's barcode, upload a photo of it, or type the name and date "
                    "of birth."
                )
            }
        )


class CheckInForm(IdentityForm):
    """The front desk's check-in."""

    person = forms.IntegerField(required=False, widget=forms.HiddenInput)
    expected = forms.IntegerField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label=_("Kind of visit"), choices=Visit.Kind.choices, initial=Visit.Kind.VISITOR
    )
    purpose = forms.CharField(
        label=_("Reason for the visit"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"list": "purposes", "autocomplete": "off"}),
    )
    destination = forms.CharField(
        label=_("Going to"),
        help_text=_("A room, office or event."),
        required=False,
        max_length=200,
    )
    host = HostChoice(
        label=_("Visiting (staff)"),
        queryset=Staff.objects.none(),
        required=False,
        empty_label=_("Nobody in particular"),
    )
    photo = forms.FileField(
        label=_("Photo of the visitor"),
        help_text=_("Take it with the camera, or choose a picture."),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "user"}),
    )

    def __init__(self, *args: Any, school: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.school = school
        self.people = people  # the saved visitors this user may pick (Person queryset)
        self.fields["host"].queryset = hosts(school)  # type: ignore[attr-defined]

    def saved_person(self) -> Person | None:
        pk = self.cleaned_data.get("person")
        if not pk:
            return None
        person = self.people.filter(pk=pk).first()
        if person is None:
            raise ValidationError({"person": _("This saved visitor is not available.")})
        return person


class KioskForm(IdentityForm):
    """The lobby kiosk: the same identity, fewer and bigger choices."""

    purpose = forms.ChoiceField(
        label=_("Why are you here today?"),
        choices=[(str(p), p) for p in PURPOSES],
        widget=forms.RadioSelect,
        required=False,
    )
    host = HostChoice(
        label=_("Who are you visiting?"),
        queryset=Staff.objects.none(),
        required=False,
        empty_label=_("Nobody in particular"),
    )
    destination = forms.CharField(label=_("Where are you going?"), required=False, max_length=200)
    photo = forms.FileField(
        label=_("Your photo for the badge"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "user"}),
    )

    def __init__(self, *args: Any, school: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["id_barcode"].label = _("Scan the barcode on the back of your ID")
        self.fields["id_barcode"].help_text = _("Hold the back of your card under the scanner.")
        self.fields["barcode_photo"].label = _("Or take a photo of the barcode")
        self.fields["first_name"].label = _("Your given name")
        self.fields["last_name"].label = _("Your family name")
        self.fields["date_of_birth"].label = _("Your date of birth")
        del self.fields["middle_name"]
        self.fields["host"].queryset = hosts(school)  # type: ignore[attr-defined]


class DecisionForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Is the visitor the person listed?"),
        choices=Visit.Answer.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose an answer.")},
    )


class ScanForm(forms.Form):
    code = forms.CharField(
        label=_("Scan the badge's QR code"),
        help_text=_("Click here, then scan: the visitor is signed out at once."),
        max_length=500,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autofocus": "", "spellcheck": "false"}
        ),
        error_messages={"required": _("Scan the QR code on the visitor's badge.")},
    )


class PreRegistrationForm(forms.Form):
    first_name = forms.CharField(label=_("Given name"), max_length=100)
    last_name = forms.CharField(label=_("Family name"), max_length=100)
    expected_on = forms.DateField(
        label=_("Expected on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    purpose = forms.CharField(
        label=_("Reason for the visit"),
        max_length=200,
        widget=forms.TextInput(attrs={"list": "purposes", "autocomplete": "off"}),
    )
    destination = forms.CharField(label=_("Going to"), required=False, max_length=200)
    host = HostChoice(
        label=_("Visiting (staff)"),
        queryset=Staff.objects.none(),
        required=False,
        empty_label=_("Nobody in particular"),
    )
    note = forms.CharField(
        label=_("Note for the front desk"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, school: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["host"].queryset = hosts(school)  # type: ignore[attr-defined]
        self.fields["expected_on"].initial = timezone.localdate()


class LogFilterForm(forms.Form):
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *Visit.Status.choices]
    )
    outcome = forms.ChoiceField(
        label=_("Screening"), required=False, choices=[("", _("Any")), *Outcome.choices]
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any")), *Visit.Kind.choices]
    )
    q = forms.CharField(label=_("Name or reason"), required=False, max_length=100)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end is before the start."))
        return data

    def log_filter(self) -> services.LogFilter:
        data = self.cleaned_data if self.is_valid() else {}
        return services.LogFilter(
            start=data.get("start"),
            end=data.get("end"),
            status=data.get("status") or "",
            outcome=data.get("outcome") or "",
            kind=data.get("kind") or "",
            q=(data.get("q") or "").strip(),
        )


class WatchlistEntryForm(forms.ModelForm):
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        required=False,
        help_text=_("If known: a date of birth turns a name match into a stronger one."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    where = forms.ChoiceField(label=_("Applies at"))

    class Meta:
        model = WatchlistEntry
        fields = [
            "kind",
            "first_name",
            "middle_name",
            "last_name",
            "aliases",
            "reason",
            "starts_on",
            "expires_on",
            "active",
        ]
        widgets = {
            "aliases": forms.TextInput(),
            "reason": forms.Textarea(attrs={"rows": 3}),
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "expires_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        labels = {"reason": _("Reason and what to do")}

    def __init__(self, *args: Any, places: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["where"].choices = places  # type: ignore[attr-defined]
        entry = self.instance
        if entry.pk:
            self.initial["where"] = str(entry.school_id or "district")
            self.initial["date_of_birth"] = entry.date_of_birth or None

    def clean_date_of_birth(self) -> dt.date | None:
        born = self.cleaned_data.get("date_of_birth")
        if born and (born > timezone.localdate() or born.year < 1900):
            raise ValidationError(_("Not a plausible date of birth."))
        return born

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, expires = data.get("starts_on"), data.get("expires_on")
        if starts and expires and expires < starts:
            self.add_error("expires_on", _("The entry expires before it starts."))
        return data
