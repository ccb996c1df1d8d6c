"""State changes of the access policy: break-glass grants."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.access import policy
from haven.access.models import BreakGlassGrant, Compartment
from haven.accounts.models import User
from haven.audit import services as audit
from haven.notify import services as notify

MIN_REASON_LENGTH = 15


def break_glass(
    user: User, obj: Any, compartment: str, reason: str, minutes: int | None = None
) -> BreakGlassGrant:
    """Open ``compartment`` of ``obj`` to ``user`` at once, for a limited time, because a life may
    be at risk. The reason is required; the grant is audited and the compartment's owners and the
    auditors are told."""
    try:
        compartment = Compartment(compartment)
    except ValueError as exc:
        raise ValidationError({"compartment": _("Unknown compartment.")}) from exc
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError(
            {
                "reason": _("Say why this is an emergency (at least %(n)d characters).")
                % {"n": MIN_REASON_LENGTH}
            }
        )
    if not policy.may_break_glass(user, obj, compartment):
        raise PermissionDenied(_("You cannot open this compartment."))
    lifetime = timedelta(minutes=minutes or settings.HAVEN_BREAK_GLASS_MINUTES)
    with transaction.atomic():
        now = timezone.now()
        grant = BreakGlassGrant.objects.create(
            user=user,
            compartment=compartment,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            school_id=obj.school_id,
            reason=reason,
            granted_at=now,
            expires_at=now + lifetime,
        )
        audit.record(
            user,
            "break_glass",
            obj,
            compartment=compartment,
            reason=reason,
            detail={"grant": grant.pk, "expires_at": grant.expires_at.isoformat()},
        )
        recipients = (
            policy.compartment_owners(obj, compartment) | policy.auditors(obj.school)
        ).exclude(pk=user.pk)
        notify.send(
            recipients.distinct(),
            kind="break_glass",
            title=_("Emergency access to a %(compartment)s record")
            % {"compartment": compartment.label},
            body=_(
                "%(user)s opened the %(compartment)s record of %(object)s until %(until)s. "
                "Reason: %(reason)s"
            )
            % {
                "user": user.get_username(),
                "compartment": compartment.label,
                "object": f"{obj._meta.verbose_name} #{obj.pk}",
                "until": timezone.localtime(grant.expires_at).strftime("%H:%M"),
                "reason": reason,
            },
        )
    return grant


def revoke_break_glass(user: User, grant: BreakGlassGrant) -> None:
    with transaction.atomic():
        grant.revoked_at = timezone.now()
        grant.save(update_fields=["revoked_at"])
        audit.record(user, "update", grant, compartment=grant.compartment, detail={"revoked": True})
