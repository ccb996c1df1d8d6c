"""How long a closed tip is kept, and the purge of those past it."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone

from haven.audit import services as audit
from haven.tips.models import (
    RetentionPolicy,
    Status,
    Tip,
    TipGroup,
)
from haven.tips.services.submission import delete_files

DEFAULT_RETENTION_DAYS = 365 * 3


def retention_days(tip: Tip) -> int:
    policy_row = RetentionPolicy.objects.filter(
        district=tip.district_id, category=tip.category
    ).first()
    return policy_row.days if policy_row else DEFAULT_RETENTION_DAYS


def purge_expired(now: datetime | None = None) -> int:
    """Delete closed tips past their category's retention (with their dialogue and files), except
    those on legal hold. Retention is read now, from the district's policy, so shortening or
    lengthening a category's period applies to tips already closed. Each purge is audited."""
    now = now or timezone.now()
    days = {(row.district_id, row.category): row.days for row in RetentionPolicy.objects.all()}
    shortest = min([DEFAULT_RETENTION_DAYS, *days.values()])
    candidates = Tip.objects.filter(
        status=Status.CLOSED,
        legal_hold=False,
        closed_at__lte=now - timedelta(days=shortest),
    ).order_by("pk")
    count = 0
    for pk, district_id, category, closed_at in candidates.values_list(
        "pk", "district_id", "category", "closed_at"
    ):
        keep_for = days.get((district_id, category), DEFAULT_RETENTION_DAYS)
        if closed_at is None or closed_at + timedelta(days=keep_for) > now:
            continue
        with transaction.atomic():
            tip = (
                Tip.objects.select_for_update()
                .filter(pk=pk, status=Status.CLOSED, legal_hold=False)
                .first()
            )
            if tip is None:
                continue  # reopened or put on hold meanwhile
            files = [
                (field.storage, field.name)
                for item in tip.attachments.all()
                for field in (item.original, item.cleaned)
            ]
            audit.record(
                None,
                "delete",
                tip,
                reason="retention",
                detail={"purged": True, "category": category, "files": len(files)},
            )
            group_id = tip.group_id
            tip.delete()
            # A group left with no tip says nothing any more: it goes too.
            if group_id is not None:
                TipGroup.objects.filter(pk=group_id, tips__isnull=True).delete()
            # Files go once the rows are gone for good; a failed transaction keeps both.
            transaction.on_commit(partial(delete_files, files))
            count += 1
    return count
