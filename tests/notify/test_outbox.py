"""The outbox: what a notification owes is written with it, delivered at least once (retried with
back-off, taken up again after a crash), never twice when nothing failed, and a queue that cannot
take the work never fails the request."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from haven.notify import outbox
from haven.notify import services as notify
from haven.notify import tasks as notify_tasks
from haven.notify.models import Notification, Outbox
from tests.notify import smtp


@pytest.fixture
def inbox(settings):
    handler = smtp.Inbox()
    controller = smtp.start(handler)
    smtp.use(settings, controller.port)
    yield handler
    controller.stop()


def _send(users, capture, **kw):  # type: ignore[no-untyped-def]
    with capture(execute=True):
        return notify.send(users, kind="test", title=kw.pop("title", "Check in"), **kw)


def test_an_email_is_owed_in_the_same_transaction_as_its_notification(people):
    teacher = people["teacher"]
    with pytest.raises(RuntimeError), transaction.atomic():
        notify.send([teacher], kind="test", title="Never sent")
        raise RuntimeError("the event failed")
    assert not Notification.objects.exists()
    assert not Outbox.objects.exists()
    notes = notify.send([teacher], kind="test", title="Sent")
    entry = Outbox.objects.get()
    assert (entry.kind, entry.key, entry.args) == (
        "email",
        f"email:notification:{notes[0].pk}",
        {"notification": notes[0].pk},
    )
    assert entry.status == "pending"


def test_a_committed_email_is_delivered_once_and_marked(
    people, inbox, django_capture_on_commit_callbacks
):
    notes = _send([people["teacher"], people["counselor"]], django_capture_on_commit_callbacks)
    assert sorted(m["X-Envelope-To"] for m in inbox.messages) == [
        "counselor@example.org",
        "teacher@example.org",
    ]
    assert set(Outbox.objects.values_list("status", "attempts")) == {("done", 1)}
    assert all(n.emailed_at for n in Notification.objects.filter(pk__in=[n.pk for n in notes]))
    # Delivering again (a duplicate queue message, a sweep) sends nothing more.
    assert outbox.deliver(Outbox.objects.values_list("pk", flat=True)) == 0
    assert outbox.sweep() == 0
    assert len(inbox.messages) == 2


def test_a_mail_server_that_refuses_is_retried_with_back_off_until_it_takes_it(
    people, inbox, settings, django_capture_on_commit_callbacks
):
    settings.HAVEN_DELIVERY_RETRY_SECONDS = 10
    inbox.refuse = True
    _send([people["teacher"]], django_capture_on_commit_callbacks)
    entry = Outbox.objects.get()
    assert (entry.status, entry.attempts) == ("pending", 1)
    assert "451" in entry.last_error
    assert 9 <= (entry.next_attempt_at - timezone.now()).total_seconds() <= 10
    assert outbox.sweep() == 0  # not due yet
    with time_machine.travel(timezone.now() + timedelta(seconds=11)):
        assert outbox.sweep() == 0  # due, refused again: now 20 s
        entry.refresh_from_db()
        assert entry.attempts == 2
        assert 19 <= (entry.next_attempt_at - timezone.now()).total_seconds() <= 20
    inbox.refuse = False
    with time_machine.travel(timezone.now() + timedelta(seconds=40)):
        assert outbox.sweep() == 1
    entry.refresh_from_db()
    assert (entry.status, entry.attempts, entry.last_error) == ("done", 3, "")
    assert len(inbox.messages) == 1


def test_after_the_last_attempt_it_is_failed_listed_and_can_be_retried(
    people, inbox, settings, django_capture_on_commit_callbacks
):
    settings.HAVEN_DELIVERY_ATTEMPTS = 2
    inbox.refuse = True
    _send([people["teacher"]], django_capture_on_commit_callbacks)
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        outbox.sweep()
    entry = Outbox.objects.get()
    assert (entry.status, entry.attempts) == ("failed", 2)
    out = StringIO()
    call_command("deliveries", stdout=out)
    text = out.getvalue()
    assert "Outbox: 0 pending, 0 sending, 0 done, 1 failed." in text
    assert f"{entry.key}" in text and "451" in text
    assert "Check in" not in text  # never the notification's text
    inbox.refuse = False
    out = StringIO()
    call_command("deliveries", "--retry", "--sweep", stdout=out)
    assert "1 failed deliveries put back in line." in out.getvalue()
    assert "1 deliveries delivered now." in out.getvalue()
    assert Outbox.objects.get().status == "done"
    assert len(inbox.messages) == 1


def test_a_delivery_claimed_by_a_process_that_died_is_sent_after_its_lease(people, inbox, settings):
    settings.HAVEN_DELIVERY_LEASE_SECONDS = 120
    notify.send([people["teacher"]], kind="test", title="Owed")
    entry = Outbox.objects.get()
    # What a worker killed mid-send leaves behind: claimed, one attempt, never marked.
    Outbox.objects.filter(pk=entry.pk).update(
        status="sending", attempts=1, claimed_until=timezone.now() + timedelta(seconds=120)
    )
    assert outbox.sweep() == 0  # its lease still runs: another process may be sending it
    assert not inbox.messages
    with time_machine.travel(timezone.now() + timedelta(seconds=121)):
        assert outbox.sweep() == 1
        assert outbox.sweep() == 0
    entry.refresh_from_db()
    assert (entry.status, entry.attempts) == ("done", 2)
    assert len(inbox.messages) == 1


def test_every_attempt_of_one_delivery_carries_the_same_message_id(
    people, inbox, settings, django_capture_on_commit_callbacks
):
    inbox.refuse = True
    _send([people["teacher"], people["principal"]], django_capture_on_commit_callbacks)
    inbox.refuse = False
    ids = {e.key: notify_tasks.message_id(e) for e in Outbox.objects.all()}
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        outbox.sweep()
    got = {m["Message-ID"] for m in inbox.messages}
    assert got == set(ids.values()) and len(got) == 2


def test_a_queue_that_cannot_take_the_work_never_fails_the_request(
    people, inbox, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def unreachable(ids):  # type: ignore[no-untyped-def]
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(notify_tasks, "deliver_outbox", unreachable)
    notes = _send([people["teacher"]], django_capture_on_commit_callbacks)
    assert notes and not inbox.messages
    assert Outbox.objects.get().status == "pending"
    assert "the sweep will deliver them" in caplog.text
    assert outbox.sweep() == 1  # what the worker's loop does every few seconds
    assert len(inbox.messages) == 1


def test_the_old_entry_point_delivers_the_owed_emails(people, settings):
    notes = notify.send([people["teacher"]], kind="test", title="Old way")
    notify_tasks.email_notifications([notes[0].pk])
    assert [m.to for m in mail.outbox] == [["teacher@example.org"]]
    notify_tasks.email_notifications([notes[0].pk])
    assert len(mail.outbox) == 1


def test_a_row_of_an_unknown_kind_is_failed_not_lost(people):
    with transaction.atomic():
        entry = outbox.owe("no.such.kind", "x:1")
    outbox.deliver([entry.pk])
    entry.refresh_from_db()
    assert entry.status == "pending" and "no handler" in entry.last_error


def test_delivered_rows_are_forgotten_after_thirty_days(people, mailoutbox):
    notify.send([people["teacher"]], kind="test", title="Old news")
    outbox.sweep()
    assert Outbox.objects.get().status == "done"
    with time_machine.travel(timezone.now() + timedelta(days=29)):
        outbox.sweep()
    assert Outbox.objects.count() == 1
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        outbox.sweep()
    assert not Outbox.objects.exists()
    assert Notification.objects.count() == 1  # the notification itself stays
