"""Medians and 90th percentiles of durations, computed in the database.

One arithmetic on both databases — PostgreSQL's ``percentile_cont``: the value at rank
``p * (n - 1)`` of the ordered values (counting from 0), interpolated linearly between the two
values around it. PostgreSQL computes it itself; on SQLite, window functions number each group's
ordered values and only the (at most two) values around each rank come back, so the query count is
fixed and no row-by-row work happens in Python whatever the number of tips.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from django.db import connection, models
from django.db.models import Count, F, Func, Q, Window
from django.db.models.functions import RowNumber

PERCENTILES = (0.5, 0.9)


class Minutes(Func):
    """Minutes from ``start`` to ``end`` (two datetime expressions) as a float, in SQL."""

    output_field = models.FloatField()

    def __init__(self, end: Any, start: Any) -> None:
        super().__init__(end, start)

    def as_sql(  # type: ignore[override]  # PostgreSQL and others
        self, compiler: Any, connection: Any, **extra: Any
    ) -> Any:
        return super().as_sql(
            compiler,
            connection,
            template="(EXTRACT(EPOCH FROM (%(expressions)s)) / 60.0)",
            arg_joiner=" - ",
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        return super().as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 1440.0)",
            arg_joiner=") - julianday(",
        )


def percentile(values: Sequence[float], p: float) -> float | None:
    """``percentile_cont`` of sorted ``values`` (the reference the database versions follow)."""
    if not values:
        return None
    rank = p * (len(values) - 1)
    lo, hi = math.floor(rank), math.ceil(rank)
    return values[lo] + (values[hi] - values[lo]) * (rank - lo)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def percentiles(
    qs: models.QuerySet, value: Any, group: str | None = None
) -> dict[Any, dict[str, float | int | None]]:
    """Median and 90th percentile of ``value`` (an expression; rows where it is null are left out)
    over ``qs``, per ``group`` (a field path) or for all rows (key None).

    Returns ``{group: {"n", "median_minutes", "p90_minutes"}}``; one query on either database."""
    rows = qs.annotate(_v=value).filter(_v__isnull=False)
    if connection.vendor == "postgresql":
        return _postgres(rows, group)
    return _windowed(rows, group)


class _PercentileCont(models.Aggregate):
    function = "PERCENTILE_CONT"
    name = "percentile_cont"
    output_field = models.FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Any, fraction: float) -> None:
        super().__init__(expression)
        self.extra["fraction"] = repr(float(fraction))


def _postgres(rows: models.QuerySet, group: str | None) -> dict[Any, dict[str, Any]]:
    aggregates = {
        "n": Count("pk"),
        "median": _PercentileCont(F("_v"), 0.5),
        "p90": _PercentileCont(F("_v"), 0.9),
    }
    if group is None:
        found = rows.aggregate(**aggregates)
        result = {None: found} if found["n"] else {}
    else:
        result = {
            r["_g"]: r
            for r in rows.annotate(_g=F(group)).values("_g").annotate(**aggregates).order_by()
        }
    return {
        key: {"n": r["n"], "median_minutes": _round(r["median"]), "p90_minutes": _round(r["p90"])}
        for key, r in result.items()
    }


def _windowed(rows: models.QuerySet, group: str | None) -> dict[Any, dict[str, Any]]:
    partition = [F(group)] if group else []
    numbered = rows.annotate(
        _g=F(group) if group else models.Value(0),
        _i=Window(RowNumber(), partition_by=partition, order_by=[F("_v").asc(), F("pk").asc()]),
        _n=Window(Count("pk"), partition_by=partition),
    )
    # Each percentile's rank is r = p * (n - 1), counting from 0; the 1-based row numbers
    # floor(r) + 1 and ceil(r) + 1 are the ones strictly between r and r + 2.
    wanted = Q()
    for p in PERCENTILES:
        around = models.ExpressionWrapper((F("_n") - 1) * p, output_field=models.FloatField())
        wanted |= Q(_i__gt=around, _i__lt=around + 2)
    picked: dict[Any, dict[int, float]] = {}
    counts: dict[Any, int] = {}
    for g, i, n, v in numbered.filter(wanted).values_list("_g", "_i", "_n", "_v").order_by():
        picked.setdefault(g if group else None, {})[i] = v
        counts[g if group else None] = n
    result: dict[Any, dict[str, Any]] = {}
    for key, by_position in picked.items():
        n = counts[key]
        figures: dict[str, Any] = {"n": n}
        for p, name in ((0.5, "median_minutes"), (0.9, "p90_minutes")):
            rank = p * (n - 1)
            lo, hi = math.floor(rank), math.ceil(rank)
            low, high = by_position[lo + 1], by_position[hi + 1]
            figures[name] = _round(low + (high - low) * (rank - lo))
        result[key] = figures
    return result
