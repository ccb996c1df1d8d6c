"""Scheduled work of the tip line, run by the background worker (Huey)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from haven.notify import outbox
from haven.tips import services


@db_periodic_task(crontab(minute="*"))
@lock_task("tips-escalate")
def escalate_overdue_tips() -> int:
    """Every minute: move unacknowledged tips past their deadline to the next on-call tier."""
    return services.escalate_overdue()


@db_periodic_task(crontab(minute="17", hour="3"))
@lock_task("tips-purge")
def purge_expired_tips() -> int:
    """Nightly: delete closed tips past their category's retention, unless on legal hold."""
    return services.purge_expired()


# The worker's own loop (``haven worker``) sweeps every few seconds with nothing but the database:
# escalation goes on through a Redis outage, when Huey's scheduler cannot run. Running it from both
# is safe: each tip is escalated under a row lock, re-checked (``services.escalate_overdue``).
outbox.also_sweep(services.escalate_overdue)
