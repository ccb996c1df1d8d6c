"""The demo district's training: the shipped modules, requirements for every role (the district's
own, plus the Pennsylvania- and Florida-style examples installed switched off), and a realistic
mix of people done, overdue, in progress and expiring.

Deterministic and idempotent: requirements are keyed by name, the past completions by person and
module; dates are relative to the day the demo is loaded, so the mix holds whenever it is run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from haven.accounts.models import User
from haven.core.models import School
from haven.training import content, presets, services
from haven.training.models import Attempt, Completion, Module, Requirement, TrainingPolicy

#: (name, module, due kind, days from today for a fixed date / days after assignment, renewal
#: in months, roles (empty: every role), accepted certificates, certified)
REQUIREMENTS: list[tuple[str, str, str, int, int | None, list[str], list[str], bool]] = [
    (
        "Warning signs and the pathway to violence",
        "pathway-to-violence",
        "fixed",
        -20,
        12,
        [],
        [],
        True,
    ),
    ("How to tell someone in Haven", "telling-someone", "fixed", 10, None, [], [], False),
    (
        "Suicide warning signs (yearly)",
        "suicide-warning-signs",
        "after_start",
        30,
        12,
        [],
        ["qpr", "ymhfa"],
        True,
    ),
    (
        "Standard Response Protocol roles (in person)",
        "standard-response-protocol",
        "fixed",
        45,
        12,
        [],
        [],
        False,
    ),
]

#: (username, module, days ago passed): the past the demo starts from.
COMPLETIONS = [
    ("principal", "pathway-to-violence", 40),
    ("principal", "telling-someone", 40),
    ("principal", "suicide-warning-signs", 60),
    ("counselor", "pathway-to-violence", 90),
    ("counselor", "telling-someone", 90),
    ("counselor", "suicide-warning-signs", 350),  # expiring within 30 days
    ("sro", "pathway-to-violence", 30),
    ("teacher", "telling-someone", 5),  # the pathway module is overdue
    ("frontdesk", "pathway-to-violence", 25),
    ("principal2", "pathway-to-violence", 15),
    ("principal2", "telling-someone", 15),
    ("principal2", "suicide-warning-signs", 15),
    ("counselor2", "pathway-to-violence", 350),
    ("counselor2", "suicide-warning-signs", 340),  # expiring
    ("admin", "pathway-to-violence", 50),
]
#: In-person sessions held: (school, who recorded it, module, days ago, who attended).
SESSIONS = [
    (
        "northside-high",
        "principal",
        "standard-response-protocol",
        20,
        ["principal", "counselor", "sro", "frontdesk"],
    ),
    ("riverside-middle", "principal2", "standard-response-protocol", 12, ["principal2"]),
]
#: Failed post-tests (in progress): (username, module, days ago)
FAILED = [("sro2", "pathway-to-violence", 3), ("coordinator", "telling-someone", 2)]


@transaction.atomic
def load(district: Any) -> dict[str, int]:
    today = timezone.localdate()
    if not Module.objects.exists():
        content.load_folder(content.SHIPPED)
    TrainingPolicy.objects.get_or_create(district=district)
    modules = {m.slug: m for m in Module.objects.all()}
    for name, slug, due, days, renew, roles, accepts, certified in REQUIREMENTS:
        Requirement.objects.update_or_create(
            district=district,
            name=name,
            defaults={
                "note": "The demo district's own policy.",
                "module": modules[slug],
                "due": due,
                "due_on": today + dt.timedelta(days=days) if due == "fixed" else None,
                "due_days": days if due == "after_start" else None,
                "renew_months": renew,
                "roles": roles,
                "accepts": accepts,
                "certified": certified,
                "active": True,
            },
        )
    for preset in presets.PRESETS:
        presets.install(district, preset, active=False, today=today)
    assignments = services.sync_assignments(district)
    users = {u.username: u for u in User.objects.filter(is_demo=True)}
    now = timezone.now()
    for username, slug, days in COMPLETIONS:
        user = users.get(username)
        if user is None or Completion.objects.filter(user=user, module=modules[slug]).exists():
            continue
        when = now - dt.timedelta(days=days)
        _attempt(user, modules[slug], when, passed=True)
    for slug_school, recorder, slug, days, people in SESSIONS:
        present = [users[name].pk for name in people if name in users]
        if (
            recorder not in users
            or not present
            or Completion.objects.filter(
                user_id__in=present, module=modules[slug], via=Completion.Via.ATTENDANCE
            ).exists()
        ):
            continue
        services.record_attendance(
            users[recorder],
            School.objects.get(district=district, slug=slug_school),
            modules[slug],
            present,
            today - dt.timedelta(days=days),
        )
    for username, slug, days in FAILED:
        user = users.get(username)
        if user is None or Attempt.objects.filter(user=user, module=modules[slug]).exists():
            continue
        _attempt(user, modules[slug], now - dt.timedelta(days=days), passed=False)
    return {"assignments": assignments, "completions": Completion.objects.count()}


def _attempt(user: User, module: Module, when: dt.datetime, passed: bool) -> None:
    questions = services.questions_for(module, "post")
    right = len(questions) if passed else max(len(questions) // 2, 1)
    answers = {
        q.key: q.correct if i < right else next(c["id"] for c in q.choices if c["id"] != q.correct)
        for i, q in enumerate(questions)
    }
    attempt = Attempt.objects.create(
        user=user,
        module=module,
        version=module.version,
        kind="post",
        questions=[q.key for q in questions],
        answers=answers,
        started_at=when - dt.timedelta(minutes=module.minutes),
        submitted_at=when,
        score=round(right / len(questions), 4),
        passed=passed,
    )
    if passed:
        Completion.objects.create(
            user=user,
            module=module,
            version=module.version,
            attempt=attempt,
            completed_at=when,
            number=f"HT-{when:%Y%m%d}-DEMO{user.pk:04d}{module.pk:02d}",
        )
