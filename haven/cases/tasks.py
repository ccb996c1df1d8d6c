"""Scheduled work of the cases app, run by the background worker (Huey)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from haven.cases import services


@db_periodic_task(crontab(minute="0", hour="7"))
@lock_task("cases-reminders")
def remind_due_items() -> int:
    """Every morning: remind owners of safety-plan items and tasks due, and teams of reviews."""
    return services.send_reminders()
