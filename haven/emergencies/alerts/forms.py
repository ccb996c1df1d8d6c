from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from haven.access import policy
from haven.emergencies.alerts import audience, services, webpush
from haven.emergencies.models import Protocol

if TYPE_CHECKING:
    from haven.accounts.models import User

DISTRICT = "__district__"


class RaiseForm(forms.Form):
    protocol = forms.ChoiceField(
        label=_("Protocol"), choices=Protocol.choices, widget=forms.RadioSelect
    )
    school = forms.ChoiceField(label=_("Where"))
    drill = forms.BooleanField(label=_("This is a drill"), required=False)
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=services.MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What and where, in a few words: e.g. “intruder near the gym”."),
    )
    evacuate_location = forms.CharField(
        label=_("Evacuate to"), required=False, max_length=services.MAX_PLACE
    )
    shelter_hazard = forms.CharField(
        label=_("Hazard"), required=False, max_length=services.MAX_PLACE
    )
    shelter_strategy = forms.CharField(
        label=_("Safety strategy"), required=False, max_length=services.MAX_PLACE
    )

    def __init__(self, *args: Any, user: User, initial_school: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.schools = {s.slug: s for s in audience.raisable_schools(user)}
        choices = [(slug, school.name) for slug, school in self.schools.items()]
        if policy.may_raise_district_wide(user):
            choices.append((DISTRICT, str(_("Every school in the district"))))
        self.fields["school"].choices = choices  # type: ignore[attr-defined]
        if initial_school is not None and initial_school.slug in self.schools:
            self.fields["school"].initial = initial_school.slug
        elif choices:
            self.fields["school"].initial = choices[0][0]

    def chosen_school(self) -> Any:
        slug = self.cleaned_data["school"]
        return None if slug == DISTRICT else self.schools[slug]


class UpdateForm(forms.Form):
    protocol = forms.ChoiceField(
        label=_("Protocol"), choices=Protocol.choices, required=False, widget=forms.RadioSelect
    )
    message = forms.CharField(
        label=_("Update for all staff"),
        required=False,
        max_length=services.MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    evacuate_location = forms.CharField(
        label=_("Evacuate to"), required=False, max_length=services.MAX_PLACE
    )


class AllClearForm(forms.Form):
    message = forms.CharField(
        label=_("Message (optional)"), required=False, max_length=services.MAX_NOTE
    )


class PushSubscriptionForm(forms.Form):
    """What ``PushSubscription.toJSON()`` gives in the browser, flattened."""

    endpoint = forms.URLField(max_length=1000, assume_scheme="https")
    p256dh = forms.CharField(max_length=200)
    auth = forms.CharField(max_length=100)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            webpush.check_endpoint(data["endpoint"])
        except webpush.EndpointRefused as exc:
            self.add_error("endpoint", str(exc))
        try:
            webpush.check_keys(data["p256dh"], data["auth"])
        except ValueError as exc:
            self.add_error("p256dh", str(exc))
        return data
