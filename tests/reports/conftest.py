"""Tips, cases and drills made directly (dates set by hand), so that every figure of the reports
can be counted by hand in the tests."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from haven.tips.models import Tip

NEW_YORK = ZoneInfo("America/New_York")
_receipts = itertools.count(1)


def at(*args: int) -> dt.datetime:
    """A moment in the district's time zone (the settings' America/New_York)."""
    return dt.datetime(*args, tzinfo=NEW_YORK)


def make_tip(school: Any, created: dt.datetime, **fields: Any) -> Tip:
    # Elapsed time is counted in UTC: adding to a local time would add wall-clock time (an hour
    # off across a change of summer time).
    created = created.astimezone(dt.UTC)
    ack = fields.pop("ack_minutes", None)
    close = fields.pop("close_minutes", None)
    tip = Tip.objects.create(
        district=school.district if school else fields.pop("district"),
        school=school,
        category=fields.pop("category", "bullying"),
        description="A hand-made tip",
        receipt_digest=f"digest-{next(_receipts)}",
        created_at=created,
        acknowledged_at=created + dt.timedelta(minutes=ack) if ack is not None else None,
        closed_at=created + dt.timedelta(minutes=close) if close is not None else None,
        status="closed" if close is not None else ("acknowledged" if ack is not None else "new"),
        **fields,
    )
    return tip


@pytest.fixture
def tip_at():
    return make_tip


NOW = at(2026, 12, 1, 12)


@pytest.fixture
def tips_world(northside, riverside, district):
    """Seven tips, each figure below counted by hand.

    northside (limits: 5 minutes life-safety, 24 hours otherwise):
      t1 bullying, 31 Oct 23:30 local (1 Nov in UTC), online, ack 10, closed 120, resolved,
         a dialogue (reporter and responder wrote)
      t2 weapon, life-safety, 1 Nov 00:10, ack 3, closed 60, case opened, a file, an internal
         note only (no dialogue)
      t3 weapon, life-safety, 2 Nov 09:00, ack 8 (breach), closed 30, false report, escalated to
         tier 2, a dialogue
      t4 bullying, 15 Nov 10:00, never acknowledged (breach: waiting since)
      t6 other, 31 Jul 2026 23:59 (the school year before)
    riverside: t5 self-harm, 1 Sep 10:00, ack 30, closed 90, duplicate, tier 1
    the district page (no school): t7 bullying, 10 Sep
    """
    from haven.tips.models import Attachment, Message

    t1 = make_tip(
        northside,
        at(2026, 10, 31, 23, 30),
        online=True,
        ack_minutes=10,
        close_minutes=120,
        disposition="resolved",
    )
    t2 = make_tip(
        northside,
        at(2026, 11, 1, 0, 10),
        category="weapon",
        life_safety=True,
        ack_minutes=3,
        close_minutes=60,
        disposition="case_opened",
    )
    t3 = make_tip(
        northside,
        at(2026, 11, 2, 9),
        category="weapon",
        life_safety=True,
        ack_minutes=8,
        close_minutes=30,
        disposition="false",
        escalation_tier=2,
    )
    t4 = make_tip(northside, at(2026, 11, 15, 10))
    t5 = make_tip(
        riverside,
        at(2026, 9, 1, 10),
        category="self_harm",
        ack_minutes=30,
        close_minutes=90,
        disposition="duplicate",
        escalation_tier=1,
    )
    t6 = make_tip(northside, at(2026, 7, 31, 23, 59), category="other")
    t7 = make_tip(None, at(2026, 9, 10, 10), district=district)
    for tip, sender, internal in (
        (t1, "reporter", False),
        (t1, "staff", False),
        (t2, "staff", True),
        (t3, "staff", False),
        (t3, "reporter", False),
        (t4, "reporter", False),
    ):
        Message.objects.create(
            tip=tip, sender=sender, internal=internal, body="…", created_at=tip.created_at
        )
    Attachment.objects.create(
        tip=t2,
        token="tok-1",
        original="tips/x.orig",
        cleaned="tips/x.view",
        content_type="image/png",
        size=10,
        kind="image",
        created_at=t2.created_at,
    )
    return {"t1": t1, "t2": t2, "t3": t3, "t4": t4, "t5": t5, "t6": t6, "t7": t7}


@pytest.fixture
def principal2(people):
    return people["principal2"]
