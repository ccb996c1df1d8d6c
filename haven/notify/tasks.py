from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from huey.contrib.djhuey import db_task

from haven.notify.models import Notification


@db_task(retries=5, retry_delay=60)
def email_notifications(ids: list[int]) -> None:
    for note in Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).select_related(
        "user"
    ):
        send_mail(note.title, note.body, settings.DEFAULT_FROM_EMAIL, [note.user.email])
        Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())
