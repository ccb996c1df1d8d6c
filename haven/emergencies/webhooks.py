"""Signed webhooks: every alert is POSTed as JSON to the district's configured receivers (a PA
system, door locks, a 911 integration).

Each request carries

* ``X-Haven-Timestamp``: Unix seconds when this attempt was signed;
* ``X-Haven-Signature``: ``sha256=`` + hex HMAC-SHA256, keyed with the webhook's secret, of
  ``<timestamp>.<body>`` (the timestamp, a dot, then the raw body bytes). Signing the timestamp
  with the body lets a receiver refuse replays: check the signature with a constant-time compare,
  then refuse a timestamp more than five minutes old;
* ``X-Haven-Delivery``: the delivery's id, the same on every retry (for de-duplication);
* ``X-Haven-Event``: ``alert.raised``, ``alert.protocol_changed``, ``alert.update`` or
  ``alert.all_clear``.

Any 2xx answer is success. Anything else, or no answer within the timeout, is retried with
exponential back-off (:mod:`haven.emergencies.tasks`); every attempt is logged on the Delivery.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from haven.emergencies.webpush import EndpointRefused, check_endpoint

TIMEOUT = 5.0


def signature(secret: str, timestamp: int | str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, header: str, *, tolerance: int = 300) -> bool:
    """What a receiver does (and what the tests do): constant-time compare, then freshness."""
    if not hmac.compare_digest(signature(secret, timestamp, body), header):
        return False
    try:
        return abs(time.time() - int(timestamp)) <= tolerance
    except ValueError:
        return False


def body_for(delivery: Any) -> bytes:
    alert = delivery.alert
    document = {
        "event": f"alert.{alert.kind}",
        "delivery": delivery.pk,
        "alert": alert.payload,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


@dataclass
class Attempt:
    status: int | None
    error: str = ""
    final: bool = False  # not worth retrying (the URL itself is refused)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A signed alert is not re-sent to wherever a redirect points.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def attempt(delivery: Any, *, now: float | None = None) -> Attempt:
    """POST the alert once. Never raises: the result says what happened."""
    webhook = delivery.webhook
    try:
        url = check_endpoint(webhook.url)
    except EndpointRefused as exc:
        return Attempt(None, f"refused: {exc}", final=True)
    body = body_for(delivery)
    timestamp = int(now if now is not None else time.time())
    request = urllib.request.Request(  # noqa: S310 - check_endpoint allows http(s) only
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Haven-Alerts/1",
            "X-Haven-Timestamp": str(timestamp),
            "X-Haven-Signature": signature(webhook.secret, timestamp, body),
            "X-Haven-Delivery": str(delivery.pk),
            "X-Haven-Event": f"alert.{delivery.alert.kind}",
        },
    )
    try:
        with _opener.open(request, timeout=TIMEOUT) as response:
            return Attempt(response.status)
    except urllib.error.HTTPError as exc:
        return Attempt(exc.code, f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Attempt(None, f"{type(exc).__name__}: {reason}"[:300])


def backoff(attempts: int) -> int:
    """Seconds to wait after the ``attempts``-th failed attempt: 5, 10, 20 … capped at 10 min."""
    base = max(settings.HAVEN_WEBHOOK_RETRY_SECONDS, 0)
    return int(min(base * 2 ** max(attempts - 1, 0), 600))
