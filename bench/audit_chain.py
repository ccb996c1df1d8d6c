"""What the audit chain costs: appending N events through ``record()`` (lock the head, HMAC, insert,
move the head; one transaction each) against a baseline of inserting N rows of the same table
without chaining (one transaction each), in the same process — a ratio — and how fast
``verify()`` walks a longer chain (events/s).

Runs standalone on a fresh SQLite database in a temporary data directory (never a configured
server): ``python bench/audit_chain.py [--events N] [--verify-events M]``. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path


def setup(data_dir: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "haven.settings"
    os.environ["HAVEN_ENV"] = "development"
    os.environ["HAVEN_DATA_DIR"] = data_dir
    os.environ["DATABASE_URL"] = ""  # the embedded default, whatever the environment says
    os.environ["REDIS_URL"] = ""
    os.environ["HAVEN_AUDIT_KEY"] = "bench-audit-key-" + secrets.token_hex(16)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


def append_chain(count: int) -> float:
    from haven.audit import services

    started = time.perf_counter()
    for n in range(count):
        services.record(None, "view", ("cases.case", str(n)), detail={"n": n})
    return time.perf_counter() - started


def extend_chain(count: int) -> None:
    """Add ``count`` valid events quickly (bulk), so that verify has a longer chain to walk."""
    from django.db import transaction
    from django.utils import timezone

    from haven.audit import services
    from haven.audit.models import AuditEvent, ChainHead

    with transaction.atomic():
        head = ChainHead.objects.select_for_update().get()
        batch = []
        for n in range(count):
            event = AuditEvent(
                seq=head.seq + 1,
                at=timezone.now(),
                actor_label="system",
                action="view",
                object_type="cases.case",
                object_id=str(n),
                detail={"n": n},
                prev_digest=head.digest,
            )
            event.digest = services.compute_digest(event)
            head.seq, head.digest = event.seq, event.digest
            batch.append(event)
        AuditEvent.objects.bulk_create(batch, batch_size=1000)
        head.save()


def verify_chain() -> tuple[float, int, bool]:
    from haven.audit import services

    best, events, intact = float("inf"), 0, True
    for _ in range(3):
        started = time.perf_counter()
        walk = services.verify()
        intact = not list(walk) and intact
        best = min(best, time.perf_counter() - started)
        events = walk.events
    return best, events, intact


def baseline(count: int, first_seq: int = 10**12) -> float:
    """The same table, the same columns, one transaction per row, but no head, lock or HMAC."""
    from django.db import transaction
    from django.utils import timezone

    from haven.audit.models import AuditEvent

    started = time.perf_counter()
    for n in range(count):
        with transaction.atomic():
            AuditEvent.objects.create(
                seq=first_seq + n,
                at=timezone.now(),
                actor_label="system",
                action="view",
                object_type="cases.case",
                object_id=str(n),
                detail={"n": n},
                prev_digest="0" * 64,
                digest=secrets.token_hex(32),
            )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--verify-events", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="haven-bench-") as data_dir:
        setup(data_dir)
        from django.db import connection

        append_chain(20)  # warm up (first queries, caches) before timing
        chained = append_chain(args.events)
        extend_chain(max(args.verify_events - args.events - 20, 0))
        verify_seconds, verified, intact = verify_chain()
        # The baseline rows sit outside the chain, so they are added after the verify.
        baseline(20, first_seq=10**11)
        plain = baseline(args.events)
        result = {
            "bench": "audit_chain",
            "database": connection.vendor,
            "events": args.events,
            "append_per_s": round(args.events / chained, 1),
            "baseline_insert_per_s": round(args.events / plain, 1),
            "append_vs_baseline": round(plain / chained, 3),
            "verify_events": verified,
            "verify_per_s": round(verified / verify_seconds, 1),
            "intact": intact,
        }
        connection.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
