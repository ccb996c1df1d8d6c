"""Throttles for the public pages that never identify a caller.

A caller is represented only by a keyed hash of their address, with a random key that lives in the
cache (memory, or Redis in production) and changes every day; the hash is kept in the cache for the
length of one window. Nothing reaches the database or a log. Per-school and global counters carry
no identity at all: they slow a flood even when it comes from many addresses.

The limits below are for one district. ``HAVEN_TIP_THROTTLE_SCALE`` (a whole number, default 1)
multiplies every count: a large district (or a load test) raises it, and 0 turns the throttles off
(only for load tests; never in production).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

from haven.env import env_int

KEY_TTL = 26 * 3600  # a little over a day, so yesterday's key outlives midnight briefly
_SCALE_VAR = "HAVEN_TIP_THROTTLE_SCALE"


def scale() -> int:
    """The multiplier of every limit: the setting if there is one, else the environment."""
    configured = getattr(settings, "HAVEN_TIP_THROTTLE_SCALE", None)
    return max(0, int(configured if configured is not None else env_int(_SCALE_VAR, 1)))


@dataclass(frozen=True)
class Limit:
    name: str
    base: int
    seconds: int

    @property
    def count(self) -> int:
        return self.base * scale()


# Submissions: a person rarely files more than a few tips an hour; a school rarely gets more than
# a few dozen in ten minutes (a viral incident), the district a few hundred.
CALLER_SUBMIT = Limit("caller-submit", 5, 3600)
SCHOOL_SUBMIT = Limit("school-submit", 60, 600)
GLOBAL_SUBMIT = Limit("global-submit", 600, 600)
# Receipt guesses: 10 wrong receipts an hour from one caller, 300 an hour in all.
CALLER_GUESS = Limit("caller-guess", 10, 3600)
GLOBAL_GUESS = Limit("global-guess", 300, 3600)
# Follow-up messages from a reporter.
CALLER_MESSAGE = Limit("caller-message", 30, 3600)


def _daily_key() -> bytes:
    name = f"haven:throttle-key:{timezone.now():%Y-%m-%d}"
    key = cache.get(name)
    if key is None:
        cache.add(name, secrets.token_hex(32), KEY_TTL)
        key = cache.get(name)
    return bytes.fromhex(key)


def caller(request: HttpRequest) -> str:
    """An opaque, daily-changing token for the caller. The address is read only to be hashed."""
    address = request.META.get("REMOTE_ADDR", "") or "unknown"
    return hmac.new(_daily_key(), address.encode(), hashlib.sha256).hexdigest()[:32]


def _bucket(limit: Limit, scope: str) -> str:
    window = int(timezone.now().timestamp()) // limit.seconds
    return f"haven:throttle:{limit.name}:{scope}:{window}"


def exceeded(limit: Limit, scope: str = "all") -> bool:
    if scale() == 0:
        return False
    return (cache.get(_bucket(limit, scope)) or 0) >= limit.count


def hit(limit: Limit, scope: str = "all") -> None:
    if scale() == 0:
        return
    key = _bucket(limit, scope)
    if cache.add(key, 1, limit.seconds + 5):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, limit.seconds + 5)


def retry_after(limit: Limit) -> int:
    return limit.seconds - int(timezone.now().timestamp()) % limit.seconds
