"""The tip-line report reads figures kept ready (``TipFigure``); on random tips they must equal
the figures computed directly from the tips, row by row in the database (the way the report
computed them before)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Count, Exists, F, OuterRef, Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haven.reports import filters as report_filters
from haven.reports.figures import bucket
from haven.reports.models import TipFigure
from haven.reports.stats import Minutes, percentiles
from haven.reports.tips import tip_report
from haven.tips.models import Attachment, Category, Disposition, Message, Tip
from tests.reports.conftest import NOW, at

_tokens = itertools.count(1)

tips_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "school": st.sampled_from(["northside", "riverside", None]),
            "category": st.sampled_from(Category.values[:4]),
            "life_safety": st.booleans(),
            "online": st.booleans(),
            # Seconds before NOW, across a month's end and the school year's start.
            "age": st.integers(min_value=60, max_value=200 * 24 * 3600),
            # Whole seconds and odd microseconds, so percentiles land between values and ties.
            "ack": st.none() | st.integers(0, 3 * 24 * 3600) | st.floats(0, 500, allow_nan=False),
            "close": st.none() | st.integers(0, 60 * 24 * 3600),
            "disposition": st.sampled_from(["", *Disposition.values]),
            "tier": st.sampled_from([0, 1, 2, 99]),
            "messages": st.lists(
                st.sampled_from(["reporter", "staff", "note"]), max_size=3, unique=True
            ),
            "file": st.booleans(),
        }
    ),
    max_size=25,
)


def _make(spec, schools, district):
    created = (NOW - dt.timedelta(seconds=spec["age"])).astimezone(dt.UTC)
    ack = created + dt.timedelta(seconds=spec["ack"]) if spec["ack"] is not None else None
    close = ack + dt.timedelta(seconds=spec["close"]) if ack and spec["close"] is not None else None
    tip = Tip.objects.create(
        district=district,
        school=schools[spec["school"]],
        category=spec["category"],
        description="random",
        receipt_digest=f"fig-{next(_tokens)}",
        created_at=created,
        acknowledged_at=ack,
        closed_at=close,
        life_safety=spec["life_safety"],
        online=spec["online"],
        disposition=spec["disposition"] if close else "",
        escalation_tier=spec["tier"],
    )
    for who in spec["messages"]:
        Message.objects.create(
            tip=tip,
            sender="staff" if who == "note" else who,
            internal=who == "note",
            body="…",
            created_at=created,
        )
    if spec["file"]:
        n = next(_tokens)
        Attachment.objects.create(
            tip=tip,
            token=f"f{n}",
            original="x",
            cleaned="x",
            content_type="image/png",
            size=1,
            kind="image",
            created_at=created,
        )


def direct(filters):
    """The figures computed from the tips themselves (every school, the district page too)."""
    tips = Tip.objects.filter(created_at__gte=filters.start, created_at__lt=filters.end)
    reporter = Message.objects.filter(tip=OuterRef("pk"), sender="reporter")
    staff = Message.objects.filter(tip=OuterRef("pk"), sender="staff", internal=False)
    totals = tips.annotate(
        _files=Exists(Attachment.objects.filter(tip=OuterRef("pk"))),
        _dialogue=Exists(reporter) & Exists(staff),
    ).aggregate(
        total=Count("pk"),
        life_safety=Count("pk", filter=Q(life_safety=True)),
        online=Count("pk", filter=Q(online=True)),
        with_files=Count("pk", filter=Q(_files=True)),
        dialogue=Count("pk", filter=Q(_dialogue=True)),
        acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)),
        closed=Count("pk", filter=Q(closed_at__isnull=False)),
    )
    ack = Minutes(F("acknowledged_at"), F("created_at"))
    close = Minutes(F("closed_at"), F("created_at"))
    return totals, {
        "ack": percentiles(tips, ack).get(None),
        "close": percentiles(tips, close).get(None),
        "ack_school": {k or "": v for k, v in percentiles(tips, ack, "school__slug").items()},
        "ack_category": percentiles(tips, ack, "category"),
        "ack_life": {
            ("life_safety" if k else "not_life_safety"): v
            for k, v in percentiles(tips, ack, "life_safety").items()
        },
        "close_school": {k or "": v for k, v in percentiles(tips, close, "school__slug").items()},
    }


def _same(found, expected):
    if expected is None:
        assert found["n"] == 0 and found["median_minutes"] is None
    else:
        assert found == expected


@pytest.mark.django_db
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=tips_strategy)
def test_kept_figures_equal_the_figures_computed_from_the_tips(
    people, district, northside, riverside, specs
):
    Tip.objects.all().delete()
    schools = {"northside": northside, "riverside": riverside, None: None}
    for spec in specs:
        _make(spec, schools, district)
    admin = people["admin"]
    with time_machine.travel(NOW, tick=False):
        filters = report_filters.read(admin, "tips", {"from": "2026-05-01", "to": "2026-12-31"})
        found = tip_report(admin, filters, now=NOW)
    totals, timing = direct(filters)
    assert found["total"] == totals["total"]
    for name in ("life_safety", "online", "with_files", "acknowledged", "closed"):
        assert found[name] == totals[name], name
    assert found["dialogue_rate"] == (
        round(totals["dialogue"] / totals["total"], 3) if totals["total"] else None
    )
    _same(found["time_to_acknowledge"], timing["ack"])
    _same(found["time_to_close"], timing["close"])
    assert found["time_to_acknowledge_by_school"] == timing["ack_school"]
    assert found["time_to_acknowledge_by_category"] == timing["ack_category"]
    assert found["time_to_acknowledge_by_life_safety"] == timing["ack_life"]
    assert found["time_to_close_by_school"] == timing["close_school"]
    # Rebuilding from scratch gives the rows the signals kept.
    kept = list(TipFigure.objects.order_by("pk").values())
    call_command("report_figures", verbosity=0)
    assert list(TipFigure.objects.order_by("pk").values()) == kept


durations = st.floats(allow_nan=False, min_value=-1e7, max_value=1e7)


@given(durations, durations)
def test_a_smaller_duration_never_lands_in_a_larger_bucket(a, b):
    low, high = sorted((a, b))
    assert bucket(low) <= bucket(high)


def test_a_tip_s_figures_follow_its_changes(
    db, northside, tips_world, django_capture_on_commit_callbacks
):
    t4 = tips_world["t4"]
    assert TipFigure.objects.get(tip=t4).ack_minutes is None
    t4.acknowledged_at = t4.created_at + dt.timedelta(minutes=7)
    t4.save()
    row = TipFigure.objects.get(tip=t4)
    assert row.ack_minutes == pytest.approx(7) and row.ack_bucket == 7
    assert not row.dialogue
    Message.objects.create(tip=t4, sender="staff", body="…", created_at=t4.created_at)
    assert TipFigure.objects.get(tip=t4).dialogue  # t4's reporter had written already
    with django_capture_on_commit_callbacks(execute=True):
        Message.objects.filter(tip=t4, sender="staff").get().delete()
    assert not TipFigure.objects.get(tip=t4).dialogue
    with django_capture_on_commit_callbacks(execute=True):
        t4.delete()  # with its messages: their deletion writes no row for the deleted tip
    assert not TipFigure.objects.filter(tip_id=t4.pk).exists()


def test_the_demo_s_back_dated_tips_are_counted_where_they_now_fall(db, tips_world):
    t6 = tips_world["t6"]
    Tip.objects.filter(pk=t6.pk).update(created_at=at(2026, 9, 1, 9))  # no save: stale
    assert TipFigure.objects.get(tip=t6).created_at != at(2026, 9, 1, 9)
    call_command("report_figures", verbosity=0)
    assert TipFigure.objects.get(tip=t6).created_at == at(2026, 9, 1, 9)
