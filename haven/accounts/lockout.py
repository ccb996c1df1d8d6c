"""Sign-in failures without a network identifier or a typed username.

django-axes locks an account out after ``HAVEN_LOCKOUT_ATTEMPTS`` failures. Haven configures it
(``AXES_*`` in settings) so that nothing it keeps identifies the person at the keyboard:

* the counts live in the cache (:class:`LockoutHandler`, axes' cache handler), never in axes'
  tables, and expire with the lock-out; while the cache (Redis) is unreachable they are kept in
  this process's memory, so that staff can still sign in during an outage — a lockdown is exactly
  when they must — and failures are still counted (per process until Redis answers again);
* the username axes counts by is :func:`username_hash` — a keyed hash of what was typed, since a
  failed username is often a password typed into the wrong box;
* axes never reads the client's address (:func:`no_client_address`) nor logs one
  (:func:`client_str`); the user agent is read by axes but, with lock-out per username, is neither
  part of a cache key nor logged.

The audit log records a failed sign-in the same way: whether the name matched an account (then the
account itself) and the keyed hash, never the name as typed.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.cache import AxesCacheHandler
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from haven.core.throttle import Counts

_SALT = "haven.accounts.lockout.username"


def username_hash(typed: str) -> str:
    """A keyed hash (HMAC-SHA-256 with a key derived from ``SECRET_KEY``) of a typed username: the
    same name always gives the same hash, and nobody without the key can test a guess against it."""
    return salted_hmac(_SALT, typed, algorithm="sha256").hexdigest()[:32]


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """``AXES_USERNAME_CALLABLE``: what axes counts failures by."""
    typed = (credentials or {}).get("username")
    if typed is None and request is not None:
        typed = request.POST.get("username")
    return username_hash(str(typed)) if typed else None


def no_client_address(request: HttpRequest) -> None:
    """``AXES_CLIENT_IP_CALLABLE``: axes never learns the address (lock-out is per account)."""
    return None


def client_str(
    username: str | None, ip_address: Any, user_agent: Any, path_info: Any, request: Any
) -> str:
    """``AXES_CLIENT_STR_CALLABLE``: how axes names a client in its log lines — the keyed hash."""
    return f"{{username_hash: {username or '-'}}}"


class _CacheOrMemory:
    """What axes asks of its cache (``get``, ``add``, ``incr``, ``touch``, ``delete``), answered by
    the cache while it answers and by this process's memory while it does not."""

    def __init__(self, counts: Counts) -> None:
        self._counts = counts

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            return self._counts.run(lambda store: getattr(store, name)(*args, **kwargs))

        return call


class LockoutHandler(AxesCacheHandler):
    """``AXES_HANDLER``: axes' cache handler, whose counts survive an unreachable cache."""

    counts = Counts("haven-lockout-fallback", "sign-in lock-out counts")

    def __init__(self) -> None:
        super().__init__()
        self.cache = _CacheOrMemory(self.counts)
