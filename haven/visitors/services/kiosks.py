"""Lobby kiosks: the front desk enrols a tablet for its school with a one-time code, the tablet
trades the code for its own credential (a cookie), and the front desk sees and revokes kiosks.
Each step is audited. See :class:`haven.visitors.models.Kiosk`."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.access import policy
from haven.accounts import codes
from haven.audit import services as audit
from haven.visitors.models import Kiosk

if TYPE_CHECKING:
    from haven.accounts.models import User

_PURPOSE = "kiosk"


def _device_digest(secret: str) -> str:
    # 256 random bits: a plain hash is enough, and lets the kiosk be found by it.
    return hashlib.sha256(secret.encode()).hexdigest()


def create(actor: User, school: Any, name: str) -> tuple[Kiosk, str, datetime]:
    """A new kiosk for ``school``, waiting for its one-time code (returned, shown once) to be typed
    on the tablet before it expires (also returned)."""
    if not policy.may_manage_kiosks(actor, school):
        raise PermissionDenied(_("You may not set up kiosks at this school."))
    name = " ".join(str(name or "").split())
    if not name:
        raise ValidationError({"name": _("Give the kiosk a name, such as “Lobby tablet”.")})
    if len(name) > 100:
        raise ValidationError({"name": _("At most %(n)d characters.") % {"n": 100}})
    code = codes.new_code()
    now = timezone.now()
    expires = now + timedelta(minutes=settings.HAVEN_KIOSK_CODE_MINUTES)
    with transaction.atomic():
        kiosk = Kiosk.objects.create(
            school=school,
            name=name,
            created_by=actor,
            created_at=now,
            code_digest=codes.digest(code, _PURPOSE),
            code_expires_at=expires,
        )
        audit.record(actor, "create", kiosk, detail={"code_expires_at": expires.isoformat()})
    return kiosk, code, expires


def enrol(typed_code: str) -> tuple[Kiosk, str] | None:
    """The tablet's side: trade a waiting kiosk's code for the kiosk's credential (a secret for a
    cookie, returned once; only its hash is kept). None when the code is not a waiting kiosk's."""
    digest = codes.digest(typed_code, _PURPOSE)
    if not digest:
        return None
    with transaction.atomic():
        kiosk = (
            Kiosk.objects.select_for_update()
            .filter(
                code_digest=digest,
                code_expires_at__gt=timezone.now(),
                enrolled_at__isnull=True,
                revoked_at__isnull=True,
            )
            .select_related("school")
            .first()
        )
        if kiosk is None:
            return None
        secret = secrets.token_urlsafe(32)
        kiosk.device_digest = _device_digest(secret)
        kiosk.enrolled_at = timezone.now()
        kiosk.code_digest = ""
        kiosk.save(update_fields=["device_digest", "enrolled_at", "code_digest"])
        audit.record(kiosk.created_by, "kiosk_enrolled", kiosk)
    return kiosk, secret


def for_device(secret: str) -> Kiosk | None:
    """The kiosk whose credential ``secret`` is, if it may still check visitors in: enrolled, not
    revoked, within ``HAVEN_KIOSK_DAYS`` of enrolment, and its maker still allowed at the school."""
    if not secret or len(secret) > 100:
        return None
    kiosk = (
        Kiosk.objects.filter(
            device_digest=_device_digest(secret),
            enrolled_at__gt=timezone.now() - timedelta(days=settings.HAVEN_KIOSK_DAYS),
            revoked_at__isnull=True,
        )
        .select_related("school", "created_by")
        .first()
    )
    if kiosk is None or kiosk.created_by is None:
        return None
    if not policy.may_check_in(kiosk.created_by, kiosk.school):
        return None
    now = timezone.now()
    if kiosk.last_used_at is None or now - kiosk.last_used_at > timedelta(minutes=1):
        Kiosk.objects.filter(pk=kiosk.pk).update(last_used_at=now)
    return kiosk


def revoke(actor: User, kiosk: Kiosk) -> Kiosk:
    """Stop a kiosk (or cancel a waiting one): its next request reaches nothing."""
    if not policy.may_manage_kiosks(actor, kiosk.school):
        raise PermissionDenied(_("You may not manage kiosks at this school."))
    with transaction.atomic():
        kiosk = Kiosk.objects.select_for_update().get(pk=kiosk.pk)
        if kiosk.revoked_at is None:
            kiosk.revoked_at, kiosk.revoked_by = timezone.now(), actor
            kiosk.code_digest = ""
            kiosk.save(update_fields=["revoked_at", "revoked_by", "code_digest"])
            audit.record(actor, "kiosk_revoked", kiosk)
    return kiosk
