from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from haven.training.models import CertificateKind


class ExtendForm(forms.Form):
    due = forms.DateField(label=_("New due date"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Why"), max_length=500)


class CertificateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Training"), choices=CertificateKind.choices)
    issuer = forms.CharField(label=_("Issued by"), max_length=200)
    issued_on = forms.DateField(
        label=_("Date issued"), widget=forms.DateInput(attrs={"type": "date"})
    )
    expires_on = forms.DateField(
        label=_("Expires on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    file = forms.FileField(
        label=_("Certificate (PDF or picture)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )


class SummaryForm(forms.Form):
    on = forms.DateField(label=_("As of"), required=False)

    def day(self) -> dt.date | None:
        return self.cleaned_data.get("on") if self.is_valid() else None
