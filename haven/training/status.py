"""Where each assignment stands, derived from completions, attempts and external certificates —
never stored, so it is always as of the day asked about.

* **done** — the module was passed (or an accepted certificate is held) and is still valid;
* **expiring** — done, but what makes it done expires within :data:`EXPIRING_DAYS`;
* **overdue** — not done and the due date (extended or not) has passed;
* **in progress** — not done, not overdue, and a test was attempted (or some hours counted);
* **not started** — none of these.

A renewal (``renew_months``) makes a completion valid for that many months; once it lapses the
assignment is due on the day it lapsed. An hours requirement counts, in the current school year,
the minutes of the distinct modules passed in it and is due on the year's last day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from haven.training.models import Assignment, Requirement

EXPIRING_DAYS = 30

NOT_STARTED, IN_PROGRESS, DONE, OVERDUE, EXPIRING = (
    "not_started",
    "in_progress",
    "done",
    "overdue",
    "expiring",
)
LABELS = {
    NOT_STARTED: _("Not started"),
    IN_PROGRESS: _("In progress"),
    DONE: _("Done"),
    OVERDUE: _("Overdue"),
    EXPIRING: _("Expiring"),
}
#: The status tone (docs/architecture.md, "How it looks").
TONES = {
    NOT_STARTED: "routine",
    IN_PROGRESS: "routine",
    DONE: "done",
    OVERDUE: "life",
    EXPIRING: "high",
}


@dataclass(frozen=True)
class Standing:
    status: str
    due: dt.date | None
    completed_at: dt.datetime | None = None
    valid_until: dt.date | None = None
    minutes: int = 0  # hours requirements: minutes counted this year

    @property
    def label(self) -> str:
        return str(LABELS[self.status])

    @property
    def tone(self) -> str:
        return TONES[self.status]

    @property
    def counts_done(self) -> bool:
        return self.status in (DONE, EXPIRING)


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - 28 always exists


def school_year(today: dt.date, starts: int) -> tuple[dt.date, dt.date]:
    """The first and last day of the school year (starting in month ``starts``) holding today."""
    year = today.year if today.month >= starts else today.year - 1
    first = dt.date(year, starts, 1)
    return first, add_months(first, 12) - dt.timedelta(days=1)


@dataclass
class Record:
    """What one person has done, gathered once for many assignments (see services.records)."""

    completions: dict[int, list[Any]]  # module id -> completions, newest first
    attempted: set[int]  # module ids with any submitted attempt
    certificates: list[Any]
    minutes: dict[int, int]  # module id -> minutes


def standing(assignment: Assignment, record: Record, today: dt.date) -> Standing:
    req: Requirement = assignment.requirement
    if req.due == Requirement.Due.HOURS:
        return _hours(req, record, today)
    valid_from: tuple[dt.datetime | None, dt.date | None] = (None, None)
    best: dt.date | None = None
    completed_at = None
    for completion in record.completions.get(req.module_id or 0, []):
        until = (
            add_months(completion.completed_at.date(), req.renew_months)
            if req.renew_months
            else None
        )
        if until is None or until > today:
            best, completed_at = until, completion.completed_at
            valid_from = (completed_at, until)
            break
    if completed_at is None:
        for cert in record.certificates:
            if cert.kind in (req.accepts or []) and (
                cert.expires_on is None or cert.expires_on > today
            ):
                completed_at = dt.datetime.combine(cert.issued_on, dt.time(), tzinfo=dt.UTC)
                best = cert.expires_on
                valid_from = (completed_at, best)
                break
    if completed_at is not None:
        until = valid_from[1]
        if until is not None and (until - today).days <= EXPIRING_DAYS:
            return Standing(EXPIRING, until, completed_at, until)
        # Due next when it must be renewed; otherwise the date it was due.
        return Standing(DONE, until or assignment.due, completed_at, until)
    due = assignment.due
    lapsed = _lapsed(req, record)
    if lapsed and (due is None or lapsed > due):
        due = lapsed
    if due is not None and due < today:
        return Standing(OVERDUE, due)
    if (req.module_id or 0) in record.attempted:
        return Standing(IN_PROGRESS, due)
    return Standing(NOT_STARTED, due)


def _lapsed(req: Requirement, record: Record) -> dt.date | None:
    """The day the newest completion stopped counting (a renewal that was not renewed)."""
    if not req.renew_months:
        return None
    done = record.completions.get(req.module_id or 0, [])
    return add_months(done[0].completed_at.date(), req.renew_months) if done else None


def _hours(req: Requirement, record: Record, today: dt.date) -> Standing:
    first, last = school_year(today, req.year_starts)
    minutes = 0
    newest = None
    for module_id, completions in record.completions.items():
        in_year = [c for c in completions if first <= c.completed_at.date() <= last]
        if in_year:
            minutes += record.minutes.get(module_id, 0)
            if newest is None or in_year[0].completed_at > newest:
                newest = in_year[0].completed_at
    needed = int((req.hours or Decimal(0)) * 60)
    if minutes >= needed:
        return Standing(DONE, last, newest, last, minutes)
    return Standing(IN_PROGRESS if minutes else NOT_STARTED, last, None, None, minutes)
