"""Reminders, sent by the worker through the notifications (in the app and by e-mail):

* to the learner, 14, 7 and 1 days before an assignment is due, and every week while it is
  overdue;
* to each principal (a school-level role that oversees training), a weekly digest of the
  school's overdue staff.

Each goes once: a :class:`Reminder` row names it (the assignment, the due date and which reminder,
or the school and the week), so a worker that runs twice, or late, sends nothing twice. Each is
written in the recipient's language and audited.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from haven.access import policy
from haven.access.policy import Perm
from haven.audit import services as audit
from haven.notify import services as notify
from haven.training import services
from haven.training import status as st
from haven.training.models import Assignment, Reminder

if TYPE_CHECKING:
    from haven.accounts.models import User

BEFORE = (1, 7, 14)  # days before the due date, nearest first


def _language(user: User) -> str:
    return user.preferred_language or settings.LANGUAGE_CODE


def _once(user: User, key: str) -> bool:
    """Record that ``key`` was sent to ``user``; False when it already was."""
    try:
        with transaction.atomic():
            Reminder.objects.create(user=user, key=key[:80])
    except IntegrityError:
        return False
    return True


def _key(row: services.Row, day: dt.date) -> tuple[str, str] | None:
    """Which reminder (if any) is due today for this row: ("before", n) or ("overdue", week)."""
    standing, a = row.standing, row.assignment
    if standing.counts_done or standing.due is None:
        return None
    if standing.status == st.OVERDUE:
        week = (day - standing.due).days // 7
        return "overdue", f"a{a.pk}:{standing.due}:overdue:{week}"
    left = (standing.due - day).days
    for days in BEFORE:
        if left <= days:
            return "before", f"a{a.pk}:{standing.due}:before:{days}"
    return None


def send_reminders(on: dt.date | None = None) -> int:
    """Send the learners' reminders due today; returns how many were sent."""
    day = on or services.today()
    assignments = (
        Assignment.objects.filter(requirement__active=True, user__is_active=True)
        .select_related("requirement", "requirement__module", "user")
        .order_by("pk")
    )
    sent = 0
    for row in services.rows_for(assignments, day):
        found = _key(row, day)
        if found is None:
            continue
        kind, key = found
        user = row.assignment.user
        with transaction.atomic():
            if not _once(user, key):
                continue
            _remind(user, row, kind, day)
            sent += 1
    return sent


def _remind(user: User, row: services.Row, kind: str, day: dt.date) -> None:
    a, standing = row.assignment, row.standing
    module = a.requirement.module
    language = _language(user)
    with translation.override(language):
        name = services.text_of(module, language).title if module else a.requirement.name
        due = standing.due.isoformat() if standing.due else ""
        if kind == "overdue":
            title = _("Overdue training: %(name)s") % {"name": name}
            body = _("It was due on %(due)s. Please complete it as soon as you can.") % {"due": due}
        else:
            title = _("Training due on %(due)s: %(name)s") % {"due": due, "name": name}
            body = _("About %(minutes)d minutes. It ends with a short test.") % {
                "minutes": module.minutes if module else 0
            }
        url = reverse("training:module", args=[module.slug]) if module else reverse("training:mine")
    notify.send([user], kind="training.reminder", title=title, body=body, url=url)
    audit.record(
        None,
        "training.remind",
        a,
        school_id=a.school_id,
        district_id=a.requirement.district_id,
        detail={"user": user.pk, "kind": kind, "language": language},
    )


def send_digests(on: dt.date | None = None) -> int:
    """A weekly digest to each principal of their school's overdue staff; returns how many."""
    day = on or services.today()
    year, week, _weekday = day.isocalendar()
    overdue: dict[int, list[services.Row]] = defaultdict(list)
    assignments = (
        Assignment.objects.filter(requirement__active=True, user__is_active=True)
        .exclude(school=None)
        .select_related("requirement", "user", "school")
    )
    for row in services.rows_for(assignments, day):
        if row.standing.status == st.OVERDUE and row.assignment.school_id is not None:
            overdue[row.assignment.school_id].append(row)
    sent = 0
    for school_id, rows in sorted(overdue.items()):
        school = rows[0].assignment.school
        if school is None:  # excluded above; for the type checker
            continue
        people = sorted(
            {r.assignment.user.get_full_name() or r.assignment.user.get_username() for r in rows}
        )
        principals = policy.school_holders(Perm.TRAINING_OVERSEE, school)
        for principal in principals:
            key = f"digest:{school_id}:{year}-W{week:02d}"
            with transaction.atomic():
                if not _once(principal, key):
                    continue
                language = _language(principal)
                with translation.override(language):
                    title = _("%(count)d staff overdue on training at %(school)s") % {
                        "count": len(people),
                        "school": school.name,
                    }
                    body = ", ".join(people[:30]) + (" …" if len(people) > 30 else "")
                    url = reverse("training:dashboard") + f"?school={school.slug}"
                notify.send([principal], kind="training.digest", title=title, body=body, url=url)
                audit.record(
                    None,
                    "training.digest",
                    ("core.school", school_id),
                    school_id=school_id,
                    detail={"user": principal.pk, "overdue": len(people), "language": language},
                )
                sent += 1
    return sent
