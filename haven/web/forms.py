"""What every app's forms share: putting a service's refusal back next to the fields."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(
    form: forms.BaseForm, error: ValidationError, fields: Mapping[str, str] | None = None
) -> None:
    """Put a ValidationError from a service next to the form's fields. ``fields`` maps the
    service's names to the form's where they differ (``{"text": "body"}``). An error without a
    field, or for a field the form does not have or does not show (a hidden input), goes to the
    top of the form, where the person can see it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        target = (fields or {}).get(name, name)
        field = form.fields.get(target)
        shown = field is not None and not field.widget.is_hidden
        form.add_error(target if shown else None, messages)
