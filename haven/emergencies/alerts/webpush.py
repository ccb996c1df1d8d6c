"""Web Push (RFC 8030) with VAPID (RFC 8292) and encrypted payloads (RFC 8291, aes128gcm), so an
alert reaches a phone or a browser whose Haven tab is closed.

Keys: ``HAVEN_VAPID_PRIVATE_KEY`` (base64url raw or DER, or PEM) and optionally
``HAVEN_VAPID_PUBLIC_KEY`` (checked against the private key). In development, when unset, a pair is
made once and kept in ``DATA_DIR/keys/vapid.pem`` (mode 0600). In production without the variable
Web Push is off: every app server must sign with the same key, or browsers refuse the pushes.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import transaction
from py_vapid import Vapid01, Vapid02
from pywebpush import WebPushException, webpush

from haven.core import outbound
from haven.emergencies.models import PushSubscription

if TYPE_CHECKING:
    from haven.accounts.models import User

log = logging.getLogger(__name__)

# Push services accept 4 KiB of ciphertext; the payload stays well under it.
MAX_PAYLOAD = 3000


#: A push endpoint or webhook URL Haven will not send to.
EndpointRefused = outbound.Refused


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _key_file() -> Path:
    return Path(settings.DATA_DIR) / "keys" / "vapid.pem"


def _dev_key_pem() -> bytes:
    path = _key_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        pem = Vapid01()
        pem.generate_keys()
        tmp = path.with_name(f".vapid.{secrets.token_hex(6)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem.private_pem())
        try:
            os.link(tmp, path)  # another process that won the race keeps its key
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_bytes()


@cache
def _vapid_from(configured: str, dev_pem: bytes) -> Vapid01:
    if dev_pem:
        return Vapid02.from_pem(dev_pem)
    if "BEGIN" in configured:
        return Vapid02.from_pem(configured.encode())
    return Vapid02.from_string(configured)


def enabled() -> bool:
    return bool(settings.HAVEN_VAPID_PRIVATE_KEY) or not settings.PRODUCTION


def vapid() -> Vapid01:
    """The signing key (configured, or the development key made on first use)."""
    configured = settings.HAVEN_VAPID_PRIVATE_KEY
    if configured:
        return _vapid_from(configured, b"")
    if settings.PRODUCTION:
        raise RuntimeError("Web Push is off: set HAVEN_VAPID_PRIVATE_KEY")
    return _vapid_from("", _dev_key_pem())


def application_server_key() -> str:
    """The public key as browsers want it for ``pushManager.subscribe`` (base64url of the
    uncompressed P-256 point)."""
    raw = vapid().public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    key = _b64url(raw)
    configured = settings.HAVEN_VAPID_PUBLIC_KEY.strip().rstrip("=")
    if configured and configured != key:
        raise RuntimeError("HAVEN_VAPID_PUBLIC_KEY does not belong to HAVEN_VAPID_PRIVATE_KEY")
    return key


def check_endpoint(url: str) -> str:
    """Refuse an endpoint that is not on a browser's push service (``HAVEN_PUSH_SERVICES``) or
    that resolves into a private network (:mod:`haven.core.outbound`): it comes from a browser,
    so from a user. Raises :class:`EndpointRefused`."""
    outbound.check(url, hosts=settings.HAVEN_PUSH_SERVICES)
    return url


class EndpointTaken(Exception):
    """The endpoint is another user's subscription."""


def subscribe(user: User, endpoint: str, p256dh: str, auth: str) -> tuple[Any, bool]:
    """Remember a browser's subscription for ``user`` (or refresh its keys); returns it and
    whether it is new. An endpoint another user registered is theirs: refused, never moved, or
    whoever learnt it could take that person's alerts (the browser then makes a new one)."""
    with transaction.atomic():
        subscription, created = PushSubscription.objects.get_or_create(
            endpoint=endpoint, defaults={"user": user, "p256dh": p256dh, "auth": auth}
        )
        if created:
            return subscription, True
        if subscription.user_id != user.pk:
            raise EndpointTaken
        if (subscription.p256dh, subscription.auth) != (p256dh, auth):
            subscription.p256dh, subscription.auth = p256dh, auth
            subscription.save(update_fields=["p256dh", "auth"])
    return subscription, False


def check_keys(p256dh: str, auth: str) -> None:
    """The subscription's keys must be a P-256 point and a 16-byte secret (RFC 8291)."""
    try:
        point = base64.urlsafe_b64decode(p256dh + "=" * (-len(p256dh) % 4))
        secret = base64.urlsafe_b64decode(auth + "=" * (-len(auth) % 4))
    except (ValueError, TypeError):
        raise ValueError("keys must be base64url") from None
    if len(point) != 65 or point[0] != 4:
        raise ValueError("p256dh must be an uncompressed P-256 public key")
    if len(secret) != 16:
        raise ValueError("auth must be 16 bytes")


def subject() -> str:
    configured = settings.HAVEN_VAPID_SUBJECT
    if configured:
        return configured
    return f"mailto:{settings.DEFAULT_FROM_EMAIL}"


class PushResult:
    """What a push service answered: ``ok``; ``gone`` (the subscription expired: forget it);
    otherwise worth retrying."""

    def __init__(self, status: int | None, error: str = "") -> None:
        self.status = status
        self.error = error

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def gone(self) -> bool:
        return self.status in {404, 410}

    @property
    def retry(self) -> bool:
        # A redirect is not followed (the guard checks one address), so it is not worth retrying.
        redirected = self.status is not None and 300 <= self.status < 400
        refused = self.status in {400, 403, 413}
        return not self.ok and not self.gone and not redirected and not refused


def send(
    subscription: Any,
    payload: dict[str, Any],
    *,
    topic: str = "",
    session: outbound.Session | None = None,
    timeout: float | tuple[float, float] = outbound.TIMEOUT,
) -> PushResult:
    """Encrypt ``payload`` (JSON) for one subscription and hand it to its push service, marked
    urgent, through the outbound guard (the name is resolved and checked again, and the checked
    address is the one connected to). Never raises for a refusal or a network error: the result
    says what happened."""
    try:
        outbound.parse(subscription.endpoint, hosts=settings.HAVEN_PUSH_SERVICES)
    except EndpointRefused as exc:
        return PushResult(400, f"refused: {exc}")
    body = json.dumps(payload, separators=(",", ":"))
    if len(body.encode()) > MAX_PAYLOAD:
        payload = {**payload, "note": ""}
        body = json.dumps(payload, separators=(",", ":"))
    headers: dict[str, str | int | float] = {"Urgency": "high"}
    if topic:
        # A newer push with the same topic replaces one the device has not received yet.
        headers["Topic"] = topic[:32]
    info = {
        "endpoint": subscription.endpoint,
        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
    }
    try:
        response: Any = webpush(
            info,
            data=body,
            vapid_private_key=vapid(),
            vapid_claims={"sub": subject()},
            ttl=settings.HAVEN_PUSH_TTL_SECONDS,
            headers=headers,
            timeout=timeout,
            requests_session=session or outbound.Session(),
        )
    except WebPushException as exc:
        return PushResult(exc.status_code, exc.message[:300])
    except EndpointRefused as exc:
        return PushResult(400, f"refused: {exc}")
    except Exception as exc:  # network errors: DNS, refused, timeout
        return PushResult(None, f"{type(exc).__name__}: {exc}"[:300])
    return PushResult(response.status_code)
