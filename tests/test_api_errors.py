"""The errors services raise are answered once, in haven/api.py, the same for every endpoint."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.test import RequestFactory

from haven.api import api
from haven.core.errors import Conflict


@pytest.mark.parametrize(
    ("error", "status", "detail"),
    [
        (Conflict({"visit": "Already signed out at 10:00."}), 409, "Already signed out at 10:00."),
        (PermissionDenied("Only incident command can do this."), 403, "Only incident command"),
        (Http404(), 404, "Not found."),
        (ObjectDoesNotExist(), 404, "Not found."),
        (ValidationError({"school": "No such school."}), 422, "Invalid input."),
    ],
)
def test_a_domain_error_is_its_answer(error, status, detail):
    response = api.on_exception(RequestFactory().get("/api/v1/x"), error)
    assert response.status_code == status
    assert json.loads(response.content)["detail"].startswith(detail)


def test_a_conflict_is_still_a_validation_error_for_pages():
    assert issubclass(Conflict, ValidationError)
    assert Conflict({"visit": "Already signed out."}).message_dict == {
        "visit": ["Already signed out."]
    }
