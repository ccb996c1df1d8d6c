"""What counts as a person's activity for the idle sign-out (``HAVEN_SESSION_IDLE_MINUTES``).

An open page keeps asking Haven for things by itself: the notification poll, the alert stream, the
live boards (who is on site, accountability, reunification). If those requests counted, a session
would never go idle while a tab stayed open — on the screen someone walked away from. So a request
is **background**, and leaves the idle stamp alone, when

* it carries ``X-Haven-Background: 1`` — what Haven's htmx polling sends (``hx-headers`` on every
  element with ``hx-trigger="every …"``), and what any script of ours that polls a page sends; or
* its view is marked with :func:`background` — endpoints that only a script ever calls (the alert
  stream, whose EventSource cannot send a header; the notification count; the boards' JSON).

Every other request of a signed-in person refreshes the stamp, which is first set at sign-in
(:func:`stamp_at_sign_in`). Sending the header can only make one's own session expire sooner, so
trusting it from the client is safe. A background request to an expired session answers 401 with
``HX-Redirect`` to the sign-in page, and ``live.js`` (on every staff page) takes a tab whose poll
answers 401 to the sign-in page as well.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

if TYPE_CHECKING:
    from haven.accounts.models import User

HEADER = "X-Haven-Background"
IDLE_KEY = "haven_last_seen"
_MARK = "haven_background"

View = TypeVar("View", bound=Callable[..., Any])


def background(view: View) -> View:
    """Mark a view that only scripts call: its requests never count as the person's activity."""
    setattr(view, _MARK, True)
    return view


def is_background_view(view: Any) -> bool:
    return bool(getattr(view, _MARK, False))


def is_background(request: HttpRequest, view: Any = None) -> bool:
    """Did the page make this request by itself (see the module's docstring)?"""
    return request.headers.get(HEADER) == "1" or is_background_view(view)


def stamp(request: HttpRequest) -> None:
    request.session[IDLE_KEY] = time.time()


@receiver(user_logged_in, dispatch_uid="haven.accounts.activity.stamp_at_sign_in")
def stamp_at_sign_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        stamp(request)
