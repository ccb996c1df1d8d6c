"""When the database (or the task queue) is busy, locked, full or gone.

* :func:`short_lock_wait`: a write that may be skipped (a token's ``last_used_at``) waits for a
  lock a moment only, instead of SQLite's busy timeout (20 s) or PostgreSQL's (none).
* :data:`UNAVAILABLE`: the exceptions that mean "try again later", not "a bug": the 503 guard
  (:class:`haven.core.middleware.UnavailableMiddleware`) answers them with a clear 503.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import OperationalError, connections, transaction


def _optional(module: str, name: str) -> tuple[type[BaseException], ...]:
    try:
        found = __import__(module, fromlist=[name])
        return (getattr(found, name),)
    except (ImportError, AttributeError):
        return ()


# Django's own (the ORM wraps the driver's), the drivers' raw ones (a task queue on SQLite, code
# that talks to the driver directly) and Redis's (the task queue and cache in production).
UNAVAILABLE: tuple[type[BaseException], ...] = (
    OperationalError,
    sqlite3.OperationalError,
    *_optional("psycopg", "OperationalError"),
    *_optional("redis.exceptions", "ConnectionError"),
    *_optional("redis.exceptions", "TimeoutError"),
    *_optional("redis.exceptions", "BusyLoadingError"),
)


@contextmanager
def short_lock_wait(seconds: float = 1.0, using: str = "default") -> Iterator[None]:
    """Inside, a statement waits at most ``seconds`` for a lock, then fails (OperationalError)."""
    connection = connections[using]
    millis = max(1, int(seconds * 1000))
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout")
            waited = int(cursor.fetchone()[0])
            cursor.execute(f"PRAGMA busy_timeout = {millis}")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout = {waited}")
    elif connection.vendor == "postgresql":
        outer = connection.in_atomic_block
        previous = ""
        if outer:
            with connection.cursor() as cursor:
                cursor.execute("SHOW lock_timeout")
                previous = cursor.fetchone()[0]
        with transaction.atomic(using=using):
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = %s", [f"{millis}ms"])
            yield
        if outer:  # SET LOCAL lasts to the end of the outer transaction: put it back
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = %s", [previous])
    else:
        yield
