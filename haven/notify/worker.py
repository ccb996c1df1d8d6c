"""The background worker's life: its heartbeat, its own delivery loop, and the supervisor that keeps
it running.

* ``haven worker`` is Huey's consumer plus one thread of ours (:func:`loop`): every
  ``HAVEN_SWEEP_SECONDS`` it writes the worker's heartbeat and sweeps the outbox. That loop talks to
  the database only, so deliveries go on while Redis (Huey's queue in production) is down.
* ``haven run`` starts the worker under a :class:`Supervisor`, which starts it again when it dies
  (saying so in the log), waiting a little longer after each quick death.
* ``/healthz`` reads the newest heartbeat (:func:`heartbeat_age`).
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import threading
import time
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from haven.notify.models import WorkerHeartbeat

log = logging.getLogger(__name__)

KEEP_HEARTBEATS = timedelta(days=1)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def beat(name: str) -> None:
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(name=name).update(beat_at=now)
    if not updated:
        WorkerHeartbeat.objects.create(name=name, started_at=now, beat_at=now)
        # The rows of processes long gone are of no use to anyone.
        WorkerHeartbeat.objects.filter(beat_at__lt=now - KEEP_HEARTBEATS).delete()


def heartbeat_age() -> float | None:
    """Seconds since the newest heartbeat of any worker (None: no worker was ever seen)."""
    newest = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
    return None if newest is None else max(0.0, (timezone.now() - newest).total_seconds())


def loop(stop: threading.Event, *, name: str | None = None) -> None:
    """Heartbeat and sweep until ``stop`` is set; a failure (the database away, a full disk) is
    logged and tried again next time, never the end of the loop."""
    from haven.notify import outbox

    name = name or worker_name()
    while not stop.is_set():
        try:
            beat(name)
            outbox.sweep()
        except Exception:
            log.warning("the worker's delivery loop failed; trying again", exc_info=True)
        finally:
            close_old_connections()
        stop.wait(max(1, settings.HAVEN_SWEEP_SECONDS))


def start_loop() -> threading.Event:
    stop = threading.Event()
    threading.Thread(target=loop, args=(stop,), name="haven-deliveries", daemon=True).start()
    return stop


class Supervisor:
    """Runs a command (the worker) and starts it again whenever it exits, until :meth:`stop`.
    A worker that dies within a minute of starting is restarted after 1, 2, 4 … 30 seconds."""

    QUICK_DEATH_SECONDS = 60
    FIRST_DELAY = 1.0
    MAX_DELAY = 30.0

    def __init__(self, command: Sequence[str], *, name: str = "background worker") -> None:
        self.command = list(command)
        self.name = name
        self.process: subprocess.Popen | None = None
        self.restarts = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="haven-supervisor", daemon=True)

    def start(self) -> Supervisor:
        self._thread.start()
        return self

    def _run(self) -> None:
        delay = self.FIRST_DELAY
        while not self._stopping.is_set():
            started = time.monotonic()
            try:
                self.process = subprocess.Popen(self.command)  # noqa: S603 - our own command
            except OSError:
                log.exception("could not start the %s", self.name)
                code: int | None = None
            else:
                log.info("started the %s (pid %s)", self.name, self.process.pid)
                if self._stopping.is_set():  # stop() came while it was starting
                    self.process.terminate()
                code = self.process.wait()
            if self._stopping.is_set():
                return
            if time.monotonic() - started > self.QUICK_DEATH_SECONDS:
                delay = self.FIRST_DELAY
            log.error(
                "the %s exited (code %s); starting it again in %.0f s", self.name, code, delay
            )
            if self._stopping.wait(delay):
                return
            self.restarts += 1
            delay = min(delay * 2, self.MAX_DELAY)

    def stop(self, timeout: float = 10) -> None:
        import signal

        self._stopping.set()
        process = self.process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._thread.join(timeout=timeout)
