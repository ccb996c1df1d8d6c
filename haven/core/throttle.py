"""Throttles for the public pages (the tip line, the volunteer application) that never identify
a caller.

A caller is represented only by a keyed hash of their address, with a random key that lives in the
cache (memory, or Redis in production) and changes every day; the hash is kept in the cache for the
length of one window. Nothing reaches the database or a log. Per-school and global counters carry
no identity at all: they slow a flood even when it comes from many addresses.

Each public page declares its own :class:`Limit` values (the tip line's are in
:mod:`haven.tips.throttle`), sized for one district. ``HAVEN_TIP_THROTTLE_SCALE`` (a whole
number, default 1; the name is historical) multiplies every count: a large district (or a load
test) raises it, and 0 turns the throttles off (only for load tests; never in production).

The caller's address is ``REMOTE_ADDR``. Behind a proxy, the server must put the client's address
there (uvicorn's ``--proxy-headers`` with ``--forwarded-allow-ips`` naming the proxy), or every
caller shares one limit.
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
