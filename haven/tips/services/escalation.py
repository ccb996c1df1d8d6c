"""Escalation: a life-safety tip nobody acknowledges goes to the next on-call tier, then to the
district."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.audit import services as audit
from haven.notify import services as notify
from haven.tips import oncall
from haven.tips.models import (
    Status,
    Tip,
)

log = logging.getLogger(__name__)


def notify_first_tier(tip: Tip, now: datetime) -> dict[str, Any]:
    """Within the submission's transaction, in a savepoint of its own: the tip is stored and the
    reporter gets their receipt whatever happens here. If notifying fails, the escalation job
    notifies the first tier within a minute (it looks for tips still at tier 0)."""
    try:
        with transaction.atomic():
            return _notify_tier(tip, oncall.next_tier(tip.school, 0), now)
    except Exception:
        tip.escalation_tier, tip.ack_deadline = 0, None
        log.exception("could not notify the on-call tier of tip %s; the job will retry", tip.pk)
        return {"escalated_to_tier": 0, "notify_failed": True}


def notify_new(tip: Tip, now: datetime) -> dict[str, Any]:
    """Page for a new tip once per group: a tip whose group already has a new tip paging (with
    a deadline, or at the district tier) for which the on-call tiers were notified is *covered* by
    it — unless the new tip is life-safety and that one is not. A routine tip joining a group the
    responders already acknowledged is covered too. A life-safety tip in an acknowledged group is
    paged at once (the responders may be working on something less urgent). Otherwise as
    :func:`notify_first_tier`."""
    if tip.group_id is not None:
        others = Tip.objects.filter(group_id=tip.group_id).exclude(pk=tip.pk)
        paging = others.filter(status=Status.NEW, escalation_tier__gt=0)
        if tip.life_safety:
            paging = paging.filter(life_safety=True)
        lead = paging.order_by("-escalation_tier", "created_at").first()
        acknowledged = not tip.life_safety and others.exclude(status=Status.NEW).exists()
        if lead is not None or acknowledged:
            tier = lead.escalation_tier if lead else max(1, tip.escalation_tier)
            tip.escalation_tier, tip.ack_deadline = tier, None
            tip.save(update_fields=["escalation_tier", "ack_deadline"])
            return {"grouped_with": lead.pk if lead else None, "notified": 0, "covered": True}
    return notify_first_tier(tip, now)


def start_escalation(tip_id: int) -> None:
    """Notify the first on-call tier of a new tip that has not been notified yet (no-op for one
    that has) and set when it must be acknowledged."""
    with transaction.atomic():
        tip = Tip.objects.select_for_update().filter(pk=tip_id, status=Status.NEW).first()
        if tip is None or tip.escalation_tier:
            return
        detail = _notify_tier(tip, oncall.next_tier(tip.school, 0), timezone.now())
        audit.record(None, "update", tip, detail=detail)


def _notify_tier(tip: Tip, tier: int, now: datetime) -> dict[str, Any]:
    """Notify ``tier`` (in the app and by e-mail) and set its deadline; returns what happened, for
    the caller's audit entry. A tier with nobody on call right now is skipped at once: waiting for
    nobody would only lose minutes."""
    escalated = tip.escalation_tier > 0
    recipients = oncall.responders_for(tip, tier, now)
    skipped = []
    while not recipients and tier != oncall.DISTRICT_TIER:
        skipped.append(tier)
        tier = oncall.next_tier(tip.school, tier)
        recipients = oncall.responders_for(tip, tier, now)
    tip.escalation_tier = tier
    tip.ack_deadline = None if tier == oncall.DISTRICT_TIER else oncall.ack_deadline(tip, now)
    tip.save(update_fields=["escalation_tier", "ack_deadline"])
    if not recipients:
        log.error("tip %s: nobody to notify, not even at the district tier", tip.pk)
    where = tip.school.name if tip.school else tip.district.name
    if tip.life_safety:
        title = _("LIFE-SAFETY tip at %(where)s: acknowledge now") % {"where": where}
    else:
        title = _("New tip at %(where)s") % {"where": where}
    if escalated:
        title = _("Escalated (not acknowledged in time): %(title)s") % {"title": title}
    notify.send(
        recipients,
        kind="tip_life_safety" if tip.life_safety else "tip_new",
        title=title,
        # Never the tip's content in a notification: e-mail is not encrypted end to end.
        body=_("Category: %(category)s. Open Haven to read and acknowledge it.")
        % {"category": tip.get_category_display()},
        url=reverse("tips:detail", args=[tip.pk]),
        urgent=tip.life_safety,
    )
    return {"escalated_to_tier": tier, "skipped_tiers": skipped, "notified": len(recipients)}


def escalate_overdue(now: datetime | None = None) -> int:
    """Move every unacknowledged tip past its deadline to the next tier, and notify the first tier
    of any new tip whose first notification failed. Run every minute by the worker."""
    now = now or timezone.now()
    moved = 0
    due = Q(ack_deadline__lte=now) | Q(escalation_tier=0, created_at__lte=now)
    for pk in list(Tip.objects.filter(due, status=Status.NEW).values_list("pk", flat=True)):
        with transaction.atomic():
            tip = Tip.objects.select_for_update().filter(due, pk=pk, status=Status.NEW).first()
            if tip is None:
                continue  # acknowledged (or escalated by another worker) meanwhile
            detail = _notify_tier(tip, oncall.next_tier(tip.school, tip.escalation_tier), now)
            audit.record(None, "update", tip, detail=detail)
            moved += 1
    return moved
