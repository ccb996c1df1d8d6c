"""Scheduled work of the volunteers app, run by the background worker (Huey)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from haven.volunteers import services


@db_periodic_task(crontab(minute="40", hour="6"))
@lock_task("volunteers-check-expiry")
def notify_expiring_checks() -> int:
    """Every morning: tell coordinators of background checks expiring soon or expired."""
    return services.notify_expiring()
