"""Scheduled work of triage, run by the background worker (Huey)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from haven.triage import services


@db_periodic_task(crontab(minute="41", hour="3"))
@lock_task("triage-purge")
def purge_expired_signals() -> int:
    """Nightly: delete signals of no concern kept past their district's retention period."""
    return services.purge_expired()
