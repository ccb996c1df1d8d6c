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

Each event carries its **district** (who may read it: :mod:`haven.access.policy.audit`), and the
digest covers it, so moving an event to another district's log breaks the chain like any edit.
Events written before districts were recorded were chained without one; migration 0005 filled in
their district from what they name (their school, the object's district, the actor's only
district, or the installation's only district). Their digests still verify — over the content they
were written with — so their district is not vouched for by the chain: :class:`Verification`
counts them (``unchained_districts``).

The ``reason`` is encrypted at rest, and the digest covers its plain text: re-encrypting it
(``haven keys rotate``) changes no digest, a replaced ciphertext is caught like any edit (it
decrypts to something else, or to nothing), and events written before the reason was encrypted
verify as before. An event without a reason stores NULL and is chained as an empty reason.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.db.models.functions import Cast
from django.utils import timezone

from haven.audit.models import AuditEvent, ChainHead
from haven.core import crypto

if TYPE_CHECKING:
    from haven.accounts.models import User

GENESIS = "0" * 64
_UNREADABLE: Any = object()

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


# Read back for verify(): the chained fields, the district (chained by events written since it
# was recorded) and the digest.
_READ = (*_CHAINED, "district_id", "digest")


def _canonical(values: Mapping[str, Any], district: bool = True) -> bytes:
    """The bytes an event's digest covers. ``district=False``: the form events were chained in
    before they recorded their district (only verify() uses it, for those events)."""
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
        "reason": values["reason"] or "",
        "detail": values["detail"],
        "prev": values["prev_digest"],
    }
    if district:
        payload["district"] = values["district_id"]
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def _digest(key: bytes, values: Mapping[str, Any], district: bool = True) -> str:
    return hmac.new(key, _canonical(values, district), hashlib.sha256).hexdigest()


def compute_digest(event: AuditEvent, key: bytes | None = None) -> str:
    """The HMAC that ``event`` should carry (with the configured audit key unless one is given)."""
    values = {name: getattr(event, name) for name in (*_CHAINED, "district_id")}
    return _digest(crypto.audit_key() if key is None else key, values)


def _describe(obj: Any) -> tuple[str, str, int | None, int | None]:
    """(object type, object id, school id, district id) of what an event is about."""
    if obj is None:
        return "", "", None, None
    if isinstance(obj, models.Model):
        label = obj._meta.label_lower
        school_id = getattr(obj, "school_id", None)
        district_id = getattr(obj, "district_id", None)
        if label == "core.school":
            school_id = obj.pk
        elif label == "core.district":
            district_id = obj.pk
        if district_id is None and school_id is not None:
            school = obj._state.fields_cache.get("school") if label != "core.school" else obj
            district_id = getattr(school, "district_id", None)
        return label, str(obj.pk), school_id, district_id
    if isinstance(obj, tuple):  # ("app.model", id) for things referred to without loading them
        return str(obj[0]), str(obj[1]), None, None
    raise TypeError(f"cannot audit {type(obj).__name__}")


def district_of(school_id: int | None, actor: User | None) -> int | None:
    """The district of an event that names no district itself: its school's; else the actor's,
    when all their roles are in one district; else the installation's, when it has only one
    (failed sign-ins of unknown names, jobs of the system). Otherwise none: such an event is in
    no district's log (``haven audit verify`` still walks it)."""
    from haven.core.models import District, School

    if school_id is not None:
        found = School.objects.filter(pk=school_id).values_list("district_id", flat=True).first()
        if found is not None:
            return found
    if actor is not None and actor.is_authenticated:
        from haven.access import policy

        districts = policy.districts_of(actor)
        if len(districts) == 1:
            return next(iter(districts))
    only = list(District.objects.values_list("pk", flat=True)[:2])
    return only[0] if len(only) == 1 else None


def record(
    actor: User | None,
    action: str,
    obj: Any = None,
    *,
    compartment: str = "",
    reason: str = "",
    detail: dict[str, Any] | None = None,
    school_id: int | None = None,
    district_id: int | None = None,
) -> AuditEvent:
    """Append one event to the chain. ``actor`` is a user, or None for the system.

    Never put the content of a sensitive record into ``detail``: the log says who touched what,
    not what it said. ``detail`` must be JSON data; it is stored as it will read back (tuples become
    lists), so the digest covers exactly what is stored.

    The event's district is ``district_id``, else the object's (its own, or its school's), else
    :func:`district_of` the school and the actor.
    """
    object_type, object_id, obj_school, obj_district = _describe(obj)
    user = actor if getattr(actor, "is_authenticated", False) else None
    school = school_id if school_id is not None else obj_school
    if district_id is None:
        district_id = obj_district if obj_district is not None else district_of(school, user)
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
            school_id=school,
            district_id=district_id,
            reason=reason or None,
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
        # Events chained before they recorded their district (their district is not vouched for).
        self.unchained_districts = 0
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
        names = _READ
        # The reason as stored (ciphertext), decrypted here so that one that no key opens is a
        # break in the chain, not a crash.
        columns = [Cast("reason", models.TextField()) if n == "reason" else n for n in names]
        reason_field = AuditEvent._meta.get_field("reason")
        rows = queryset.order_by("seq").values_list(*columns).iterator(chunk_size=self.chunk)
        for row in rows:
            values = dict(zip(names, row, strict=True))
            try:
                values["reason"] = reason_field.from_db_value(values["reason"], None, None)
            except crypto.InvalidToken:
                values["reason"] = _UNREADABLE
            yield values

    def _walk(self) -> Iterator[Break]:
        key = crypto.audit_key()
        expected, prev = 1, GENESIS
        anchors = self.anchors
        # Try first the form the event before used: old logs begin with events chained without
        # their district, and each form then holds for a long run.
        with_district = True

        def intact(row: dict[str, Any]) -> bool:
            nonlocal with_district
            for district in (with_district, not with_district):
                if hmac.compare_digest(_digest(key, row, district), row["digest"]):
                    with_district = district
                    if not district:
                        self.unchained_districts += 1
                    return True
            return False

        def check(rows: Iterator[dict[str, Any]]) -> Iterator[Break]:
            nonlocal expected, prev
            for row in rows:
                seq = row["seq"]
                if seq != expected:
                    yield Break(expected, _missing(expected, seq))
                elif row["prev_digest"] != prev:
                    yield Break(seq, f"event #{seq} does not follow the event before it")
                if row["reason"] is _UNREADABLE:
                    yield Break(seq, f"event #{seq}'s reason cannot be decrypted (altered?)")
                elif not intact(row):
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
