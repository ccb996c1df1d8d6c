"""The worker's life: its heartbeat and delivery loop, and the supervisor that starts it again
when it dies (as ``haven run`` does)."""

from __future__ import annotations

import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import time_machine
from django.utils import timezone

from haven.notify import services as notify
from haven.notify import worker
from haven.notify.models import Outbox, WorkerHeartbeat


def _wait_for(condition, seconds: float = 20) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


class QuickSupervisor(worker.Supervisor):
    FIRST_DELAY = 0.05
    MAX_DELAY = 0.2


def test_a_worker_that_dies_is_started_again_and_the_log_says_so(tmp_path: Path, caplog):
    starts = tmp_path / "starts"
    command = [
        sys.executable,
        "-c",
        f"open({str(starts)!r}, 'a').write('started\\n'); raise SystemExit(3)",
    ]
    supervisor = QuickSupervisor(command, name="test worker").start()
    try:
        assert _wait_for(lambda: starts.exists() and starts.read_text().count("started") >= 3)
    finally:
        supervisor.stop()
    assert supervisor.restarts >= 2
    assert "the test worker exited (code 3); starting it again" in caplog.text


def test_stopping_the_supervisor_stops_the_worker_for_good(tmp_path: Path):
    command = [sys.executable, "-c", "import time; time.sleep(120)"]
    supervisor = QuickSupervisor(command).start()
    assert _wait_for(lambda: supervisor.process is not None)
    process = supervisor.process
    supervisor.stop(timeout=10)
    assert process is not None and process.poll() is not None
    time.sleep(0.3)  # a restart would have come by now (0.05 s)
    assert supervisor.process is process and supervisor.restarts == 0


def test_the_loop_writes_the_heartbeat_and_delivers_what_is_owed(
    transactional_db, people, settings, mailoutbox
):
    settings.HAVEN_SWEEP_SECONDS = 1
    Outbox.objects.all().delete()
    notify.send([people["teacher"]], kind="test", title="Owed")
    Outbox.objects.update(status="pending")  # as if its on-commit queueing had failed
    stop = threading.Event()
    thread = threading.Thread(target=worker.loop, args=(stop,), kwargs={"name": "test:1"})
    thread.start()
    try:
        assert _wait_for(lambda: Outbox.objects.filter(status="done").exists())
    finally:
        stop.set()
        thread.join(timeout=10)
    assert WorkerHeartbeat.objects.filter(name="test:1").exists()
    assert worker.heartbeat_age() is not None and worker.heartbeat_age() < 60
    assert len(mailoutbox) == 1


def test_heartbeat_age_is_that_of_the_newest_worker(db):
    assert worker.heartbeat_age() is None
    worker.beat("old:1")
    with time_machine.travel(timezone.now() + timedelta(seconds=30)):
        worker.beat("new:2")
        assert worker.heartbeat_age() < 1
    with time_machine.travel(timezone.now() + timedelta(seconds=100)):
        assert 69 <= worker.heartbeat_age() <= 71
