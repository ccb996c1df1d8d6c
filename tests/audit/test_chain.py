"""The audit chain: appends stay contiguous (also under concurrency), the database refuses edits,
and verify() finds every kind of tampering by someone with direct database access."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from haven.audit import services, triggers
from haven.audit.models import AuditEvent, ChainHead
from haven.audit.services import GENESIS

ON_POSTGRES = connection.vendor == "postgresql"
ALL_TRIGGERS_SQLITE = {
    "audit_auditevent_no_update",
    "audit_auditevent_no_delete",
    "audit_chainhead_forward_only",
    "audit_chainhead_no_delete",
}
ALL_TRIGGERS_POSTGRES = {
    "audit_auditevent_append_only",
    "audit_auditevent_no_truncate",
    "audit_chainhead_forward_only",
    "audit_chainhead_no_truncate",
}


def append(count: int) -> list[AuditEvent]:
    return [
        services.record(None, "view", ("cases.case", str(n)), detail={"n": n}) for n in range(count)
    ]


def as_attacker(sql: str, params: list | None = None) -> None:
    """Someone with direct database access: drop the triggers, then run SQL. (The test's
    transaction rolls the dropped triggers back afterwards.)"""
    triggers.remove(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def breaks() -> list[services.Break]:
    return list(services.verify())


# --- appending --------------------------------------------------------------------------------


def test_appends_form_a_contiguous_chain_that_verifies(db):
    events = append(5)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_digest == GENESIS
    assert all(b.prev_digest == a.digest for a, b in itertools.pairwise(events))
    head = ChainHead.objects.get()
    assert (head.seq, head.digest) == (5, events[-1].digest)
    walk = services.verify()
    assert list(walk) == []
    assert (walk.events, walk.head_seq, walk.head_digest) == (5, 5, events[-1].digest)


def test_digest_covers_exactly_what_is_stored(db):
    # A tuple in detail is stored as a list: the digest must be over the stored form.
    event = services.record(None, "export", ("cases.case", "7"), detail={"ids": (1, 2)})
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.detail == {"ids": [1, 2]}
    assert services.compute_digest(stored) == stored.digest
    assert breaks() == []


def test_digest_is_an_hmac_under_the_audit_key_not_a_plain_hash(db):
    (event,) = append(1)
    assert services.compute_digest(event, key=b"some other key") != event.digest
    plain = hashlib.sha256(services._canonical(vars(event))).hexdigest()
    assert plain != event.digest


def test_verify_walks_in_chunks_smaller_than_the_log(db):
    append(7)
    walk = services.verify(chunk=2)
    assert list(walk) == []
    assert walk.events == 7


def test_empty_log_is_intact(db):
    walk = services.verify()
    assert list(walk) == []
    assert (walk.events, walk.head_digest) == (0, GENESIS)


# --- the database refuses edits ---------------------------------------------------------------


def test_triggers_are_installed_by_the_migrations(db):
    expected = ALL_TRIGGERS_POSTGRES if ON_POSTGRES else ALL_TRIGGERS_SQLITE
    assert triggers.installed(connection) == expected


def test_database_refuses_to_update_an_event(db):
    append(2)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=1).update(reason="covering my tracks")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE audit_auditevent SET actor_label = 'someone' WHERE seq = 2")
    assert AuditEvent.objects.get(seq=1).reason is None  # no reason given: NULL


def test_database_refuses_to_delete_an_event(db):
    append(2)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=2).delete()
    assert AuditEvent.objects.count() == 2


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite has no TRUNCATE")
def test_database_refuses_to_truncate_the_log(db):
    append(1)
    connection.check_constraints()  # fire the deferred FK checks, which TRUNCATE would wait on
    for table in ("audit_auditevent", "audit_chainhead"):
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {table} CASCADE")
    assert AuditEvent.objects.count() == 1


def test_chain_head_moves_forward_but_never_back_and_is_never_deleted(db):
    append(3)
    head = ChainHead.objects.get()
    with pytest.raises(IntegrityError, match="only moves forward"), transaction.atomic():
        ChainHead.objects.filter(id=1).update(seq=2)
    with pytest.raises(IntegrityError, match="only moves forward"), transaction.atomic():
        ChainHead.objects.filter(id=1).update(digest="f" * 64)
    with pytest.raises(IntegrityError, match="only moves forward"), transaction.atomic():
        ChainHead.objects.filter(id=1).delete()
    assert (ChainHead.objects.get().seq, ChainHead.objects.get().digest) == (3, head.digest)
    append(1)  # and appending still moves it
    assert ChainHead.objects.get().seq == 4


def test_removing_the_triggers_allows_edits_and_installing_them_refuses_again(db):
    # What migration 0002 does forwards and backwards.
    append(1)
    triggers.remove(connection)
    assert triggers.installed(connection) == set()
    AuditEvent.objects.filter(seq=1).update(reason="allowed without triggers")
    triggers.install(connection)
    triggers.install(connection)  # idempotent
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.filter(seq=1).update(reason="refused again")


def test_flush_empties_the_log_and_puts_the_triggers_back(db):
    append(3)
    connection.check_constraints()  # PostgreSQL: no TRUNCATE while deferred FK checks are pending
    call_command("flush", interactive=False, verbosity=0)
    assert AuditEvent.objects.count() == 0
    assert not ChainHead.objects.exists()
    expected = ALL_TRIGGERS_POSTGRES if ON_POSTGRES else ALL_TRIGGERS_SQLITE
    assert triggers.installed(connection) == expected
    events = append(2)
    assert [e.seq for e in events] == [1, 2]
    assert breaks() == []


# --- tampering by someone with database access ------------------------------------------------


def test_an_edited_event_is_caught_at_that_event(db):
    append(5)
    as_attacker("UPDATE audit_auditevent SET actor_label = 'nobody' WHERE seq = 3")
    found = breaks()
    assert found[0] == services.Break(3, "event #3 was altered after it was written")
    assert len(found) == 1  # the events after it still link to its stored digest


def test_an_edited_detail_is_caught(db):
    append(3)
    as_attacker("UPDATE audit_auditevent SET detail = %s WHERE seq = 2", [json.dumps({"n": 99})])
    assert breaks()[0].seq == 2


def test_a_deleted_middle_event_is_caught(db):
    append(5)
    as_attacker("DELETE FROM audit_auditevent WHERE seq = 3")
    first = breaks()[0]
    assert first.seq == 3
    assert "missing" in first.problem


def test_two_swapped_events_are_caught_at_the_first_of_them(db):
    append(6)
    as_attacker("UPDATE audit_auditevent SET seq = 1000 WHERE seq = 2")
    as_attacker("UPDATE audit_auditevent SET seq = 2 WHERE seq = 4")
    as_attacker("UPDATE audit_auditevent SET seq = 4 WHERE seq = 1000")
    found = breaks()
    assert found[0].seq == 2
    assert {b.seq for b in found} >= {2, 4}


def test_a_truncated_tail_is_caught_by_the_chain_head(db):
    append(4)
    as_attacker("DELETE FROM audit_auditevent WHERE seq = 4")
    found = breaks()
    assert found == [
        services.Break(4, "event #4 is missing (the log ends at #3 but #4 was written)")
    ]


def test_a_rewound_chain_head_with_the_log_continuing_past_it_is_caught(db):
    append(4)
    event3 = AuditEvent.objects.get(seq=3)
    as_attacker("UPDATE audit_chainhead SET seq = 3, digest = %s", [event3.digest])
    assert breaks()[0].seq == 4


def test_a_tail_cut_together_with_the_head_is_caught_only_by_an_anchor(db):
    events = append(4)
    anchor = {4: events[-1].digest}
    as_attacker("DELETE FROM audit_auditevent WHERE seq = 4")
    as_attacker("UPDATE audit_chainhead SET seq = 3, digest = %s", [events[2].digest])
    assert breaks() == []  # the limit documented in haven.audit.services
    found = list(services.verify(anchors=anchor))
    assert found == [services.Break(4, "anchored event #4 is missing (the log ends at #3)")]


def test_an_anchor_with_another_digest_is_caught(db):
    append(3)
    assert list(services.verify(anchors={2: "a" * 64})) == [
        services.Break(2, "event #2 is not the one anchored (digest differs)")
    ]


def test_an_attacker_recomputing_the_chain_without_the_key_is_caught(db):
    """Rewrite event 2 and re-chain everything after it, with digests recomputed by someone who
    has the database but not HAVEN_AUDIT_KEY (a different key, or a plain SHA-256)."""
    append(4)
    prev = AuditEvent.objects.get(seq=1).digest
    for event in AuditEvent.objects.filter(seq__gte=2).order_by("seq"):
        event.actor_label = "someone else" if event.seq == 2 else event.actor_label
        event.prev_digest = prev
        canonical = services._canonical({**vars(event), "prev_digest": prev})
        forged = hmac.new(b"attacker's guess", canonical, hashlib.sha256).hexdigest()
        as_attacker(
            "UPDATE audit_auditevent SET actor_label = %s, prev_digest = %s, digest = %s "
            "WHERE seq = %s",
            [event.actor_label, prev, forged, event.seq],
        )
        prev = forged
    as_attacker("UPDATE audit_chainhead SET digest = %s", [prev])
    found = breaks()
    assert found[0] == services.Break(2, "event #2 was altered after it was written")
    assert [b.seq for b in found] == [2, 3, 4]


def test_a_missing_chain_head_with_events_is_caught(db):
    append(2)
    as_attacker("DELETE FROM audit_chainhead")
    assert breaks() == [services.Break(2, "the chain head record is missing")]


# --- concurrency ------------------------------------------------------------------------------


@pytest.mark.skipif(
    not ON_POSTGRES, reason="SQLite's in-memory test database is per-process; see the next test"
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_from_many_threads_keep_one_contiguous_chain():
    threads_count, per_thread = 8, 25
    start = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def worker(number: int) -> None:
        from django.db import connection as thread_connection

        try:
            start.wait()
            for n in range(per_thread):
                services.record(None, "view", ("cases.case", f"{number}-{n}"))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            thread_connection.close()

    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads_count)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()

    assert errors == []
    total = threads_count * per_thread
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == list(range(1, total + 1))
    assert len(set(AuditEvent.objects.values_list("prev_digest", flat=True))) == total  # no fork
    assert breaks() == []


WORKER = """
import os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "haven.settings"
import django
django.setup()
from haven.audit import services
for n in range(int(sys.argv[1])):
    services.record(None, "view", ("cases.case", f"{os.getpid()}-{n}"))
"""


def test_concurrent_appends_from_many_processes_on_a_sqlite_file_keep_one_chain(tmp_path: Path):
    """SQLite is the default deployment: separate processes (web workers, the task worker) append
    to one database file."""
    env = {
        **os.environ,
        "HAVEN_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": "",
        "HAVEN_ENV": "development",
        "HAVEN_AUDIT_KEY": "process-test-audit-key-0123456789abcdef",
    }
    env.pop("REDIS_URL", None)

    def haven(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "haven.cli", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )

    assert haven("migrate", "-v0").returncode == 0
    processes, per_process = 4, 30
    workers = [
        subprocess.Popen(  # noqa: S603 - our own interpreter
            [sys.executable, "-c", WORKER, str(per_process)],
            env=env,
            cwd=tmp_path,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    for worker in workers:
        _, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err

    with sqlite3.connect(tmp_path / "data" / "haven.sqlite3") as db_file:
        seqs = [seq for (seq,) in db_file.execute("SELECT seq FROM audit_auditevent ORDER BY seq")]
    assert seqs == list(range(1, processes * per_process + 1))
    result = haven("audit", "verify", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["intact"] is True
    assert report["events"] == processes * per_process
