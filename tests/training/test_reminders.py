"""Reminders through the worker's tasks (Huey runs them in-process in tests), time frozen."""

from __future__ import annotations

import datetime as dt

import time_machine

from haven.audit.models import AuditEvent
from haven.notify.models import Notification
from haven.training import reminders, services, tasks
from tests.training.world import answers, require

TZ = dt.UTC


def _at(day: str):
    return time_machine.travel(dt.datetime.fromisoformat(f"{day}T11:00:00+00:00"))


def _titles(user):
    return [n.title for n in Notification.objects.filter(user=user).order_by("pk")]


def test_learners_are_reminded_14_7_1_days_before_then_weekly(people, district, modules):
    teacher = people["teacher"]
    with _at("2027-02-01"):
        require(district, modules["fairness"], due_on=dt.date(2027, 3, 1))
    days = {
        "2027-02-10": 0,  # 19 days before: nothing yet
        "2027-02-15": 1,  # 14 days before
        "2027-02-16": 1,  # nothing new
        "2027-02-22": 2,  # 7 days before
        "2027-02-28": 3,  # 1 day before
        "2027-03-02": 4,  # overdue
        "2027-03-05": 4,  # the same week
        "2027-03-09": 5,  # a week later
    }
    for day, expected in days.items():
        with _at(day):
            tasks.send_training_reminders()
            tasks.send_training_reminders()  # a second run sends nothing twice
        assert len(_titles(teacher)) == expected, day
    titles = _titles(teacher)
    assert titles[0] == "Training due on 2027-03-01: Fairness: refer behaviour, not identity"
    assert titles[3] == "Overdue training: Fairness: refer behaviour, not identity"
    assert AuditEvent.objects.filter(action="training.remind", detail__user=teacher.pk).count() == 5


def test_reminders_are_in_the_recipients_language(people, district, modules):
    teacher = people["teacher"]
    teacher.preferred_language = "es"
    teacher.save()
    with _at("2027-02-15"):
        require(district, modules["fairness"], due_on=dt.date(2027, 3, 1))
        reminders.send_reminders()
    assert _titles(teacher) == [
        "Formación que vence el 2027-03-01: Equidad: remitir conductas, no identidades"
    ]
    assert "principal" not in [
        n.user.username
        for n in Notification.objects.filter(title__isnull=False)
        if n.title.startswith("Formación")
    ]


def test_done_training_is_not_reminded(people, district, modules):
    teacher = people["teacher"]
    module = modules["fairness"]
    with _at("2027-02-15"):
        require(district, module, due_on=dt.date(2027, 3, 1))
        services.submit(teacher, module, "post", answers(module))
        reminders.send_reminders()
    assert _titles(teacher) == []
    assert _titles(people["counselor"]) != []


def test_principals_get_a_weekly_digest_of_their_overdue_staff(people, district, modules):
    with _at("2027-03-08"):  # a Monday
        require(district, modules["fairness"], due_on=dt.date(2027, 3, 1))
        tasks.send_training_digests()
        tasks.send_training_digests()
    [digest] = Notification.objects.filter(user=people["principal"], kind="training.digest")
    assert digest.title == "7 staff overdue on training at Northside High School"
    assert "teacher" in digest.body and "outsider" not in digest.body
    [other] = Notification.objects.filter(user=people["principal2"], kind="training.digest")
    assert "outsider" in other.body and "teacher" not in other.body
    # The district administrator is not a principal: no digest.
    assert not Notification.objects.filter(user=people["admin"], kind="training.digest").exists()
    assert AuditEvent.objects.filter(action="training.digest").count() == 2
    with _at("2027-03-15"):
        reminders.send_digests()
    assert (
        Notification.objects.filter(user=people["principal"], kind="training.digest").count() == 2
    )
