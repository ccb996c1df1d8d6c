"""The transactional outbox: every delivery that must reach a person is owed in the event's own
transaction and delivered at least once, whatever fails in between.

* :func:`owe` writes an :class:`~haven.notify.models.Outbox` row inside the caller's transaction
  (a tip, an incident, an escalation): if the event is stored, so is what it owes; if it rolls
  back, nothing is owed.
* When the transaction commits, :func:`kick` asks the worker to deliver at once (through Huey).
  Asking can fail — Redis down, the queue's SQLite file on a full disk — and that never reaches the
  request: it is logged and left to the sweep.
* :func:`deliver` claims a row for a while (a lease: ``HAVEN_DELIVERY_LEASE_SECONDS``), runs the
  handler registered for its kind and marks it done. A failure puts it back with exponential
  back-off until ``HAVEN_DELIVERY_ATTEMPTS``; then it is ``failed`` (``haven deliveries`` lists
  it). A process killed mid-send leaves the row claimed: when the lease runs out, the sweep sends it
  again. That is *at least once*; each row has a ``key`` that travels with it where the channel
  carries one (an e-mail's Message-ID), so a receiver can tell a resend.
* A handler that only writes to the database (``transactional=True``, e.g. creating an alert's
  notifications) runs in the same transaction as its row's "done": it happens exactly once.
* :func:`sweep` delivers everything due — and runs the sweeps other apps registered — every
  ``HAVEN_SWEEP_SECONDS`` in the worker's own loop (:mod:`haven.notify.worker`: it needs no
  Redis) and every minute from Huey's scheduler.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from haven.notify.models import Outbox

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 15 * 60
KEEP_DONE = timedelta(days=30)


@dataclass(frozen=True)
class Handler:
    deliver: Callable[[Outbox], None]
    transactional: bool


_handlers: dict[str, Handler] = {}
_sweeps: list[Callable[[], Any]] = []


def handler(kind: str, *, transactional: bool = False) -> Callable:
    """Register the function that delivers rows of ``kind`` (it raises to ask for a retry)."""

    def register(fn: Callable[[Outbox], None]) -> Callable[[Outbox], None]:
        _handlers[kind] = Handler(fn, transactional)
        return fn

    return register


def also_sweep(fn: Callable[[], Any]) -> Callable[[], Any]:
    """Register another app's sweep (its own delivery rows) to run with this one."""
    if fn not in _sweeps:
        _sweeps.append(fn)
    return fn


_reports: list[Callable[[bool, int], list[str]]] = []


def also_report(fn: Callable[[bool, int], list[str]]) -> Callable[[bool, int], list[str]]:
    """Register another app's lines for ``haven deliveries`` (``fn(everything, limit)``)."""
    if fn not in _reports:
        _reports.append(fn)
    return fn


def reports() -> list[Callable[[bool, int], list[str]]]:
    return list(_reports)


def _handler(kind: str) -> Handler | None:
    if kind not in _handlers:
        autodiscover_modules("tasks")  # handlers live in the apps' tasks modules
    return _handlers.get(kind)


# --- owing ----------------------------------------------------------------------------------------


def owe(kind: str, key: str, args: dict[str, Any] | None = None) -> Outbox:
    """Owe one delivery (inside the event's transaction); delivered once it commits."""
    return owe_many([(kind, key, args or {})])[0]


def owe_many(items: Iterable[tuple[str, str, dict[str, Any]]]) -> list[Outbox]:
    rows = Outbox.objects.bulk_create(
        [Outbox(kind=kind, key=key[:200], args=args) for kind, key, args in items],
        batch_size=500,
    )
    ids = [row.pk for row in rows]
    if ids:
        transaction.on_commit(lambda: kick(ids))
    return rows


def kick(ids: list[int]) -> None:
    """Ask the worker to deliver these rows now. Never raises: what cannot be queued is logged and
    left to the sweep (the rows are already stored)."""
    try:
        from haven.notify.tasks import deliver_outbox

        deliver_outbox(ids)
    except Exception as exc:
        log.warning(
            "could not queue %d deliveries (%s: %s); the sweep will deliver them",
            len(ids),
            type(exc).__name__,
            exc,
        )


# --- delivering -----------------------------------------------------------------------------------


def backoff(attempts: int) -> int:
    """Seconds before the next attempt after ``attempts`` failed ones: doubling, at most 15 min."""
    base = max(1, settings.HAVEN_DELIVERY_RETRY_SECONDS)
    return int(min(base * 2 ** max(0, attempts - 1), MAX_BACKOFF_SECONDS))


def _claimable(now: Any) -> Q:
    return Q(status=Outbox.Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Outbox.Status.SENDING, claimed_until__lt=now
    )


def due() -> QuerySet[Outbox]:
    return Outbox.objects.filter(_claimable(timezone.now()))


def deliver(ids: Iterable[int]) -> int:
    """Deliver each row that is due and not claimed by another process; returns how many were
    delivered now."""
    return sum(deliver_one(pk) for pk in ids)


def deliver_one(pk: int) -> bool:
    now = timezone.now()
    lease = now + timedelta(seconds=settings.HAVEN_DELIVERY_LEASE_SECONDS)
    claimed = Outbox.objects.filter(_claimable(now), pk=pk).update(
        status=Outbox.Status.SENDING, attempts=F("attempts") + 1, claimed_until=lease
    )
    if not claimed:
        return False  # done, failed, not yet due, or another process has it
    entry = Outbox.objects.get(pk=pk)
    found = _handler(entry.kind)
    try:
        if found is None:
            raise LookupError(f"no handler for {entry.kind!r}")
        if found.transactional:
            with transaction.atomic():
                found.deliver(entry)
                _mark_done(entry)
        else:
            found.deliver(entry)
            _mark_done(entry)
    except Exception as exc:
        _mark_failed(entry, exc)
        return False
    return True


def _mine(entry: Outbox) -> QuerySet[Outbox]:
    # Still this attempt's claim (a process whose lease ran out must not overwrite a later one).
    return Outbox.objects.filter(pk=entry.pk, status=Outbox.Status.SENDING, attempts=entry.attempts)


def _mark_done(entry: Outbox) -> None:
    _mine(entry).update(
        status=Outbox.Status.DONE, done_at=timezone.now(), claimed_until=None, last_error=""
    )


def _mark_failed(entry: Outbox, exc: Exception) -> None:
    error = f"{type(exc).__name__}: {exc}"[:500]
    final = entry.attempts >= settings.HAVEN_DELIVERY_ATTEMPTS
    delay = backoff(entry.attempts)
    log.warning(
        "delivery %s (%s) attempt %d failed: %s%s",
        entry.pk,
        entry.kind,
        entry.attempts,
        error,
        "; giving up" if final else f"; next attempt in {delay} s",
    )
    try:
        _mine(entry).update(
            status=Outbox.Status.FAILED if final else Outbox.Status.PENDING,
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
            claimed_until=None,
            last_error=error,
        )
    except Exception:  # the database itself failed: the lease runs out and the sweep retries
        log.warning("could not record the failure of delivery %s", entry.pk, exc_info=True)
        return
    if not final:
        try:
            from haven.notify.tasks import deliver_outbox

            deliver_outbox.schedule(([entry.pk],), delay=delay)
        except Exception as exc:  # the sweep retries it when it is due
            log.info("could not schedule the retry of delivery %s: %s", entry.pk, exc)


def sweep(limit: int = 500) -> int:
    """Deliver what is due (never attempted, waiting for a retry, or claimed by a process that
    died), then run the other apps' sweeps. Returns how many rows were delivered."""
    ids = list(due().order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    delivered = deliver(ids)
    forget_done()
    autodiscover_modules("tasks")
    for fn in list(_sweeps):
        try:
            fn()
        except Exception:
            log.warning("sweep %s failed", getattr(fn, "__name__", fn), exc_info=True)
    return delivered


def forget_done(limit: int = 1000) -> int:
    """Rows delivered more than ``KEEP_DONE`` ago are of no more use (the notifications and the
    alert deliveries keep their own record): removed a batch at a time."""
    old = Outbox.objects.filter(status=Outbox.Status.DONE, done_at__lt=timezone.now() - KEEP_DONE)
    ids = list(old.values_list("pk", flat=True)[:limit])
    return Outbox.objects.filter(pk__in=ids).delete()[0] if ids else 0


def retry_failed() -> int:
    """Put every failed row back in line (``haven deliveries --retry``)."""
    return Outbox.objects.filter(status=Outbox.Status.FAILED).update(
        status=Outbox.Status.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )


def undelivered() -> QuerySet[Outbox]:
    return Outbox.objects.exclude(status=Outbox.Status.DONE)


def oldest_undelivered_age() -> float | None:
    """Seconds since the oldest row still owed was written (None: nothing owed)."""
    oldest = (
        Outbox.objects.filter(status__in=[Outbox.Status.PENDING, Outbox.Status.SENDING])
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return None if oldest is None else (timezone.now() - oldest).total_seconds()
