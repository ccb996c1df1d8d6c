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
exponential back-off (:mod:`haven.emergencies.alerts.tasks`); every attempt is logged on the
Delivery.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings

from haven.core import outbound

TIMEOUT = (3.05, 5.0)  # connect, read


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


def attempt(delivery: Any, *, now: float | None = None) -> Attempt:
    """POST the alert once, through the outbound guard (:mod:`haven.core.outbound`: the address
    is checked and pinned, a redirect is not followed — a signed alert is not re-sent to wherever
    it points). Never raises: the result says what happened."""
    webhook = delivery.webhook
    try:
        target = outbound.parse(webhook.url, networks=settings.HAVEN_WEBHOOK_NETWORKS)
    except outbound.Refused as exc:
        return Attempt(None, f"refused: {exc}", final=True)
    body = body_for(delivery)
    timestamp = int(now if now is not None else time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Haven-Alerts/1",
        "X-Haven-Timestamp": str(timestamp),
        "X-Haven-Signature": signature(webhook.secret, timestamp, body),
        "X-Haven-Delivery": str(delivery.pk),
        "X-Haven-Event": f"alert.{delivery.alert.kind}",
    }
    try:
        response = outbound.post(
            target.url,
            data=body,
            headers=headers,
            timeout=TIMEOUT,
            networks=settings.HAVEN_WEBHOOK_NETWORKS,
        )
    except outbound.Refused as exc:
        return Attempt(None, f"refused: {exc}", final=True)
    except requests.RequestException as exc:
        return Attempt(None, f"{type(exc).__name__}: {exc}"[:300])
    if 200 <= response.status_code < 300:
        return Attempt(response.status_code)
    if 300 <= response.status_code < 400:
        return Attempt(response.status_code, "redirects are not followed", final=True)
    return Attempt(response.status_code, f"HTTP {response.status_code}")


def backoff(attempts: int) -> int:
    """Seconds to wait after the ``attempts``-th failed attempt: 5, 10, 20 … capped at 10 min."""
    base = max(settings.HAVEN_WEBHOOK_RETRY_SECONDS, 0)
    return int(min(base * 2 ** max(attempts - 1, 0), 600))
