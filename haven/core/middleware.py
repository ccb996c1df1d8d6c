from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from haven.core.busy import UNAVAILABLE

log = logging.getLogger(__name__)

# Everything is served by Haven itself: no page may load from another origin.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self' blob:",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault(
            "Permissions-Policy", "geolocation=(), microphone=(), interest-cohort=()"
        )
        return response


NUL = "\x00"


def _carries_nul(request: HttpRequest) -> bool:
    """A NUL character in the path or the query string. No page or endpoint takes one there, and
    PostgreSQL refuses it in any text it compares, so such a request is refused before a view runs.
    Bodies are the views' to judge: forms refuse NUL field by field, and an endpoint that takes
    text from outside tools (the triage signals) strips it so that a signal is never lost."""
    if NUL in request.path:
        return True
    return any(NUL in key or any(NUL in v for v in values) for key, values in request.GET.lists())


class RefuseNulMiddleware:
    """Answers 400 with a clear message (JSON on the API) to a request whose path or query
    carries a NUL character, instead of letting it reach the database as a server error."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _carries_nul(request):
            message = _("The address contains a NUL character, which no field accepts.")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 with a clear message: the database (or the task queue) is busy, locked, full or gone,
    and what was asked was not done."""
    message = _(
        "Haven cannot save or read this right now: its database is busy or unavailable. Nothing "
        "was changed. Please try again in a minute. If someone is in danger right now, call 911."
    )
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message}, status=503)
    else:
        response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = "30"
    return response


class UnavailableMiddleware:
    """The 503 guard: an OperationalError (SQLite locked or on a full disk, PostgreSQL gone or out
    of connections), raw from the driver or wrapped by Django, or an unreachable Redis under the
    task queue, raised anywhere in a view — the incident API, sign-in, a tip — is a 503 that
    says so, never a 500. (``haven.core.views.server_error`` does the same for one raised in a
    middleware.) Logged without the path or the caller, as every error is."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, UNAVAILABLE):
            return None
        log.error(
            "answered 503, a part is unavailable: %s: %s", type(exception).__name__, exception
        )
        return unavailable_response(request)
