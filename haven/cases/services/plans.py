"""Safety and intervention plans, follow-up reviews, and the daily reminders of what is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.access import policy
from haven.cases.models import Case, PlanItem, Review, Status, Task
from haven.cases.services._common import (
    audit_read,
    clean_text,
    notify_users,
    record,
    require_case,
    require_open,
    team_users,
)

if TYPE_CHECKING:
    from haven.accounts.models import User

MAX_DESCRIPTION = 2_000
MAX_OUTCOME = 10_000


@dataclass
class Plan:
    items: list[PlanItem]
    reviews: list[Review]

    @property
    def next_review(self) -> Review | None:
        return next((r for r in self.reviews if r.done_at is None), None)


def plan(user: User, case: Case) -> Plan:
    """The safety plan's items and the reviews, audited."""
    case = require_case(user, case)
    items = list(PlanItem.objects.filter(case=case).select_related("owner"))
    reviews = list(Review.objects.filter(case=case).select_related("done_by"))
    audit_read(user, case, what="plan")
    return Plan(items, reviews)


def _date(value: Any, field: str) -> date:
    if not isinstance(value, date):
        raise ValidationError({field: _("Give a date.")})
    return value


def add_plan_item(
    user: User, case: Case, *, kind: str, description: str, owner: User | None, due_on: date
) -> PlanItem:
    """A support, supervision, search, meeting or referral with its owner and due date. The
    owner must be someone who sees the case; they are told."""
    case = require_case(user, case)
    require_open(case)
    if kind not in PlanItem.Kind.values:
        raise ValidationError({"kind": _("Choose what kind of item this is.")})
    description = clean_text(description, "description", limit=MAX_DESCRIPTION)
    if owner is None or not policy.can_see_case(owner, case):
        raise ValidationError({"owner": _("The owner must be someone who can see the case.")})
    due_on = _date(due_on, "due_on")
    with transaction.atomic():
        item = PlanItem.objects.create(
            case=case,
            kind=kind,
            description=description,
            owner=owner,
            due_on=due_on,
            created_by=user,
        )
        record(
            user,
            case,
            action="create",
            kind="plan_item",
            obj=item,
            text=_("Safety plan: %(kind)s added") % {"kind": PlanItem.Kind(kind).label},
        )
        if owner.pk != user.pk:
            notify_users(
                [owner],
                case,
                kind="case_plan",
                title=_("A safety-plan item on case #%(n)d is yours") % {"n": case.pk},
            )
    return item


def settle_plan_item(user: User, item: PlanItem, *, status: str) -> PlanItem:
    """Mark a plan item done or cancelled (or open again)."""
    case = require_case(user, item.case_id)
    if status not in PlanItem.Status.values:
        raise ValidationError({"status": _("One of: open, done, cancelled.")})
    with transaction.atomic():
        item.status = status
        finished = status != PlanItem.Status.OPEN
        item.done_at = timezone.now() if finished else None
        item.done_by = user if finished else None
        item.save(update_fields=["status", "done_at", "done_by"])
        record(
            user,
            case,
            action="update",
            kind="plan_item_status",
            obj=item,
            text=_("Safety plan: %(kind)s %(status)s")
            % {
                "kind": PlanItem.Kind(item.kind).label,
                "status": PlanItem.Status(status).label.lower(),
            },
        )
    return item


def schedule_review(user: User, case: Case, *, due_on: date) -> Review:
    """Schedule a follow-up review of the case; the team is reminded when it is due."""
    case = require_case(user, case)
    require_open(case)
    due_on = _date(due_on, "due_on")
    if due_on < timezone.localdate():
        raise ValidationError({"due_on": _("A review is scheduled for today or later.")})
    with transaction.atomic():
        review = Review.objects.create(case=case, due_on=due_on, scheduled_by=user)
        record(
            user,
            case,
            action="create",
            kind="review_scheduled",
            obj=review,
            text=_("Follow-up review scheduled for %(day)s") % {"day": due_on.isoformat()},
        )
    return review


def record_review(user: User, review: Review, *, outcome: str) -> Review:
    """Record what the follow-up review found."""
    case = require_case(user, review.case_id)
    if review.done_at is not None:
        raise ValidationError({"review": _("This review has been recorded already.")})
    outcome = clean_text(outcome, "outcome", limit=MAX_OUTCOME)
    with transaction.atomic():
        review.outcome, review.done_at, review.done_by = outcome, timezone.now(), user
        review.save(update_fields=["outcome", "done_at", "done_by"])
        record(user, case, action="update", kind="review_done", obj=review, text=_("Review held"))
    return review


def send_reminders(today: date | None = None) -> int:
    """Tell owners of plan items and tasks due (or overdue), and the teams of reviews due, once a
    day each. Returns how many reminders were sent. Run daily by the worker."""
    today = today or timezone.localdate()
    sent = 0
    due_items = PlanItem.objects.filter(
        status=PlanItem.Status.OPEN, due_on__lte=today, case__status=Status.OPEN
    ).exclude(reminded_on=today)
    for item in due_items.select_related("case", "owner"):
        with transaction.atomic():
            notify_users(
                [item.owner],
                item.case,
                kind="case_reminder",
                title=_("A safety-plan item on case #%(n)d is due") % {"n": item.case_id},
            )
            PlanItem.objects.filter(pk=item.pk).update(reminded_on=today)
        sent += 1
    due_tasks = Task.objects.filter(
        done_at__isnull=True, due_on__lte=today, assignee__isnull=False, case__status=Status.OPEN
    ).exclude(reminded_on=today)
    for task in due_tasks.select_related("case", "assignee"):
        with transaction.atomic():
            notify_users(
                [task.assignee],
                task.case,
                kind="case_reminder",
                title=_("A task on case #%(n)d is due") % {"n": task.case_id},
            )
            Task.objects.filter(pk=task.pk).update(reminded_on=today)
        sent += 1
    due_reviews = Review.objects.filter(
        done_at__isnull=True, due_on__lte=today, case__status=Status.OPEN
    ).exclude(reminded_on=today)
    for review in due_reviews.select_related("case"):
        with transaction.atomic():
            notify_users(
                team_users(review.case),
                review.case,
                kind="case_reminder",
                title=_("Case #%(n)d is due for its follow-up review") % {"n": review.case_id},
            )
            Review.objects.filter(pk=review.pk).update(reminded_on=today)
        sent += 1
    return sent
