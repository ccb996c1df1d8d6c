"""``haven worker``: the background worker — Huey's consumer (every option of ``run_huey``) plus
the delivery loop that writes the heartbeat and sweeps the outbox every ``HAVEN_SWEEP_SECONDS``,
with or without Redis (:mod:`haven.notify.worker`). Run it under a supervisor that restarts it
(``haven run`` does; in production, systemd with ``Restart=always``: see the README)."""

from __future__ import annotations

from huey.contrib.djhuey.management.commands.run_huey import Command as RunHuey

from haven.notify import worker


class Command(RunHuey):
    help = "Run the background worker: the task queue's consumer and the delivery loop."

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        stop = worker.start_loop()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
