"""Session idle expiry and the second-factor gate."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from haven.accounts import activity, second_factor

# Pages a signed-in user without a verified second factor may still reach: the sign-in steps
# themselves (not the rest of /accounts/, where administrators manage other people's sign-in).
_OPEN_PREFIXES = ("/accounts/sign-in/", "/accounts/sign-out/", "/static/", "/i18n/", "/healthz")


class SessionIdleMiddleware:
    """Signs a user out after ``HAVEN_SESSION_IDLE_MINUTES`` without a request of their own.
    Background requests (polling, the alert stream: :mod:`haven.accounts.activity`) see the
    session expire but never keep it alive."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if not request.user.is_authenticated:
            return None
        background = activity.is_background(request, view)
        last = request.session.get(activity.IDLE_KEY)
        idle_limit = settings.HAVEN_SESSION_IDLE_MINUTES * 60
        if last is not None and time.time() - float(last) > idle_limit:
            logout(request)
            return _expired(request, background)
        if last is None or not background:
            activity.stamp(request)
        return None


def _expired(request: HttpRequest, background: bool) -> HttpResponse:
    sign_in = reverse("accounts:login")
    if background or request.path.startswith("/api/"):
        response = JsonResponse({"detail": "Session expired: sign in again."}, status=401)
        page = urlsplit(request.headers.get("HX-Current-URL", ""))
        if request.headers.get("HX-Request") == "true" and page.path.startswith("/"):
            target = page.path + (f"?{page.query}" if page.query else "")
            response["HX-Redirect"] = f"{sign_in}?expired=1&next={quote(target, safe='/')}"
        return response
    return redirect(f"{sign_in}?expired=1&next={quote(request.get_full_path(), safe='/')}")


class SecondFactorMiddleware:
    """A signed-in user whose roles require a second factor reaches nothing but the sign-in pages
    until they have verified one in this session."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(_OPEN_PREFIXES)
            and second_factor.pending(request)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "Second factor required."}, status=401)
            return redirect(second_factor.next_step_url(user))
        return self.get_response(request)
