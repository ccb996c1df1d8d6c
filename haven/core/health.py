"""What ``/healthz`` reports: the parts Haven's safety depends on, for a monitoring tool.

* ``database``: a query answers.
* ``redis`` (when ``REDIS_URL`` is set): a PING answers within a second.
* ``worker``: the age of the newest worker heartbeat (:mod:`haven.notify.worker`); down when it is
  older than ``HAVEN_WORKER_STALE_SECONDS``, or never seen where a worker is required
  (``HAVEN_REQUIRE_WORKER``, the default in production).
* ``deliveries``: how many outbox rows are still owed and the age of the oldest, and how many gave
  up. Reported, not a reason for 503 by itself: a mail server that is down is the mail server's
  outage, and the backlog is delivered when it returns.

Any part down makes the answer 503, so a monitor pages someone; the body says which.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.db import connection

log = logging.getLogger(__name__)

_redis: dict[str, Any] = {}
_redis_lock = threading.Lock()


def _database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "vendor": connection.vendor}


def _redis_client() -> Any:
    import redis

    with _redis_lock:
        client = _redis.get(settings.REDIS_URL)
        if client is None:
            client = _redis[settings.REDIS_URL] = redis.Redis.from_url(
                settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1
            )
        return client


def _redis_check() -> dict[str, Any] | None:
    if not settings.REDIS_URL:
        return None
    try:
        _redis_client().ping()
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def _worker(database_ok: bool) -> dict[str, Any]:
    from haven.notify.worker import heartbeat_age

    if not database_ok:
        return {"ok": False, "error": "database unavailable"}
    age = heartbeat_age()
    stale = settings.HAVEN_WORKER_STALE_SECONDS
    if age is None:
        return {"ok": not settings.HAVEN_REQUIRE_WORKER, "heartbeat_age_seconds": None}
    return {"ok": age <= stale, "heartbeat_age_seconds": round(age, 1), "stale_after": stale}


def _deliveries(database_ok: bool) -> dict[str, Any]:
    from haven.notify import outbox
    from haven.notify.models import Outbox

    if not database_ok:
        return {"ok": True, "error": "database unavailable"}
    owed = Outbox.objects.filter(status__in=[Outbox.Status.PENDING, Outbox.Status.SENDING])
    oldest = outbox.oldest_undelivered_age()
    return {
        "ok": True,
        "undelivered": owed.count(),
        "oldest_undelivered_age_seconds": None if oldest is None else round(oldest, 1),
        "failed": Outbox.objects.filter(status=Outbox.Status.FAILED).count(),
    }


def report() -> tuple[bool, dict[str, Any]]:
    """(everything safety depends on is up, the report)."""
    parts: dict[str, Any] = {"database": _database()}
    redis_part = _redis_check()
    if redis_part is not None:
        parts["redis"] = redis_part
    database_ok = parts["database"]["ok"]
    try:
        parts["worker"] = _worker(database_ok)
        parts["deliveries"] = _deliveries(database_ok)
    except Exception as exc:  # tables missing before the first migration, a lock …
        parts["worker"] = {"ok": False, "error": type(exc).__name__}
    ok = all(part["ok"] for part in parts.values())
    if not ok:
        log.warning("health check: %s", {k: v for k, v in parts.items() if not v["ok"]})
    return ok, {"status": "ok" if ok else "unavailable", **parts}
