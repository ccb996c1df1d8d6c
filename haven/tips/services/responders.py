"""The responders' work on a tip: open, acknowledge, triage, message, assign, link, close,
reopen, legal hold."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.access import policy
from haven.access.policy import Perm
from haven.audit import services as audit
from haven.notify import services as notify
from haven.tips.models import (
    Disposition,
    Message,
    Status,
    Tip,
)
from haven.tips.services.retention import retention_days
from haven.tips.services.submission import MAX_MESSAGE, clean_text

if TYPE_CHECKING:
    from haven.accounts.models import User


def may_work_on(user: User, tip: Tip) -> bool:
    return policy.visible_to(user, Tip).filter(pk=tip.pk).exists()


def _require_tip(user: User, tip: Tip) -> None:
    if not may_work_on(user, tip):
        raise PermissionDenied(_("You cannot work on this tip."))


def open_tip(user: User, tip: Tip) -> None:
    """Record that a responder read the tip."""
    audit.record(user, "view", tip)


def listed(user: User, tips: Iterable[Tip | int], school: Any = None) -> None:
    """Record that a responder saw a list of tips (the inbox, the API list): which ones, not what
    they said."""
    ids = [getattr(t, "pk", t) for t in tips]
    audit.record(
        user,
        "list",
        ("tips.tip", ""),
        detail={"tips": ids},
        school_id=getattr(school, "pk", school),
    )


def reveal_contact(user: User, tip: Tip) -> dict[str, str] | None:
    """A confidential reporter's identity, for the tip's responders only; every reveal is logged."""
    _require_tip(user, tip)
    audit.record(user, "view", tip, compartment="reporter_identity")
    return tip.contact


def acknowledge(user: User, tip: Tip) -> Tip:
    _require_tip(user, tip)
    with transaction.atomic():
        tip = Tip.objects.select_for_update().get(pk=tip.pk)
        if tip.status != Status.NEW:
            return tip
        now = timezone.now()
        tip.status, tip.acknowledged_at, tip.acknowledged_by, tip.ack_deadline = (
            Status.ACKNOWLEDGED,
            now,
            user,
            None,
        )
        tip.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "ack_deadline"])
        audit.record(user, "update", tip, detail={"status": "acknowledged"})
    return tip


def mark_triaged(user: User, tip: Tip) -> Tip:
    _require_tip(user, tip)
    with transaction.atomic():
        tip = acknowledge(user, tip)
        if tip.status in (Status.ACKNOWLEDGED,):
            tip.status, tip.triaged_at = Status.TRIAGED, timezone.now()
            tip.save(update_fields=["status", "triaged_at"])
            audit.record(user, "update", tip, detail={"status": "triaged"})
    return tip


def close(user: User, tip: Tip, disposition: str) -> Tip:
    """Close the tip with how it ended (a prank or unfounded tip is closed as such). Closing a
    closed tip only changes its disposition: when it was closed, and so its retention, stay."""
    _require_tip(user, tip)
    if disposition not in Disposition.values:
        raise ValidationError({"disposition": _("Choose how the tip ended.")})
    with transaction.atomic():
        tip = acknowledge(user, tip)
        if tip.status == Status.CLOSED:
            if tip.disposition != disposition:
                tip.disposition = disposition
                tip.save(update_fields=["disposition"])
                audit.record(user, "update", tip, detail={"disposition": disposition})
            return tip
        now = timezone.now()
        tip.status, tip.disposition, tip.closed_at, tip.closed_by = (
            Status.CLOSED,
            disposition,
            now,
            user,
        )
        tip.purge_after = now + timedelta(days=retention_days(tip))
        tip.save(update_fields=["status", "disposition", "closed_at", "closed_by", "purge_after"])
        audit.record(user, "update", tip, detail={"status": "closed", "disposition": disposition})
    return tip


def reopen(user: User, tip: Tip) -> Tip:
    """Bring a closed tip back to work (as triaged); it no longer counts towards the purge."""
    _require_tip(user, tip)
    with transaction.atomic():
        tip = Tip.objects.select_for_update().get(pk=tip.pk)
        if tip.status != Status.CLOSED:
            return tip
        tip.status, tip.disposition, tip.closed_at, tip.closed_by, tip.purge_after = (
            Status.TRIAGED,
            "",
            None,
            None,
            None,
        )
        tip.save(update_fields=["status", "disposition", "closed_at", "closed_by", "purge_after"])
        audit.record(user, "update", tip, detail={"status": "reopened"})
    return tip


def staff_message(
    user: User, tip: Tip, body: str, *, internal: bool = False, signed: bool = False
) -> Message:
    """A question or answer to the reporter, or (internal) a note among responders."""
    _require_tip(user, tip)
    errors: dict[str, str] = {}
    text = clean_text(body, "body", MAX_MESSAGE, errors, required=True)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if not internal:
            acknowledge(user, tip)
        message = Message.objects.create(
            tip=tip,
            sender=Message.Sender.STAFF,
            author=user,
            body=text,
            internal=internal,
            signed=signed and not internal,
            created_at=timezone.now(),
        )
        if not internal:
            Tip.objects.filter(pk=tip.pk).update(reporter_unread=True)
        audit.record(
            user,
            "create",
            message,
            detail={"tip": tip.pk, "internal": internal},
            school_id=tip.school_id,
        )
    return message


def assign(user: User, tip: Tip, assignees: list[Any]) -> None:
    _require_tip(user, tip)
    allowed = [a for a in assignees if policy.visible_to(a, Tip).filter(pk=tip.pk).exists()]
    if len(allowed) != len(assignees):
        raise ValidationError(
            {"assignees": _("Only people who may respond to this tip can be assigned.")}
        )
    with transaction.atomic():
        tip.assignees.set(allowed)
        audit.record(user, "update", tip, detail={"assignees": sorted(a.pk for a in allowed)})
        notify.send(
            [a for a in allowed if a != user],
            kind="tip_assigned",
            title=_("Tip #%(id)d was assigned to you") % {"id": tip.pk},
            url=reverse("tips:detail", args=[tip.pk]),
        )


def link(user: User, tip: Tip, other: Tip) -> None:
    _require_tip(user, tip)
    _require_tip(user, other)
    if tip.pk == other.pk:
        raise ValidationError({"related": _("A tip cannot be linked to itself.")})
    with transaction.atomic():
        tip.related.add(other)
        audit.record(user, "update", tip, detail={"linked": other.pk})


def set_legal_hold(user: User, tip: Tip, hold: bool) -> None:
    _require_tip(user, tip)
    if not policy.has_perm(user, Perm.LEGAL_HOLD, tip.school_id or None):
        raise PermissionDenied(_("Only administrators place or lift a legal hold."))
    with transaction.atomic():
        Tip.objects.filter(pk=tip.pk).update(legal_hold=hold)
        tip.legal_hold = hold
        audit.record(user, "update", tip, detail={"legal_hold": hold})
