"""Pages for people who do not sign in: the tip line's reporters and volunteer applicants.

No sign-in and no cookie at all: there is no session to forge, so the views are exempt from CSRF
(and never ask for a CSRF token, which would set a cookie). Every answer says ``no-store`` and
``no-referrer``, so the page stays out of caches, history snapshots and other sites' referrer logs.
The language comes from ``lang`` (carried in every link and form) or the browser's Accept-Language.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt

LANGUAGES = ("en", "es")


def language(request: HttpRequest) -> str:
    """The page's language: ``lang`` in the form or address, else the browser's, else English."""
    chosen = request.POST.get("lang") if request.method == "POST" else None
    chosen = chosen or request.GET.get("lang")
    if chosen in LANGUAGES:
        return chosen
    current = (translation.get_language() or "en").split("-")[0]
    return current if current in LANGUAGES else "en"


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A public view, called as ``view(request, lang, ...)`` in the visitor's language, with the
    headers above."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        lang = language(request)
        with translation.override(lang):
            request.LANGUAGE_CODE = lang
            response = view(request, lang, *args, **kwargs)
            response["Content-Language"] = lang
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "no-referrer"
        return response

    return wrapper


def render_public(
    request: HttpRequest, template: str, lang: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """Render a public page with a link to the same page in the other language. Only a page
    reached by GET can be switched by a link: a POST's answer (a receipt, a confirmation) must not
    be left, or what it shows would have to travel in the address."""
    other = "es" if lang == "en" else "en"
    switch_url = f"{request.path}?lang={other}" if request.method == "GET" else ""
    return render(
        request,
        template,
        {"lang": lang, "other_lang": other, "switch_url": switch_url, **context},
        status=status,
    )
