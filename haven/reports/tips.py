"""The tip-line report: what came in, how fast the school answered, how tips ended.

Every figure is an aggregate computed in the database (a fixed number of queries whatever the
number of tips): counts grouped by category, month and school; medians and 90th percentiles of the
minutes to acknowledge and to close (:mod:`haven.reports.stats`); the tips that breached their
school's limit (by number, never by content). Months are the district's local calendar months
(``TIME_ZONE``), so a tip sent at 23:30 on 31 October counts in October.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
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
from haven.reports.stats import Minutes, percentiles
from haven.tips.models import Attachment, Category, Disposition, Message, SchoolTipSettings, Tip

#: The limits a school without its own settings has (the tips app's defaults).
DEFAULT_LIFE_SAFETY_MINUTES = SchoolTipSettings._meta.get_field("life_safety_ack_minutes").default
DEFAULT_ROUTINE_HOURS = SchoolTipSettings._meta.get_field("routine_ack_hours").default
#: How many breaching tips the report lists (the count covers them all).
BREACH_LIST = 50
#: What Haven's tips do not record, so the report cannot count (said in the report itself).
NOT_RECORDED = ["self_vs_others"]


def categories() -> list[str]:
    return list(Category.values)


def tips_in_scope(user: Any, filters: Filters) -> QuerySet[Tip]:
    """The tips the report counts: of the schools in the filter the user may see (and, for a
    report of every school by a district-wide role, the district page's tips), sent in the
    period, of the category."""
    qs = Tip.objects.filter(policy.report_q(user, "tips", "school", "district"))
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
        Minutes(F("acknowledged_at"), F("created_at")),
        Minutes(Value(now), F("created_at")),
        output_field=FloatField(),
    )


def tip_report(user: Any, filters: Filters, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The tip-line figures for ``filters`` (see docs/reports.md for each definition)."""
    now = now or timezone.now()
    tips = tips_in_scope(user, filters)
    reporter_wrote = Message.objects.filter(tip=OuterRef("pk"), sender=Message.Sender.REPORTER)
    staff_wrote = Message.objects.filter(
        tip=OuterRef("pk"), sender=Message.Sender.STAFF, internal=False
    )
    breach = Q(_ack__gt=F("_limit"))
    counted = tips.annotate(
        _files=Exists(Attachment.objects.filter(tip=OuterRef("pk"))),
        _dialogue=Exists(reporter_wrote) & Exists(staff_wrote),
        _limit=_limit_minutes(),
        _ack=_ack_minutes(now),
    )
    totals = counted.aggregate(
        total=Count("pk"),
        life_safety=Count("pk", filter=Q(life_safety=True)),
        online=Count("pk", filter=Q(online=True)),
        with_files=Count("pk", filter=Q(_files=True)),
        dialogue=Count("pk", filter=Q(_dialogue=True)),
        breaches=Count("pk", filter=breach),
        acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)),
        closed=Count("pk", filter=Q(closed_at__isnull=False)),
        # Every disposition in the same scan of the tips (their values are fixed).
        **{f"disposition_{d}": Count("pk", filter=Q(disposition=d)) for d in Disposition.values},
    )
    total = totals["total"]

    # Category x month x school, one grouped query; the other breakdowns are sums of its rows.
    grid: list[dict[str, Any]] = []
    by_category = dict.fromkeys(Category.values, 0)
    by_month: dict[str, int] = {}
    by_school: dict[str, int] = {}
    for row in (
        tips.annotate(month=month_of("created_at", filters))
        .values("category", "month", "school__slug")
        .annotate(n=Count("pk"))
        .order_by("month", "category", "school__slug")
    ):
        month = row["month"]
        school = row["school__slug"] or ""
        grid.append(
            {"category": row["category"], "month": month, "school": school, "count": row["n"]}
        )
        by_category[row["category"]] = by_category.get(row["category"], 0) + row["n"]
        by_month[month] = by_month.get(month, 0) + row["n"]
        by_school[school] = by_school.get(school, 0) + row["n"]
    if filters.category:
        by_category = {filters.category: by_category.get(filters.category, 0)}

    dispositions = {d: totals[f"disposition_{d}"] for d in Disposition.values}
    tiers = {
        str(row["escalation_tier"]): row["n"]
        for row in tips.filter(escalation_tier__gt=0)
        .values("escalation_tier")
        .annotate(n=Count("pk"))
        .order_by("escalation_tier")
    }

    ack = Minutes(F("acknowledged_at"), F("created_at"))
    close = Minutes(F("closed_at"), F("created_at"))
    time_to_acknowledge = percentiles(tips, ack)
    time_to_close = percentiles(tips, close)
    ack_by_school = percentiles(tips, ack, "school__slug")
    ack_by_category = percentiles(tips, ack, "category")
    ack_by_life_safety = percentiles(tips, ack, "life_safety")
    close_by_school = percentiles(tips, close, "school__slug")

    breaching = [
        {
            "tip": row["pk"],
            "school": row["school__slug"] or "",
            "category": row["category"],
            "life_safety": row["life_safety"],
            "created_at": timezone.localtime(row["created_at"]).isoformat(timespec="minutes"),
            "minutes_to_acknowledge": round(row["_ack"], 1),
            "limit_minutes": row["_limit"],
            "acknowledged": row["acknowledged_at"] is not None,
        }
        for row in counted.filter(breach)
        .values(
            "pk",
            "school__slug",
            "category",
            "life_safety",
            "created_at",
            "_ack",
            "_limit",
            "acknowledged_at",
        )
        .order_by("-life_safety", "-_ack", "pk")[:BREACH_LIST]
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
