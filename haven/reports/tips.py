"""The tip-line report: what came in, how fast the school answered, how tips ended.

Every figure is an aggregate computed in the database (a fixed number of queries whatever the
number of tips), over the tips' figures kept ready (:class:`~haven.reports.models.TipFigure`: one
narrow row per tip, with its minutes to acknowledge and to close already worked out): counts
grouped by category, month and school; medians and 90th percentiles of the minutes to acknowledge
and to close (:func:`haven.reports.stats.bucketed_percentiles`); the tips that breached their
school's limit (by number, never by content). Months are the district's local calendar months
(``TIME_ZONE``), so a tip sent at 23:30 on 31 October counts in October.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    FloatField,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from haven.access import policy
from haven.core.models import Student
from haven.reports.filters import Filters
from haven.reports.models import TipFigure
from haven.reports.stats import Minutes, bucketed_percentiles
from haven.tips.models import Category, Disposition, SchoolTipSettings

if TYPE_CHECKING:
    from haven.accounts.models import User

#: The limits a school without its own settings has (the tips app's defaults).
DEFAULT_LIFE_SAFETY_MINUTES = SchoolTipSettings._meta.get_field("life_safety_ack_minutes").default
DEFAULT_ROUTINE_HOURS = SchoolTipSettings._meta.get_field("routine_ack_hours").default
#: How many breaching tips the report lists (the count covers them all).
BREACH_LIST = 50
#: What Haven's tips do not record, so the report cannot count (said in the report itself).
NOT_RECORDED = ["self_vs_others"]


def categories() -> list[str]:
    return list(Category.values)


def tips_in_scope(user: User, filters: Filters) -> QuerySet[TipFigure]:
    """The figures of the tips the report counts: of the schools in the filter the user may see
    (and, for a report of every school by a district-wide role, the district page's tips), sent in
    the period, of the category."""
    qs = TipFigure.objects.filter(policy.report_q(user, "tips", "school", "district"))
    if filters.school is not None:
        qs = qs.filter(school=filters.school)
    qs = qs.filter(created_at__gte=filters.start, created_at__lt=filters.end)
    if filters.category:
        qs = qs.filter(category=filters.category)
    return qs.order_by()


def month_of(field: str, filters: Filters) -> Any:
    """The local calendar month ("2026-10") of ``field``, in SQL: comparisons with each month's
    first moment in the district's time zone (summer time included). Same result as truncating to
    the local month, without a function called for every row (which SQLite would run in Python)."""
    tz = timezone.get_current_timezone()
    whens = []
    month = dt.date(filters.first.year, filters.first.month, 1)
    while month <= filters.last:
        after = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
        whens.append(
            When(
                **{f"{field}__lt": dt.datetime.combine(after, dt.time.min, tzinfo=tz)},
                then=Value(month.strftime("%Y-%m")),
            )
        )
        month = after
    return Case(*whens, default=Value(""), output_field=CharField())


def _limit_minutes() -> Any:
    """Each tip's school limit for acknowledging it, in minutes."""
    return Case(
        When(
            life_safety=True,
            then=Coalesce(
                F("school__tip_settings__life_safety_ack_minutes"),
                Value(DEFAULT_LIFE_SAFETY_MINUTES),
            ),
        ),
        default=Coalesce(F("school__tip_settings__routine_ack_hours"), Value(DEFAULT_ROUTINE_HOURS))
        * 60,
        output_field=IntegerField(),
    )


def _ack_minutes(now: dt.datetime) -> Any:
    """Minutes to acknowledge; for a tip still waiting, the minutes it has waited so far."""
    return Coalesce(
        F("ack_minutes"),
        Minutes(Value(now), F("created_at")),
        output_field=FloatField(),
    )


def tip_report(user: User, filters: Filters, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The tip-line figures for ``filters`` (see docs/reports.md for each definition)."""
    now = now or timezone.now()
    tips = tips_in_scope(user, filters)
    breach = Q(_ack__gt=F("_limit"))
    counted = tips.annotate(
        _limit=_limit_minutes(),
        _ack=_ack_minutes(now),
    )
    # One grouped scan: category x month x school x escalation tier, each group with its counts;
    # the totals and every other breakdown are sums of its rows.
    counts = {
        "n": Count("pk"),
        "life_safety": Count("pk", filter=Q(life_safety=True)),
        "online": Count("pk", filter=Q(online=True)),
        "with_files": Count("pk", filter=Q(with_files=True)),
        "dialogue": Count("pk", filter=Q(dialogue=True)),
        "breaches": Count("pk", filter=breach),
        "acknowledged": Count("pk", filter=Q(ack_minutes__isnull=False)),
        "closed": Count("pk", filter=Q(close_minutes__isnull=False)),
        # Every disposition in the same scan of the tips (their values are fixed).
        **{f"disposition_{d}": Count("pk", filter=Q(disposition=d)) for d in Disposition.values},
    }
    totals = dict.fromkeys(counts, 0)
    cells: dict[tuple[str, str, str], int] = {}
    tier_counts: dict[int, int] = {}
    for row in (
        counted.annotate(month=month_of("created_at", filters))
        .values("category", "month", "school__slug", "escalation_tier")
        .annotate(**counts)
        .order_by()
    ):
        for name in counts:
            totals[name] += row[name]
        cell = (row["month"], row["category"], row["school__slug"] or "")
        cells[cell] = cells.get(cell, 0) + row["n"]
        if row["escalation_tier"] > 0:
            tier = row["escalation_tier"]
            tier_counts[tier] = tier_counts.get(tier, 0) + row["n"]
    total = totals["n"]

    grid: list[dict[str, Any]] = []
    by_category = dict.fromkeys(Category.values, 0)
    by_month: dict[str, int] = {}
    by_school: dict[str, int] = {}
    for (month, category, school), n in sorted(cells.items()):
        grid.append({"category": category, "month": month, "school": school, "count": n})
        by_category[category] = by_category.get(category, 0) + n
        by_month[month] = by_month.get(month, 0) + n
        by_school[school] = by_school.get(school, 0) + n
    if filters.category:
        by_category = {filters.category: by_category.get(filters.category, 0)}

    dispositions = {d: totals[f"disposition_{d}"] for d in Disposition.values}
    tiers = {str(tier): tier_counts[tier] for tier in sorted(tier_counts)}

    ack = bucketed_percentiles(
        tips,
        "ack_minutes",
        "ack_bucket",
        {"all": None, "school": "school__slug", "category": "category", "life": "life_safety"},
    )
    close = bucketed_percentiles(
        tips, "close_minutes", "close_bucket", {"all": None, "school": "school__slug"}
    )
    time_to_acknowledge, time_to_close = ack["all"], close["all"]
    ack_by_school, ack_by_category = ack["school"], ack["category"]
    ack_by_life_safety, close_by_school = ack["life"], close["school"]

    breaching = [
        {
            "tip": row["tip_id"],
            "school": row["school__slug"] or "",
            "category": row["category"],
            "life_safety": row["life_safety"],
            "created_at": timezone.localtime(row["created_at"]).isoformat(timespec="minutes"),
            "minutes_to_acknowledge": round(row["_ack"], 1),
            "limit_minutes": row["_limit"],
            "acknowledged": row["ack_minutes"] is not None,
        }
        for row in counted.filter(breach)
        .values(
            "tip_id",
            "school__slug",
            "category",
            "life_safety",
            "created_at",
            "_ack",
            "_limit",
            "ack_minutes",
        )
        .order_by("-life_safety", "-_ack", "tip_id")[:BREACH_LIST]
    ]

    enrolment = _enrolment(filters)
    per_school_rate = {
        slug: _per_thousand(by_school.get(slug, 0), n) for slug, n in enrolment.items()
    }
    students = sum(enrolment.values())
    return {
        "filters": filters.describe(),
        "total": total,
        "by_category": by_category,
        "by_month": by_month,
        "by_school": by_school,
        "by_category_month_school": grid,
        "life_safety": totals["life_safety"],
        "not_life_safety": total - totals["life_safety"],
        "online": totals["online"],
        "in_person": total - totals["online"],
        "with_files": totals["with_files"],
        "self_reports": None,
        "about_others": None,
        "not_recorded": NOT_RECORDED,
        "students": students,
        "per_1000_students": _per_thousand(
            sum(by_school.get(slug, 0) for slug in enrolment), students
        ),
        "per_1000_students_by_school": per_school_rate,
        "acknowledged": totals["acknowledged"],
        "closed": totals["closed"],
        "time_to_acknowledge": _figures(time_to_acknowledge.get(None)),
        "time_to_close": _figures(time_to_close.get(None)),
        "time_to_acknowledge_by_school": {
            (k or ""): _figures(v) for k, v in sorted(ack_by_school.items(), key=_key)
        },
        "time_to_acknowledge_by_category": {
            k: _figures(v) for k, v in sorted(ack_by_category.items(), key=_key)
        },
        "time_to_acknowledge_by_life_safety": {
            ("life_safety" if k else "not_life_safety"): _figures(v)
            for k, v in sorted(ack_by_life_safety.items(), key=_key)
        },
        "time_to_close_by_school": {
            (k or ""): _figures(v) for k, v in sorted(close_by_school.items(), key=_key)
        },
        "breaches": totals["breaches"],
        "breaching_tips": breaching,
        "escalations_by_tier": tiers,
        "dispositions": dispositions,
        "duplicates": dispositions.get(Disposition.DUPLICATE, 0),
        "dialogue_rate": round(totals["dialogue"] / total, 3) if total else None,
    }


def _key(item: tuple[Any, Any]) -> str:
    return str(item[0] or "")


def _figures(found: dict[str, Any] | None) -> dict[str, Any]:
    found = found or {}
    return {
        "n": found.get("n", 0),
        "median_minutes": found.get("median_minutes"),
        "p90_minutes": found.get("p90_minutes"),
    }


def _per_thousand(count: int, students: int) -> float | None:
    return round(count * 1000 / students, 1) if students else None


def _enrolment(filters: Filters) -> dict[str, int]:
    """Active students per school of the filter (one grouped query)."""
    rows = (
        Student.objects.filter(school__in=filters.school_ids, active=True)
        .values("school__slug")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["school__slug"]: row["n"] for row in rows}
