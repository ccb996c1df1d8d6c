"""The request a signed-in page or API call receives.

Django types ``request.user`` as the user model or ``AnonymousUser``. Behind ``login_required``
(and the API's authentication, a token or the session) it is always a signed-in user; a view
that sits behind them says so by taking a :class:`SignedInRequest`, and passes ``request.user``
to the services as the ``User`` they expect. A public page keeps ``HttpRequest`` and narrows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from haven.accounts.models import User


class SignedInRequest(HttpRequest):
    """An ``HttpRequest`` whose user has signed in (for type checking only: never instantiated)."""

    user: User
