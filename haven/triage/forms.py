"""Forms of the triage pages: confirming or dismissing a signal, and a district's settings. They
parse what a browser sends; :mod:`haven.triage.services` has the last word, and its errors are put
back next to the fields (:func:`haven.web.forms.add_service_errors`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from haven.triage.models import CATEGORY_LABELS, DismissReason

CASE_TYPES = [
    ("threat", _("Threat to others")),
    ("self_harm", _("Risk to self")),
    ("both", _("Threat to others and risk to self")),
]


class ConfirmForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the record (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    open_case = forms.BooleanField(label=_("Open a case from this signal"), required=False)
    case_type = forms.ChoiceField(label=_("Kind of case"), choices=CASE_TYPES, required=False)


class DismissForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why dismiss it?"), choices=DismissReason.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("In a few words (required for “Other”)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SettingsForm(forms.Form):
    sensitive_categories = forms.MultipleChoiceField(
        label=_("Sensitive categories"),
        help_text=_(
            "Signals in these categories are seen by counsellors and administrators only: never "
            "routed to the SRO, never to families."
        ),
        choices=list(CATEGORY_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    guard_identity = forms.BooleanField(
        label=_("Protect sexual and gender identity"),
        help_text=_(
            "A text about a student's sexual or gender identity, with no other concern, is "
            "sensitive."
        ),
        required=False,
    )
    retention_days = forms.IntegerField(
        label=_("Days to keep signals of no concern"),
        help_text=_("Empty: the installation's default."),
        required=False,
        min_value=1,
        max_value=3650,
    )
