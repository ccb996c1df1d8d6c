"""Writing and checking the audit log. Everything that reads or writes a sensitive record calls
:func:`record` inside the same transaction as the change it describes.

How the log resists tampering, and where that stops:

* Each event's ``digest`` is an HMAC-SHA-256, keyed by ``HAVEN_AUDIT_KEY``, over its content and the
  previous event's digest. Editing, deleting, inserting or reordering events breaks the chain at
  that event, and someone with database access but not the key cannot recompute it (a plain SHA-256
  chain could simply be recomputed).
* Database triggers (migration 0002, :mod:`haven.audit.triggers`) refuse UPDATE, DELETE and TRUNCATE
  on the log and moving the chain head backwards. They stop the application and casual edits; an
  attacker who owns the database can drop them, which the chain then reveals.
* The ``ChainHead`` row records the last event, so deleting events from the end of the log is
  caught too — unless the attacker also rewinds ``ChainHead`` to the new last event (its digest is a
  genuine one). That is why ``haven audit verify --json`` prints the head's sequence number and
  digest: operators record it somewhere the database's attacker cannot reach (a ticket, a printout,
  another system), and ``haven audit verify --anchor SEQ:DIGEST`` later fails if event SEQ is not
  the one recorded. The same anchors bound the damage if the HMAC key itself leaks.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from haven.audit.models import AuditEvent, ChainHead
from haven.core import crypto

GENESIS = "0" * 64

# The fields an event's digest covers, in the order verify() reads them.
_CHAINED = (
    "seq",
    "at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "compartment",
    "school_id",
    "reason",
    "detail",
    "prev_digest",
)


def _canonical(values: Mapping[str, Any]) -> bytes:
    at: datetime = values["at"]
    payload = {
        "seq": values["seq"],
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": values["actor_id"],
        "actor_label": values["actor_label"],
        "action": values["action"],
        "object_type": values["object_type"],
        "object_id": values["object_id"],
        "compartment": values["compartment"],
        "school_id": values["school_id"],
        "reason": values["reason"],
        "detail": values["detail"],
        "prev": values["prev_digest"],
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def _digest(key: bytes, values: Mapping[str, Any]) -> str:
    return hmac.new(key, _canonical(values), hashlib.sha256).hexdigest()


def compute_digest(event: AuditEvent, key: bytes | None = None) -> str:
    """The HMAC that ``event`` should carry (with the configured audit key unless one is given)."""
    values = {name: getattr(event, name) for name in _CHAINED}
    return _digest(crypto.audit_key() if key is None else key, values)


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
    not what it said. ``detail`` must be JSON data; it is stored as it will read back (tuples become
    lists), so the digest covers exactly what is stored.
    """
    object_type, object_id, obj_school = _describe(obj)
    user = actor if getattr(actor, "is_authenticated", False) else None
    stored_detail = json.loads(json.dumps(detail or {}))
    with transaction.atomic():
        # The lock on the head row serialises appends (PostgreSQL: FOR UPDATE; SQLite: IMMEDIATE
        # transactions take the write lock at BEGIN), so each event follows the one before it.
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
            detail=stored_detail,
            prev_digest=head.digest,
        )
        event.digest = compute_digest(event)
        event.save(force_insert=True)
        head.seq, head.digest = event.seq, event.digest
        head.save(update_fields=["seq", "digest"])
    return event


@dataclass(frozen=True)
class Break:
    seq: int
    problem: str


class Verification:
    """An iterator over the places where the chain is broken (none if it is intact), which also
    counts what it walked: after the iteration, ``events`` is the number of events read and
    ``head_seq``/``head_digest`` are the last event's (what an operator records as an anchor).
    """

    def __init__(self, chunk: int = 2000, anchors: Mapping[int, str] | None = None) -> None:
        self.chunk = chunk
        self.anchors = dict(anchors or {})
        self.events = 0
        self.head_seq = 0
        self.head_digest = GENESIS
        self._breaks = self._walk()

    def __iter__(self) -> Verification:
        return self

    def __next__(self) -> Break:
        return next(self._breaks)

    def _rows(self, after: int, upto: int | None = None) -> Iterator[dict[str, Any]]:
        queryset = AuditEvent.objects.filter(seq__gt=after)
        if upto is not None:
            queryset = queryset.filter(seq__lte=upto)
        names = (*_CHAINED, "digest")
        for row in queryset.order_by("seq").values_list(*names).iterator(chunk_size=self.chunk):
            yield dict(zip(names, row, strict=True))

    def _walk(self) -> Iterator[Break]:
        key = crypto.audit_key()
        expected, prev = 1, GENESIS
        anchors = self.anchors

        def check(rows: Iterator[dict[str, Any]]) -> Iterator[Break]:
            nonlocal expected, prev
            for row in rows:
                seq = row["seq"]
                if seq != expected:
                    yield Break(expected, _missing(expected, seq))
                elif row["prev_digest"] != prev:
                    yield Break(seq, f"event #{seq} does not follow the event before it")
                if not hmac.compare_digest(_digest(key, row), row["digest"]):
                    yield Break(seq, f"event #{seq} was altered after it was written")
                if seq in anchors and not hmac.compare_digest(anchors[seq], row["digest"]):
                    yield Break(seq, f"event #{seq} is not the one anchored (digest differs)")
                prev, expected = row["digest"], seq + 1
                self.events += 1
                self.head_seq, self.head_digest = seq, prev

        yield from check(self._rows(0))
        # Read the head after the walk: it is then at or past the last event walked. If it moved
        # on (appends while we walked), walk up to it: those events are committed by now.
        head = ChainHead.objects.filter(id=1).first()
        if head is not None and head.seq > self.head_seq:
            yield from check(self._rows(self.head_seq, head.seq))
        last = self.head_seq
        if head is None:
            if last:
                yield Break(last, "the chain head record is missing")
        elif head.seq > last:
            yield Break(last + 1, _missing(last + 1, None, head.seq))
        elif head.seq < last:
            yield Break(head.seq + 1, f"the log continues past the chain head (#{head.seq})")
        elif not hmac.compare_digest(head.digest, self.head_digest):
            yield Break(last, f"event #{last} is not the one the chain head records")
        for seq in sorted(s for s in anchors if s > last):
            yield Break(seq, f"anchored event #{seq} is missing (the log ends at #{last})")


def _missing(seq: int, next_seq: int | None, head_seq: int | None = None) -> str:
    if next_seq is not None:
        return f"event #{seq} is missing (the next is #{next_seq})"
    return f"event #{seq} is missing (the log ends at #{seq - 1} but #{head_seq} was written)"


def verify(chunk: int = 2000, anchors: Mapping[int, str] | None = None) -> Verification:
    """Walk the chain in order, streaming, and yield every place where it is broken (none if
    intact). ``anchors`` maps sequence numbers to digests recorded elsewhere."""
    return Verification(chunk=chunk, anchors=anchors)
