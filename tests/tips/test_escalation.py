"""On-call escalation with time frozen, run by the real background worker (Huey, which runs tasks
in-process in tests), with e-mail delivered to a real SMTP server listening on loopback.

The rota at Northside: tier 1 the counsellor, tier 2 the principal; above them the district's
administrator.
"""

from __future__ import annotations

import socket
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

from haven.audit.models import AuditEvent
from haven.notify.models import Notification
from haven.tips import oncall, services, tasks
from haven.tips.models import OnCallShift, SchoolTipSettings, Status, Tip
from tests.tips import HTML, tip_input

LOCAL = ZoneInfo("America/New_York")
WEDNESDAY_10AM = datetime(2026, 11, 4, 10, 0, tzinfo=LOCAL)
WEDNESDAY_10PM = datetime(2026, 11, 4, 22, 0, tzinfo=LOCAL)
FRIDAY_2PM = datetime(2026, 11, 6, 14, 0, tzinfo=LOCAL)

DESCRIPTION = "Kyle posted that he will shoot up the cafeteria tomorrow"


class Mailbox:
    """What the SMTP server received: (sender, recipients, the message as text)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's name for the hook
        text = envelope.content.decode("utf-8", "replace")
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), text))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[str]:
        return [text for _sender, rcpts, text in self.messages if address in rcpts]

    def recipients(self) -> list[str]:
        return sorted(r for _sender, rcpts, _text in self.messages for r in rcpts)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mailbox(settings):
    """A real SMTP server on loopback, and Haven configured to send through it."""
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    yield box
    controller.stop()


@pytest.fixture
def rota(people, northside):
    OnCallShift.objects.create(school=northside, tier=1, user=people["counselor"])
    OnCallShift.objects.create(school=northside, tier=2, user=people["principal"])
    return people


@pytest.fixture
def worker(django_capture_on_commit_callbacks):
    """Run the periodic escalation job as the worker would, committing what it queues (the
    notifications' push and e-mail run after the commit). Huey keeps no result for a periodic
    task, so this answers how many people it notified."""

    def run() -> int:
        before = Notification.objects.count()
        with django_capture_on_commit_callbacks(execute=True):
            tasks.escalate_overdue_tips()
        return Notification.objects.count() - before

    return run


@pytest.fixture
def report(django_capture_on_commit_callbacks):
    def submit(**overrides) -> Tip:
        with django_capture_on_commit_callbacks(execute=True):
            tip, _receipt = services.submit(tip_input(**overrides))
        tip.refresh_from_db()
        return tip

    return submit


def _notified(user, kind: str | None = None) -> list[Notification]:
    notes = Notification.objects.filter(user=user).order_by("pk")
    return list(notes.filter(kind=kind) if kind else notes)


def test_a_life_safety_tip_climbs_the_tiers_until_someone_acknowledges(
    rota, mailbox, report, worker, time_machine
):
    time_machine.move_to(WEDNESDAY_10AM, tick=False)
    tip = report(category="violence_threat", description=DESCRIPTION, danger_now=True)

    # Tier 1 at once: in the app (urgent) and by e-mail.
    assert tip.escalation_tier == 1
    assert tip.ack_deadline == WEDNESDAY_10AM + timedelta(minutes=5)
    [note] = _notified(rota["counselor"], "tip_life_safety")
    assert note.urgent and note.url == f"/tips/{tip.pk}/"
    assert note.title == "LIFE-SAFETY tip at Northside High School: acknowledge now"
    assert mailbox.recipients() == ["counselor@example.org"]
    assert _notified(rota["principal"]) == []

    # Four minutes on, nothing moves.
    time_machine.move_to(WEDNESDAY_10AM + timedelta(minutes=4, seconds=59), tick=False)
    assert worker() == 0
    assert _notified(rota["principal"]) == []

    # Five minutes without an acknowledgement: tier 2.
    time_machine.move_to(WEDNESDAY_10AM + timedelta(minutes=5), tick=False)
    assert worker() == 1
    [escalated] = _notified(rota["principal"], "tip_life_safety")
    assert escalated.title.startswith("Escalated (not acknowledged in time)")
    assert mailbox.recipients() == ["counselor@example.org", "principal@example.org"]

    # Five more: the district.
    time_machine.move_to(WEDNESDAY_10AM + timedelta(minutes=10), tick=False)
    assert worker() == 1
    assert len(_notified(rota["admin"], "tip_life_safety")) == 1
    assert mailbox.recipients() == [
        "admin@example.org",
        "counselor@example.org",
        "principal@example.org",
    ]
    tip.refresh_from_db()
    assert tip.escalation_tier == oncall.DISTRICT_TIER and tip.ack_deadline is None

    # The district is the top: nothing more, however long it waits.
    time_machine.move_to(WEDNESDAY_10AM + timedelta(hours=3), tick=False)
    assert worker() == 0
    assert len(mailbox.messages) == 3

    # Each step is in the audit log, by the system, with whom it reached.
    steps = [
        e.detail
        for e in AuditEvent.objects.filter(object_type="tips.tip", object_id=str(tip.pk))
        .exclude(action="view")
        .order_by("seq")
    ]
    assert [(d.get("escalated_to_tier"), d.get("notified")) for d in steps] == [
        (1, 1),
        (2, 1),
        (oncall.DISTRICT_TIER, 1),
    ]

    # Nobody outside the chain heard of it.
    for name in ("teacher", "sro", "outsider", "principal2", "auditor", "frontdesk"):
        assert _notified(rota[name]) == []


def test_acknowledging_stops_the_escalation(rota, mailbox, report, worker, time_machine):
    time_machine.move_to(WEDNESDAY_10AM, tick=False)
    tip = report(category="weapon", danger_now=True)
    time_machine.move_to(WEDNESDAY_10AM + timedelta(minutes=3), tick=False)
    services.acknowledge(rota["counselor"], tip)
    for minutes in (5, 10, 60):
        time_machine.move_to(WEDNESDAY_10AM + timedelta(minutes=minutes), tick=False)
        assert worker() == 0
    assert mailbox.recipients() == ["counselor@example.org"]
    tip.refresh_from_db()
    assert tip.status == Status.ACKNOWLEDGED
    assert tip.acknowledged_at - tip.created_at == timedelta(minutes=3)  # time to acknowledge


def test_the_notifications_and_e_mails_carry_no_tip_content(
    rota, mailbox, report, worker, time_machine
):
    time_machine.move_to(WEDNESDAY_10AM, tick=False)
    report(
        category="violence_threat",
        description=f"{DESCRIPTION} {HTML}",
        location="Cafeteria <b>north door</b>",
        subject_names=["Kyle Brennan"],
        danger_now=True,
        contact={"name": "Reporter Name", "email": "reporter@example.net"},
    )
    for minutes in (5, 10):
        time_machine.move_to(WEDNESDAY_10AM + timedelta(minutes=minutes), tick=False)
        worker()
    assert len(mailbox.messages) == 3
    everything = [text for _s, _r, text in mailbox.messages] + [
        f"{n.title} {n.body} {n.url}" for n in Notification.objects.all()
    ]
    for text in everything:
        for secret in (
            "Kyle",
            "shoot",
            "cafeteria",
            "Cafeteria",
            "<script",
            "<b>",
            "Reporter Name",
        ):
            assert secret not in text
        assert "reporter@example.net" not in text
    _sender, _rcpts, first = mailbox.messages[0]
    assert "Content-Type: text/plain" in first and "text/html" not in first
    assert "Category: Threat of violence" in first


def test_a_routine_tip_waits_one_school_day_and_weekends_do_not_count(
    rota, mailbox, report, worker, time_machine
):
    time_machine.move_to(FRIDAY_2PM, tick=False)
    tip = report(category="bullying")
    assert not tip.life_safety
    monday_2pm = FRIDAY_2PM + timedelta(days=3)
    assert tip.ack_deadline == monday_2pm
    [note] = _notified(rota["counselor"], "tip_new")
    assert not note.urgent and note.title == "New tip at Northside High School"
    for moment in (FRIDAY_2PM + timedelta(days=1), monday_2pm - timedelta(minutes=1)):
        time_machine.move_to(moment, tick=False)
        assert worker() == 0
    time_machine.move_to(monday_2pm, tick=False)
    assert worker() == 1
    assert len(_notified(rota["principal"], "tip_new")) == 1
    tip.refresh_from_db()
    assert tip.ack_deadline == monday_2pm + timedelta(days=1)


def test_a_schools_own_limits_apply(rota, northside, report, time_machine):
    SchoolTipSettings.objects.create(
        school=northside, life_safety_ack_minutes=2, routine_ack_hours=48
    )
    time_machine.move_to(FRIDAY_2PM, tick=False)
    assert report(danger_now=True).ack_deadline == FRIDAY_2PM + timedelta(minutes=2)
    # 48 school-day hours from Friday 14:00: 10 h on Friday, 24 on Monday, 14 on Tuesday.
    other = report(
        description="Kids are selling vapes in the boys' bathroom during lunch.",
        location="Bathroom",
    )
    assert other.ack_deadline == FRIDAY_2PM + timedelta(days=4)


@pytest.mark.parametrize(
    ("start", "hours", "deadline"),
    [
        (
            datetime(2026, 11, 4, 10, 0, tzinfo=LOCAL),
            24,
            datetime(2026, 11, 5, 10, 0, tzinfo=LOCAL),
        ),  # Wed -> Thu
        (
            datetime(2026, 11, 6, 14, 0, tzinfo=LOCAL),
            24,
            datetime(2026, 11, 9, 14, 0, tzinfo=LOCAL),
        ),  # Fri -> Mon
        (
            datetime(2026, 11, 7, 11, 0, tzinfo=LOCAL),
            24,
            datetime(2026, 11, 10, 0, 0, tzinfo=LOCAL),
        ),  # Sat -> Mon counts
        (
            datetime(2026, 11, 8, 23, 0, tzinfo=LOCAL),
            1,
            datetime(2026, 11, 9, 1, 0, tzinfo=LOCAL),
        ),  # Sun night
        (
            datetime(2026, 11, 5, 9, 0, tzinfo=LOCAL),
            72,
            datetime(2026, 11, 10, 9, 0, tzinfo=LOCAL),
        ),  # Thu + 3 days -> Tue
    ],
)
def test_school_day_hours_skip_the_weekend(start, hours, deadline):
    assert oncall.add_weekday_hours(start, hours) == deadline


def test_after_hours_a_life_safety_tip_goes_to_the_after_hours_shift(
    people, northside, mailbox, report, time_machine
):
    OnCallShift.objects.create(
        school=northside, tier=1, user=people["counselor"], when=OnCallShift.When.SCHOOL_HOURS
    )
    OnCallShift.objects.create(
        school=northside, tier=1, user=people["sro"], when=OnCallShift.When.AFTER_HOURS
    )
    time_machine.move_to(WEDNESDAY_10PM, tick=False)
    report(danger_now=True)
    assert mailbox.recipients() == ["sro@example.org"]
    time_machine.move_to(WEDNESDAY_10AM + timedelta(days=1), tick=False)
    report(danger_now=True, description="Someone just showed a knife to a freshman in room 12.")
    assert mailbox.recipients() == ["counselor@example.org", "sro@example.org"]


def test_a_routine_tip_at_night_waits_for_the_school_hours_shift(
    people, northside, mailbox, report, time_machine
):
    OnCallShift.objects.create(
        school=northside, tier=1, user=people["counselor"], when=OnCallShift.When.SCHOOL_HOURS
    )
    OnCallShift.objects.create(
        school=northside, tier=1, user=people["sro"], when=OnCallShift.When.AFTER_HOURS
    )
    time_machine.move_to(WEDNESDAY_10PM, tick=False)
    report(category="drugs_alcohol")
    assert mailbox.recipients() == ["counselor@example.org"]  # nobody is woken for it


def test_a_tier_with_nobody_on_call_now_is_skipped_at_once(
    people, northside, mailbox, report, time_machine
):
    OnCallShift.objects.create(
        school=northside, tier=1, user=people["counselor"], when=OnCallShift.When.SCHOOL_HOURS
    )
    OnCallShift.objects.create(school=northside, tier=2, user=people["principal"])
    time_machine.move_to(WEDNESDAY_10PM, tick=False)
    tip = report(danger_now=True)
    assert tip.escalation_tier == 2
    assert mailbox.recipients() == ["principal@example.org"]
    assert _notified(people["principal"])[0].title.startswith("LIFE-SAFETY")  # not "escalated"


def test_without_a_rota_everyone_who_responds_to_the_schools_tips_is_tier_one(
    people, mailbox, report, worker, time_machine
):
    time_machine.move_to(WEDNESDAY_10AM, tick=False)
    report(danger_now=True)
    assert mailbox.recipients() == [
        "counselor@example.org",
        "principal@example.org",
        "sro@example.org",
    ]
    time_machine.move_to(WEDNESDAY_10AM + timedelta(minutes=5), tick=False)
    assert worker() == 1
    assert mailbox.to("admin@example.org")


def test_a_rota_entry_does_not_let_someone_without_the_role_read_tips(
    people, northside, mailbox, report, time_machine
):
    OnCallShift.objects.create(school=northside, tier=1, user=people["teacher"])
    OnCallShift.objects.create(school=northside, tier=1, user=people["counselor"])
    time_machine.move_to(WEDNESDAY_10AM, tick=False)
    report(danger_now=True)
    assert mailbox.recipients() == ["counselor@example.org"]


def test_a_district_wide_tip_goes_to_the_district(people, mailbox, report, time_machine):
    time_machine.move_to(WEDNESDAY_10AM, tick=False)
    report(school="", danger_now=True)
    assert mailbox.recipients() == ["admin@example.org"]


def test_if_the_first_notification_fails_the_tip_is_kept_and_the_job_notifies(
    rota, mailbox, report, worker, time_machine, monkeypatch, caplog
):
    time_machine.move_to(WEDNESDAY_10AM, tick=False)
    real_send = services.notify.send

    def broken_send(*args, **kwargs):
        raise ConnectionError("channel layer down")

    monkeypatch.setattr(services.notify, "send", broken_send)
    tip = report(danger_now=True)  # no exception reaches the reporter
    assert Tip.objects.filter(pk=tip.pk).exists()
    assert tip.escalation_tier == 0
    assert "could not notify the on-call tier" in caplog.text
    created = AuditEvent.objects.get(action="create", object_id=str(tip.pk))
    assert created.detail["notify_failed"] is True
    monkeypatch.setattr(services.notify, "send", real_send)
    time_machine.move_to(WEDNESDAY_10AM + timedelta(minutes=1), tick=False)
    assert worker() == 1
    assert mailbox.recipients() == ["counselor@example.org"]
    tip.refresh_from_db()
    assert tip.escalation_tier == 1


def test_a_tip_is_notified_once_however_often_escalation_is_started(
    rota, mailbox, report, worker, time_machine
):
    time_machine.move_to(WEDNESDAY_10AM, tick=False)
    tip = report(danger_now=True)
    services.start_escalation(tip.pk)  # a second start (a retry, a race) does nothing
    assert worker() == 0
    assert mailbox.recipients() == ["counselor@example.org"]
    assert len(_notified(rota["counselor"])) == 1


def test_an_e_mail_server_that_is_down_loses_no_notification(rota, settings, report, time_machine):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _free_port()  # nothing listens
    settings.EMAIL_TIMEOUT = 2
    time_machine.move_to(WEDNESDAY_10AM, tick=False)
    tip = report(danger_now=True)
    [note] = _notified(rota["counselor"])
    assert note.emailed_at is None  # kept for the retry; the in-app notification is there
    assert Tip.objects.filter(pk=tip.pk).exists()


def test_the_purge_job_runs_in_the_worker(people, time_machine):
    time_machine.move_to(WEDNESDAY_10AM, tick=False)
    tip, _ = services.submit(tip_input())
    services.close(people["counselor"], tip, "resolved")
    # (A few hours over: adding days to a local time keeps the wall clock across DST changes.)
    time_machine.move_to(
        WEDNESDAY_10AM + timedelta(days=services.DEFAULT_RETENTION_DAYS, hours=2), tick=False
    )
    tasks.purge_expired_tips()
    assert not Tip.objects.exists()


def test_the_workers_own_loop_escalates_without_the_task_queue(
    rota, mailbox, report, time_machine, django_capture_on_commit_callbacks
):
    """With Redis down, Huey's scheduler does not run: the worker's loop (the outbox's sweep, which
    needs only the database) still moves an unacknowledged life-safety tip up the tiers, once."""
    from haven.notify import outbox

    time_machine.move_to(WEDNESDAY_10AM, tick=False)
    report(category="violence_threat", description=DESCRIPTION, danger_now=True)
    time_machine.move_to(WEDNESDAY_10AM + timedelta(minutes=5), tick=False)
    for _ in range(2):  # the loop comes round again: nothing is sent twice
        with django_capture_on_commit_callbacks(execute=True):
            outbox.sweep()
    assert len(_notified(rota["principal"], "tip_life_safety")) == 1
    assert mailbox.recipients() == ["counselor@example.org", "principal@example.org"]


# --- a flood of reports about one thing pages once -----------------------------------------------

FLOOD = [
    "Kyle posted on his instagram story that he will shoot up the cafeteria tomorrow",
    "kyle's insta story says he is gonna shoot up the cafeteria tomorow",
    "Kyle publicó en Instagram que mañana va a disparar en la cafetería",
    "Kyle said on instagram he'll shoot up the cafeteria tomorrow, please help",
    "Everyone is sharing Kyle's instagram story about shooting the cafeteria tomorrow",
]


def test_a_flood_of_life_safety_reports_pages_once_per_group(rota, report, worker, time_machine):
    time_machine.move_to(WEDNESDAY_10AM, tick=False)
    tips = [
        report(
            category="violence_threat", description=text, subject_names=["Kyle"], danger_now=True
        )
        for text in FLOOD
    ]
    assert len({t.group_id for t in tips}) == 1
    assert Tip.objects.filter(group_id=tips[0].group_id).count() == len(FLOOD)
    # Tier 1 is paged once, for the first report; the others are covered by it.
    assert len(_notified(rota["counselor"], "tip_life_safety")) == 1
    assert [t.ack_deadline is not None for t in tips] == [True] + [False] * (len(FLOOD) - 1)
    covered = AuditEvent.objects.filter(
        object_type="tips.tip", object_id=str(tips[1].pk), action="create"
    ).get()
    assert covered.detail["covered"] is True and covered.detail["grouped_with"] == tips[0].pk

    # Unacknowledged past the deadline: tier 2 is paged once, not five times.
    time_machine.move_to(WEDNESDAY_10AM + timedelta(minutes=5), tick=False)
    assert worker() == 1
    assert len(_notified(rota["principal"], "tip_life_safety")) == 1
    time_machine.move_to(WEDNESDAY_10AM + timedelta(minutes=6), tick=False)
    assert worker() == 0

    # The group is acknowledged at once: escalation stops for all of it.
    assert services.acknowledge_group(rota["counselor"], tips[3]) == len(FLOOD)
    time_machine.move_to(WEDNESDAY_10AM + timedelta(minutes=30), tick=False)
    assert worker() == 0
    assert Tip.objects.filter(group_id=tips[0].group_id, status=Status.NEW).count() == 0

    # A routine report of the same incident joins the acknowledged group without a page.
    before = len(_notified(rota["counselor"]))
    routine = report(
        category="violence_threat",
        description="Kyle's instagram story about the cafeteria is still up, people share it",
        subject_names=["Kyle"],
    )
    assert routine.group_id == tips[0].group_id and not routine.life_safety
    assert len(_notified(rota["counselor"])) == before

    # A new life-safety report in the acknowledged group is paged at once, and escalates alone.
    urgent = report(
        category="weapon",
        description="Kyle is in the cafeteria right now with a gun in his bag",
        subject_names=["Kyle"],
        danger_now=True,
    )
    assert urgent.group_id == tips[0].group_id
    assert len(_notified(rota["counselor"], "tip_life_safety")) == 2
    assert urgent.ack_deadline == WEDNESDAY_10AM + timedelta(minutes=35)
    time_machine.move_to(WEDNESDAY_10AM + timedelta(minutes=35), tick=False)
    assert worker() == 1
    assert len(_notified(rota["principal"], "tip_life_safety")) == 2


MEMES = [
    "Kyle keeps posting mean memes about a freshman on his instagram",
    "kyle posts mean memes about a freshman on insta every day",
]


def test_a_life_safety_report_joining_a_routine_group_is_paged_at_once(rota, report, time_machine):
    time_machine.move_to(WEDNESDAY_10AM, tick=False)
    first = report(category="bullying", description=MEMES[0], subject_names=["Kyle"])
    assert not first.life_safety and len(_notified(rota["counselor"], "tip_new")) == 1
    second = report(category="bullying", description=MEMES[1], subject_names=["Kyle"])
    assert second.group_id == first.group_id
    assert len(_notified(rota["counselor"], "tip_new")) == 1  # covered by the first
    urgent = report(
        category="violence_threat", description=FLOOD[3], subject_names=["Kyle"], danger_now=True
    )
    assert urgent.group_id == first.group_id
    assert len(_notified(rota["counselor"], "tip_life_safety")) == 1


def test_moving_the_paged_tip_out_pages_the_rest_of_the_group(rota, report, worker, time_machine):
    time_machine.move_to(WEDNESDAY_10AM, tick=False)
    first, second = (
        report(category="violence_threat", description=t, subject_names=["Kyle"], danger_now=True)
        for t in FLOOD[:2]
    )
    assert second.ack_deadline is None
    services.move_out(rota["counselor"], first)
    assert Tip.objects.get(pk=first.pk).group_id != second.group_id
    # Within a minute the escalation job pages tier 1 for the group left behind.
    before = len(_notified(rota["counselor"], "tip_life_safety"))
    time_machine.move_to(WEDNESDAY_10AM + timedelta(minutes=1), tick=False)
    assert worker() >= 1
    assert len(_notified(rota["counselor"], "tip_life_safety")) == before + 1
    second.refresh_from_db()
    assert second.ack_deadline is not None
