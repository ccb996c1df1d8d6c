"""Session idle expiry and the second-factor gate."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from haven.accounts import second_factor

IDLE_KEY = "haven_last_seen"
# Pages a signed-in user without a verified second factor may still reach.
_OPEN_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/healthz")


class SessionIdleMiddleware:
    """Signs a user out after ``HAVEN_SESSION_IDLE_MINUTES`` without a request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            last = request.session.get(IDLE_KEY)
            if last is not None and now - float(last) > settings.HAVEN_SESSION_IDLE_MINUTES * 60:
                logout(request)
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": "Session expired: sign in again."}, status=401)
                return redirect(f"{reverse('accounts:login')}?expired=1&next={request.path}")
            request.session[IDLE_KEY] = now
        return self.get_response(request)


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
