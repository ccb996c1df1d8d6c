"""Writing and checking the audit log. Everything that reads or writes a sensitive record calls
:func:`record` inside the same transaction as the change it describes."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from haven.audit.models import AuditEvent, ChainHead
from haven.core import crypto

GENESIS = "0" * 64


def _canonical(event: AuditEvent) -> bytes:
    payload = {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "compartment": event.compartment,
        "school_id": event.school_id,
        "reason": event.reason,
        "detail": event.detail,
        "prev": event.prev_digest,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()


def compute_digest(event: AuditEvent) -> str:
    return hmac.new(crypto.audit_key(), _canonical(event), hashlib.sha256).hexdigest()


def _describe(obj: Any) -> tuple[str, str, int | None]:
    if obj is None:
        return "", "", None
    if isinstance(obj, models.Model):
        school_id = getattr(obj, "school_id", None)
        if school_id is None and obj._meta.label_lower == "core.school":
            school_id = obj.pk
        return obj._meta.label_lower, str(obj.pk), school_id
    if isinstance(obj, tuple):  # ("app.model", id) for things referred to without loading them
        return str(obj[0]), str(obj[1]), None
    raise TypeError(f"cannot audit {type(obj).__name__}")


def record(
    actor: Any,
    action: str,
    obj: Any = None,
    *,
    compartment: str = "",
    reason: str = "",
    detail: dict[str, Any] | None = None,
    school_id: int | None = None,
) -> AuditEvent:
    """Append one event to the chain. ``actor`` is a user, or None for the system.

    Never put the content of a sensitive record into ``detail``: the log says who touched what,
    not what it said.
    """
    object_type, object_id, obj_school = _describe(obj)
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        head, _ = ChainHead.objects.select_for_update().get_or_create(id=1)
        event = AuditEvent(
            seq=head.seq + 1,
            at=timezone.now(),
            actor=user,
            actor_label=user.get_username() if user else "system",
            action=action,
            object_type=object_type,
            object_id=object_id,
            compartment=compartment,
            school_id=school_id if school_id is not None else obj_school,
            reason=reason,
            detail=detail or {},
            prev_digest=head.digest,
        )
        event.digest = compute_digest(event)
        event.save()
        head.seq, head.digest = event.seq, event.digest
        head.save(update_fields=["seq", "digest"])
    return event


@dataclass(frozen=True)
class Break:
    seq: int
    problem: str


def verify(chunk: int = 2000) -> Iterator[Break]:
    """Walk the chain in order and yield every place where it is broken (none if intact)."""
    expected_seq, prev = 1, GENESIS
    last_seq = 0
    queryset = AuditEvent.objects.order_by("seq")
    for event in queryset.iterator(chunk_size=chunk):
        if event.seq != expected_seq:
            yield Break(expected_seq, f"event #{expected_seq} is missing (next is #{event.seq})")
        if event.prev_digest != prev:
            yield Break(event.seq, f"event #{event.seq} does not follow the event before it")
        elif not hmac.compare_digest(compute_digest(event), event.digest):
            yield Break(event.seq, f"event #{event.seq} was altered after it was written")
        prev, expected_seq, last_seq = event.digest, event.seq + 1, event.seq
    head = ChainHead.objects.filter(id=1).first()
    if head is not None and (head.seq != last_seq or head.digest != prev):
        yield Break(last_seq + 1, f"the log ends at #{last_seq} but #{head.seq} was written")
