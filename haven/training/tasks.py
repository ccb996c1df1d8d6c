"""Scheduled work of the training app, run by the background worker (Huey)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from haven.core.models import District
from haven.training import reminders, services


@db_periodic_task(crontab(minute="20", hour="6"))
@lock_task("training-reminders")
def send_training_reminders() -> int:
    """Every morning: apply requirements to today's roles, then remind learners (14, 7 and 1
    days before due; weekly while overdue)."""
    for district in District.objects.all():
        services.sync_assignments(district)
    return reminders.send_reminders()


@db_periodic_task(crontab(minute="30", hour="6", day_of_week="1"))
@lock_task("training-digest")
def send_training_digests() -> int:
    """Every Monday morning: each principal's digest of their overdue staff."""
    return reminders.send_digests()
