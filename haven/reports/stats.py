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


def bucketed_percentiles(
    qs: models.QuerySet, value: str, bucket: str, groups: dict[str, str | None]
) -> dict[str, dict[Any, dict[str, float | int | None]]]:
    """Median and 90th percentile of the stored ``value`` field over ``qs`` for each grouping of
    ``groups`` (name -> a field path, or None for all rows), the same figures as
    :func:`percentiles`, in two queries whatever the number of rows or groupings.

    ``bucket`` is a field holding an order-preserving bucket of ``value``
    (:func:`haven.reports.figures.bucket`). The first query counts the rows per group and
    bucket; the counts say which bucket holds each percentile's two neighbouring values and at
    which position. The second reads only the values of those buckets, and each percentile is the
    interpolation of the values at those positions, as ``percentile_cont`` would do.

    Returns ``{name: {group: {"n", "median_minutes", "p90_minutes"}}}``."""
    fields = sorted({f for f in groups.values() if f})
    rows = qs.filter(**{f"{value}__isnull": False})
    # Counts per group and bucket; every grouping's histogram is a sum of these rows.
    histograms: dict[str, dict[Any, dict[int, int]]] = {name: {} for name in groups}
    for row in rows.values(*fields, bucket).annotate(_n=Count("pk")).order_by():
        for name, field in groups.items():
            key = row[field] if field else None
            counts = histograms[name].setdefault(key, {})
            counts[row[bucket]] = counts.get(row[bucket], 0) + row["_n"]
    # Where each percentile's neighbours are: (grouping, group, bucket) -> positions wanted.
    wanted: dict[tuple[str, Any, int], set[int]] = {}
    plans: dict[tuple[str, Any], dict[str, Any]] = {}
    for name, by_key in histograms.items():
        for key, counts in by_key.items():
            n = sum(counts.values())
            places = {}
            for p in PERCENTILES:
                rank = p * (n - 1)
                for position in {math.floor(rank), math.ceil(rank)}:
                    before = 0
                    for b in sorted(counts):
                        if position < before + counts[b]:
                            places[position] = (b, position - before)
                            wanted.setdefault((name, key, b), set()).add(position - before)
                            break
                        before += counts[b]
            plans[(name, key)] = {"n": n, "places": places}
    if not wanted:
        return {name: {} for name in groups}
    condition = Q()
    for name, key, b in wanted:
        field = groups[name]
        condition |= Q(**{bucket: b, **({field: key} if field else {})})
    found: dict[tuple[str, Any, int], list[float]] = {}
    for row in rows.filter(condition).values(*fields, bucket, value).order_by():
        for name, field in groups.items():
            spot = (name, row[field] if field else None, row[bucket])
            if spot in wanted:
                found.setdefault(spot, []).append(row[value])
    for values in found.values():
        values.sort()
    result: dict[str, dict[Any, dict[str, Any]]] = {name: {} for name in groups}
    for (name, key), plan in plans.items():
        n = plan["n"]

        def at(position: int, name: str = name, key: Any = key, plan: Any = plan) -> float:
            b, offset = plan["places"][position]
            return found[(name, key, b)][offset]

        figures: dict[str, Any] = {"n": n}
        for p, label in ((0.5, "median_minutes"), (0.9, "p90_minutes")):
            rank = p * (n - 1)
            lo, hi = math.floor(rank), math.ceil(rank)
            low, high = at(lo), at(hi)
            figures[label] = _round(low + (high - low) * (rank - lo))
        result[name][key] = figures
    return result
