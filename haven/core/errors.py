"""Typed domain errors services raise, so that every caller answers them the same way.

Services already raise Django's own for the rest: ``PermissionDenied`` (403: the record is visible,
the action is not), ``Http404`` / ``ObjectDoesNotExist`` (404), ``ValidationError`` (the input is
wrong: 422 in the API, errors next to the fields on pages). haven/api.py maps each to its answer
once; an endpoint does not catch and translate them.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError


class Conflict(ValidationError):
    """The record's state does not allow the action (already signed out, already closed): 409 in
    the API. It is a ``ValidationError``, so a page shows it next to its form as before."""
