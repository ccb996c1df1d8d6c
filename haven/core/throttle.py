"""Throttles for the public pages (the tip line, the volunteer application) that never identify
a caller.

A caller is represented only by a keyed hash of their network: an IPv4 address, or the /64 an
IPv6 address is in (one household or phone gets a whole /64 and can pick any address in it, so
counting per address would count nothing). The key changes every day and is derived in memory
from the newest pepper (``HAVEN_PEPPERS``, :func:`haven.core.crypto.pepper_keys`): every process
of Haven computes the same key without storing it anywhere, and it is never written beside the
hashes. A hash is kept in the cache for the length of one window. Nothing reaches the database or
a log.

Each public page declares its own :class:`Limit` values (the tip line's are in
:mod:`haven.tips.throttle`), sized for one district. ``HAVEN_TIP_THROTTLE_SCALE`` (a whole
number, default 1; the name is historical) multiplies every count: a large district (or a load
test) raises it, and 0 turns the throttles off (only for load tests; never in production).

**The cache is an accelerator, never a dependency.** The counts live in the cache (Redis in
production). When it cannot be reached, the counts are kept in this process's memory instead:
one warning is logged when that starts and one line when the cache answers again, the cache is
tried again every few seconds, and no caller is ever refused because it is down. While it is down,
each process counts on its own (a caller may get as many tries as there are processes).

The caller's address is ``REMOTE_ADDR``. Behind a proxy, the server must put the client's address
there (uvicorn's ``--proxy-headers`` with ``--forwarded-allow-ips`` naming the proxy), or every
caller shares one limit.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpRequest
from django.utils import timezone

from haven.core import crypto
from haven.env import env_int

log = logging.getLogger(__name__)

_SCALE_VAR = "HAVEN_TIP_THROTTLE_SCALE"
#: The purpose the caller key is derived for (each use of a pepper derives its own key).
CALLER_KEY_PURPOSE = "throttle-caller"
#: After the cache failed, how long to count in memory before trying it again (seconds).
RETRY_CACHE_AFTER = 5.0
T = TypeVar("T")


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

    def window(self) -> int:
        """The number of the current window (fixed windows of ``seconds``)."""
        return int(timezone.now().timestamp()) // self.seconds


# --- who is calling -------------------------------------------------------------------------------


def network(address: str) -> str:
    """What one caller is: an IPv4 address, an IPv6 address's /64 (an IPv4-mapped IPv6 address is
    its IPv4 address), or the text as given when it is not an address (a Unix socket, "unknown")."""
    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0].strip("[]"))
    except ValueError:
        return address or "unknown"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


@lru_cache(maxsize=8)
def _day_key(pepper_key: bytes, day: str) -> bytes:
    return hmac.new(pepper_key, b"haven-throttle-day:" + day.encode(), hashlib.sha256).digest()


def caller_key() -> bytes:
    """Today's key of the callers' hashes: derived in memory from the newest pepper and the date
    (the same in every process), never stored."""
    pepper = crypto.pepper_keys(CALLER_KEY_PURPOSE)[0].key
    return _day_key(pepper, f"{timezone.now():%Y-%m-%d}")


def caller(request: HttpRequest) -> str:
    """An opaque, daily-changing token for the caller. The address is read only to be hashed."""
    where = network(request.META.get("REMOTE_ADDR", "") or "unknown")
    return hmac.new(caller_key(), where.encode(), hashlib.sha256).hexdigest()[:32]


# --- the counts: the cache, or this process's memory while the cache is down ----------------------


class Counts:
    """Counters in the cache, falling back to this process's memory while the cache fails."""

    def __init__(
        self, name: str = "haven-throttle-fallback", what: str = "the public pages' throttles"
    ) -> None:
        self.memory = LocMemCache(name, {"OPTIONS": {"MAX_ENTRIES": 50_000}})
        self.what = what
        self._lock = threading.Lock()
        self._retry_at = 0.0  # monotonic time before which the cache is not tried
        self._degraded = False

    def reset(self) -> None:
        """Forget the counts kept in memory and try the cache again (tests, and after a restart)."""
        with self._lock:
            self.memory.clear()
            self._retry_at = 0.0
            self._degraded = False

    @property
    def degraded(self) -> bool:
        """True while the counts are kept in memory because the cache failed."""
        return self._degraded

    def run(self, operation: Callable[[Any], T]) -> T:
        if self._degraded and time.monotonic() < self._retry_at:
            return operation(self.memory)
        try:
            result = operation(cache)
        except Exception as exc:  # any failure of the cache: refused, timed out, out of memory
            with self._lock:
                if not self._degraded:
                    log.warning(
                        "the cache is unreachable (%s); %s count in this process's memory until "
                        "it answers again",
                        type(exc).__name__,
                        self.what,
                    )
                self._degraded = True
                self._retry_at = time.monotonic() + RETRY_CACHE_AFTER
            return operation(self.memory)
        if self._degraded:
            with self._lock:
                if self._degraded:
                    log.warning("the cache answers again; %s count there again", self.what)
                self._degraded = False
        return result

    def get(self, key: str) -> int:
        return int(self.run(lambda store: store.get(key)) or 0)

    def add(self, key: str, value: int, timeout: int) -> bool:
        return bool(self.run(lambda store: store.add(key, value, timeout)))

    def incr(self, key: str, timeout: int) -> int:
        """Add one (creating the key with ``timeout``); the new value."""

        def increment(store: Any) -> int:
            if store.add(key, 1, timeout):
                return 1
            try:
                return int(store.incr(key))
            except ValueError:  # expired between add and incr
                store.add(key, 1, timeout)
                return 1

        return self.run(increment)

    def decr(self, key: str) -> None:
        def decrement(store: Any) -> None:
            try:
                store.decr(key)
            except ValueError:  # expired meanwhile: nothing to give back
                pass

        self.run(decrement)


counts = Counts()


def _bucket(limit: Limit, scope: str) -> str:
    return f"haven:throttle:{limit.name}:{scope}:{limit.window()}"


def used(limit: Limit, scope: str = "all") -> int:
    """How much of ``limit`` ``scope`` has used in the current window."""
    return counts.get(_bucket(limit, scope))


def exceeded(limit: Limit, scope: str = "all") -> bool:
    if scale() == 0:
        return False
    return used(limit, scope) >= limit.count


def hit(limit: Limit, scope: str = "all") -> int:
    """Count one against ``limit``; returns the new count (0 when the throttles are off)."""
    if scale() == 0:
        return 0
    return counts.incr(_bucket(limit, scope), limit.seconds + 5)


def refund(limit: Limit, scope: str = "all") -> None:
    """Give back one counted by :func:`hit` (what it was counted for did not happen)."""
    if scale() == 0:
        return
    counts.decr(_bucket(limit, scope))


def reserve(limit: Limit, scope: str = "all") -> bool:
    """Count one if it fits in ``limit`` (atomically, so that parallel requests cannot all slip
    under it); False, counting nothing, if it does not. A caller whose attempt then fails gives it
    back with :func:`refund`."""
    if hit(limit, scope) <= limit.count or scale() == 0:
        return True
    refund(limit, scope)
    return False


def retry_after(limit: Limit) -> int:
    return limit.seconds - int(timezone.now().timestamp()) % limit.seconds
