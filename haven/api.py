"""The API at /api/v1/ (django-ninja). Each app adds its router; authorisation is the access
policy's, exactly as for the pages. Errors are JSON that name the field.

The errors services raise are answered here, once: ``PermissionDenied`` 403, ``Http404`` and
``ObjectDoesNotExist`` 404, ``Conflict`` (haven/core/errors.py) 409, ``ValidationError`` 422, an
unreadable body 400. An endpoint lets them through rather than catching and translating them."""

from __future__ import annotations

import json
from typing import Any, cast

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer, django_auth

from haven.accounts.models import ApiToken
from haven.core.errors import Conflict


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = ApiToken.authenticate(token)
        if found is None:
            return None
        request.user = found.user
        request.api_token = found  # type: ignore[attr-defined]
        return found.user


class NulInBody(ValueError):
    """A JSON body holds a NUL character in a string or a key."""


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


class JsonParser(Parser):
    """JSON bodies as django-ninja reads them, refusing a NUL character anywhere: no field takes
    one, and PostgreSQL cannot store or even compare it. (An endpoint that reads its own body,
    like the triage signals', decides for itself.)"""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body)
        if _holds_nul(data):
            raise NulInBody
        return cast(dict[str, Any], data)


#: What every error answer carries (see the handlers below).
ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "For 422: each field that is wrong and why",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                },
                "required": ["field", "message"],
            },
        },
    },
    "required": ["detail"],
}
ERRORS = {
    400: "The body cannot be read: not JSON, not an object, or a NUL character in it",
    401: "Not signed in: sign in, or send a valid token as 'Authorization: Bearer <token>'",
    403: "Not allowed: the caller sees the record but may not do this",
    404: "Not found, or not visible to the caller (the two answers are the same)",
    409: "The record's state does not allow it (closed, already done)",
    422: "Invalid input: `errors` names each field and what is wrong with it",
    429: "Too many requests from this caller: try again after the time given",
    503: "Busy, nothing was stored: try again in a minute",
}


def _errors_of(path: str, method: str, operation: dict[str, Any]) -> list[int]:
    """The error answers an operation can give, from what it takes and who may call it."""
    found = []
    if "requestBody" in operation:
        found += [400, 422]
    elif operation.get("parameters"):
        found.append(422)
    if operation.get("security"):
        found += [401, 403, 404]
    else:  # the tip line's public endpoints: throttled, and a wrong receipt is a 404
        found.append(429)
        if "X-Haven-Receipt" in {p.get("name") for p in operation.get("parameters", [])}:
            found.append(404)
        if method == "post":
            found.append(503)
    return sorted(set(found))


class HavenAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        """django-ninja's document, with the error answers of every operation described once
        here rather than on each endpoint."""
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                for status in _errors_of(path, method, operation):
                    responses.setdefault(status, {"description": ERRORS[status], "content": error})
        return document


api = HavenAPI(
    title="Haven API",
    version="1",
    urls_namespace="api",
    auth=[BearerToken(), django_auth],
    docs_url="/docs",
    parser=JsonParser(),
)


def _error(request: HttpRequest, status: int, detail: Any, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"detail": detail, **extra}, status=status)


def _field_name(loc: Any) -> str:
    """The field as the caller named it: ("body", "payload", "contact", "email") is
    "contact.email"; ("query", "limit") is "limit". A field may itself be called "body"."""
    parts = [str(p) for p in loc]
    if parts[:1] == ["body"]:
        parts = parts[2:] if len(parts) > 2 else parts[1:]
    elif parts[:1] and parts[0] in ("query", "path", "header", "cookie", "form", "file"):
        parts = parts[1:]
    return ".".join(parts)


@api.exception_handler(NinjaValidationError)
def on_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {
            "field": _field_name(err.get("loc", ())),
            "message": err.get("msg", "invalid"),
            "type": err.get("type", ""),
        }
        for err in exc.errors
    ]
    return _error(request, 422, "Invalid input.", errors=errors)


@api.exception_handler(Conflict)
def on_conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
    return _error(request, 409, " ".join(exc.messages))


@api.exception_handler(ValidationError)
def on_django_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        errors = [
            {"field": field, "message": str(msg)}
            for field, msgs in exc.message_dict.items()
            for msg in msgs
        ]
    else:
        errors = [{"field": "", "message": str(msg)} for msg in exc.messages]
    return _error(request, 422, "Invalid input.", errors=errors)


@api.exception_handler(AuthenticationError)
def on_auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _error(
        request, 401, "Sign in, or send a valid token as 'Authorization: Bearer <token>'."
    )
    response["WWW-Authenticate"] = 'Bearer realm="haven"'
    return response


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, NulInBody):  # ninja reports any parser error as one HttpError
        return _error(
            request, 400, "The body contains a NUL character (\\u0000), which no field accepts."
        )
    return _error(request, exc.status_code, str(exc))


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, str(exc) or "Not allowed.")


@api.exception_handler(Http404)
@api.exception_handler(ObjectDoesNotExist)
def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 404, "Not found.")


from haven.audit.api import router as audit_router  # noqa: E402
from haven.cases.api import router as cases_router  # noqa: E402
from haven.core.api import router as core_router  # noqa: E402
from haven.emergencies.alerts.api import router as emergencies_router  # noqa: E402
from haven.reports.api import router as reports_router  # noqa: E402
from haven.screening.api import router as screening_router  # noqa: E402
from haven.tips.api import public as tips_public_router  # noqa: E402
from haven.tips.api import staff as tips_staff_router  # noqa: E402
from haven.training.api import router as training_router  # noqa: E402
from haven.triage.api import router as triage_router  # noqa: E402
from haven.visitors.api import router as visitors_router  # noqa: E402
from haven.volunteers.api import router as volunteers_router  # noqa: E402

api.add_router("/", core_router)
api.add_router("/", emergencies_router)
api.add_router("/", "haven.emergencies.roll_call.api.router")
api.add_router("/", "haven.emergencies.reunification.api.router")
api.add_router("/audit", audit_router)
api.add_router("/cases", cases_router)
api.add_router("/public", tips_public_router)
api.add_router("/tips", tips_staff_router)
api.add_router("/", triage_router)
api.add_router("/screenings", screening_router)
api.add_router("/", visitors_router)
api.add_router("/", volunteers_router)
api.add_router("/training", training_router)
api.add_router("/reports", reports_router)
