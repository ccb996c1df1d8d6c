"""The page a district may publish (off by default: :class:`~haven.reports.models.PublicReport`):
the tip line's aggregate counts and outcomes for a school year, so that students see reporting
works. No name, no school, no text: tips by category, closed tips by outcome, the median time to
acknowledge. A count from 1 to the district's threshold minus one is withheld (``None``: "fewer
than"), and so is the median when fewer tips than that were acknowledged."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from haven.reports.filters import year_label, year_span
from haven.reports.models import PublicReport, TipFigure
from haven.reports.stats import bucketed_percentiles
from haven.tips.models import Category, Disposition


def published(district_slug: str) -> PublicReport | None:
    """The district's public report, if it publishes one."""
    return (
        PublicReport.objects.filter(district__slug=district_slug, enabled=True)
        .select_related("district")
        .first()
    )


def _cell(n: int, below: int) -> int | None:
    return None if 0 < n < below else n


def public_figures(report: PublicReport, year: int) -> dict[str, Any]:
    """The published figures of school year ``year``."""
    first, last = year_span(year)
    tz = timezone.get_current_timezone()
    tips = TipFigure.objects.filter(
        district=report.district,
        created_at__gte=dt.datetime.combine(first, dt.time.min, tzinfo=tz),
        created_at__lt=dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    ).order_by()
    below = report.suppress_below
    totals = tips.aggregate(
        total=Count("pk"),
        **{f"c_{c}": Count("pk", filter=Q(category=c)) for c in Category.values},
        **{f"d_{d}": Count("pk", filter=Q(disposition=d)) for d in Disposition.values},
    )
    ack = bucketed_percentiles(tips, "ack_minutes", "ack_bucket", {"all": None})["all"].get(None)
    median = ack["median_minutes"] if ack and int(ack["n"] or 0) >= below else None
    return {
        "year": year_label(year),
        "suppress_below": below,
        "total": _cell(totals["total"], below),
        "by_category": {c: _cell(totals[f"c_{c}"], below) for c in Category.values},
        "outcomes": {d: _cell(totals[f"d_{d}"], below) for d in Disposition.values},
        "median_minutes_to_acknowledge": median,
    }
