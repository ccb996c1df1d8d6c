"""Tips about the same incident, grouped as they arrive, and the responders' work on a group:
acknowledge it, message every reporter of it, close it, move a tip out, merge two groups.

Grouping never costs a tip anything: every tip is stored, gets its own receipt and its own
dialogue, and counts once; a group is only how the responders see them. If fingerprinting fails
the tip is a group of its own.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from haven.access import policy
from haven.audit import services as audit
from haven.tips import grouping
from haven.tips.models import Attachment, Message, Status, Tip, TipGroup

if TYPE_CHECKING:
    from haven.accounts.models import User

log = logging.getLogger(__name__)

#: Grouping compares a new tip with at most this many of the newest tips in its window: a flood's
#: reports arrive together, and this bounds what a submission pays during one.
MAX_CANDIDATES = 500
OPEN = (Status.NEW, Status.ACKNOWLEDGED, Status.TRIAGED)


def window() -> timedelta:
    return timedelta(hours=max(1, int(getattr(settings, "HAVEN_TIP_GROUP_HOURS", 72))))


def fingerprint_of(clean: dict[str, Any]) -> grouping.Fingerprint | None:
    """The keyed fingerprint of a validated submission, or None if it cannot be made (logged
    without the tip's content): the tip is then a group of its own."""
    try:
        return grouping.fingerprint(
            clean.get("description", ""),
            location=clean.get("location", ""),
            subject_names=clean.get("subject_names") or [],
            online_url=clean.get("online_url", ""),
        )
    except Exception:
        log.exception("could not fingerprint a new tip; it will be a group of its own")
        return None


def place(tip: Tip, found: grouping.Fingerprint | None, now: datetime) -> None:
    """Choose the group of a tip about to be stored (within the submission's transaction): the
    group with the most tips it matches among the same school's (or the district page's) tips of
    the window, or a new group."""
    chosen = None
    if found is not None:
        tip.fingerprint = found.signature
        tip.fingerprint_keys = found.keys()
        tip.fingerprint_pepper = found.pepper
        try:
            with transaction.atomic():  # a savepoint: a failure here costs the tip nothing
                chosen = _best_group(tip, found, now)
        except Exception:
            log.exception("could not group a new tip; it will be a group of its own")
    if chosen is None:
        chosen = TipGroup.objects.create(
            district_id=tip.district_id, school_id=tip.school_id, created_at=now
        )
    tip.group = chosen


def _best_group(tip: Tip, found: grouping.Fingerprint, now: datetime) -> TipGroup | None:
    same_place: dict[str, Any] = {"district_id": tip.district_id, "school_id": tip.school_id}
    candidates = (
        Tip.objects.filter(
            **same_place,
            created_at__gte=now - window(),
            fingerprint_pepper=found.pepper,
            group__isnull=False,
        )
        .order_by("-created_at")
        .values_list("group_id", "category", "fingerprint", "fingerprint_keys")[:MAX_CANDIDATES]
    )
    # Straight from the cursor: Django's per-row conversions cost more than the matching.
    sql, params = candidates.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return None
    keys = set(found.keys())
    matcher = grouping.Matcher(keys)
    scores = grouping.similarities(found.signature, [r[2] for r in rows])
    votes: dict[int, tuple[int, float]] = {}
    for (group_id, category, _sig, stored_keys), score in zip(rows, scores, strict=True):
        text = stored_keys if isinstance(stored_keys, str) else json.dumps(stored_keys)
        # Without a shared link or name only a close likeness can match: skip the rest quickly.
        if score < grouping.TEXT_SIMILARITY and not any(k in text for k in keys):
            continue
        listed = json.loads(text) if text else []
        other = {k for k in listed if isinstance(k, str)} if isinstance(listed, list) else set()
        if matcher.match(float(score), other, grouping.kindred(tip.category, category)):
            count, best = votes.get(group_id, (0, 0.0))
            votes[group_id] = (count + 1, max(best, float(score)))
    if not votes:
        return None
    group_id = max(votes, key=lambda g: (votes[g], g))
    return TipGroup.objects.filter(pk=group_id).first()


# --- reading --------------------------------------------------------------------------------------


def members(user: User, group_id: int | None) -> QuerySet[Tip]:
    """The tips of a group that ``user`` may see: the most urgent open one first, then newest."""
    qs = policy.visible_to(user, Tip).filter(group_id=group_id).select_related("school")
    return qs.order_by("-life_safety", "status", "-created_at", "-pk")


def top_first(tips: list[Tip]) -> list[Tip]:
    """Open life-safety tips first, then the other open ones, newest first within each."""
    return sorted(
        tips,
        key=lambda t: (
            not (t.life_safety and t.status in OPEN),
            t.status not in OPEN,
            -t.created_at.timestamp(),
            -t.pk,
        ),
    )


@dataclass
class Summary:
    """A group as the responders see it: its tips top first, and what they say together."""

    tips: list[Tip]
    names: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    files: list[Attachment] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.tips)

    @property
    def top(self) -> Tip | None:
        return self.tips[0] if self.tips else None


def summary(user: User, tip: Tip) -> Summary:
    """The group of ``tip`` that ``user`` may see, with the union of its names, links and files."""
    tips = top_first(list(members(user, tip.group_id))) if tip.group_id else [tip]
    names: dict[str, str] = {}
    links: dict[str, str] = {}
    for member in tips:
        for name in member.subject_names or []:
            if isinstance(name, str) and name.strip():
                names.setdefault(grouping.fold(name), name.strip())
        for link in grouping.links_in(member.description, ""):
            links.setdefault(link, link)
        if member.online_url:
            links.setdefault(grouping.normal_link(member.online_url), member.online_url)
    files = list(
        Attachment.objects.filter(tip__in=[t.pk for t in tips]).order_by("created_at", "pk")
    )
    return Summary(
        tips=tips, names=sorted(names.values()), links=sorted(links.values()), files=files
    )


# --- the responders' work on a group --------------------------------------------------------------


def _group_of(user: User, tip: Tip) -> list[Tip]:
    """The tip's group as stored now (the caller's copy may be older), as ``user`` sees it."""
    current = policy.visible_to(user, Tip).filter(pk=tip.pk).values_list("group_id", flat=True)
    if not current.exists():
        raise PermissionDenied(_("You cannot work on this tip."))
    tip.group_id = current.first()
    return list(members(user, tip.group_id)) if tip.group_id else [tip]


def acknowledge_group(user: User, tip: Tip) -> int:
    """Acknowledge every new tip of the group (escalation stops for all of them); how many."""
    from haven.tips.services.responders import acknowledge  # responders → submission → here

    count = 0
    with transaction.atomic():
        for member in _group_of(user, tip):
            if member.status == Status.NEW:
                acknowledge(user, member)
                count += 1
    return count


def message_group(user: User, tip: Tip, body: str, *, signed: bool = False) -> list[Message]:
    """The same message to every reporter of the group's open tips: each gets it in their own
    dialogue (and reads only that one). Closed tips are left alone."""
    from haven.tips.services.responders import staff_message

    with transaction.atomic():
        targets = [m for m in _group_of(user, tip) if m.status != Status.CLOSED]
        if not targets:
            raise ValidationError({"body": _("Every tip of this group is closed.")})
        return [staff_message(user, m, body, signed=signed) for m in targets]


def close_group(user: User, tip: Tip, disposition: str) -> int:
    """Close every open tip of the group with one disposition; how many were closed."""
    from haven.tips.services.responders import close

    count = 0
    with transaction.atomic():
        for member in _group_of(user, tip):
            if member.status != Status.CLOSED:
                close(user, member, disposition)
                count += 1
    return count


def move_out(user: User, tip: Tip) -> TipGroup:
    """Take a wrongly grouped tip out of its group: it becomes a group of its own (audited). If
    it was the one the on-call tiers were paged for, the group's next new tip is paged instead."""
    group = _group_of(user, tip)
    if len(group) < 2 and Tip.objects.filter(group_id=tip.group_id).count() < 2:
        raise ValidationError({"group": _("This tip is the only one in its group.")})
    with transaction.atomic():
        tip = Tip.objects.select_for_update().get(pk=tip.pk)
        old = tip.group_id
        was_paging = tip.status == Status.NEW and tip.ack_deadline is not None
        new = TipGroup.objects.create(
            district_id=tip.district_id, school_id=tip.school_id, created_at=tip.created_at
        )
        Tip.objects.filter(pk=tip.pk).update(group=new)
        tip.group = new
        audit.record(user, "update", tip, detail={"group": {"from": old, "to": new.pk}})
        if was_paging:
            _page_again_if_uncovered(old)
    return new


def merge(user: User, tip: Tip, other: Tip) -> int:
    """Put the group of ``other`` into the group of ``tip`` (both must be visible, of the same
    school or district page); how many tips moved. Audited on every tip that moved."""
    _group_of(user, tip)
    theirs = _group_of(user, other)
    if tip.group_id == other.group_id:
        raise ValidationError({"other": _("These tips are already in one group.")})
    if (tip.district_id, tip.school_id) != (other.district_id, other.school_id):
        raise ValidationError({"other": _("Only tips of the same school can be grouped.")})
    if Tip.objects.filter(group_id=other.group_id).count() != len(theirs):
        raise PermissionDenied(_("You cannot see every tip of the other group."))
    with transaction.atomic():
        moved = list(Tip.objects.select_for_update().filter(group_id=other.group_id))
        Tip.objects.filter(pk__in=[t.pk for t in moved]).update(group_id=tip.group_id)
        for member in moved:
            audit.record(
                user,
                "update",
                member,
                detail={"group": {"from": other.group_id, "to": tip.group_id, "merged": True}},
            )
    return len(moved)


def _page_again_if_uncovered(group_id: int | None) -> None:
    """A group whose paged tip left it, with new tips none of which is still paging (with a
    deadline), and none acknowledged, has its most urgent new tip paged by the escalation job
    within a minute."""
    if group_id is None:
        return
    new = Tip.objects.filter(group_id=group_id, status=Status.NEW)
    if not new.exists() or new.filter(Q(ack_deadline__isnull=False)).exists():
        return
    if Tip.objects.filter(group_id=group_id).exclude(status=Status.NEW).exists():
        return  # the group is acknowledged: responders are on it
    first = new.order_by("-life_safety", "-created_at").first()
    if first is not None:
        first.escalation_tier, first.ack_deadline = 0, None
        first.save(update_fields=["escalation_tier", "ack_deadline"])  # saved: reports follow it
