"""Training completion by school and role, as the training app counts it
(:func:`haven.training.services.per_role`: a person counts once per role — done when every
assignment of theirs is done, overdue when any is), on the period's last day (today, for a period
that has not ended). Counts only: no one's name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone

from haven.accounts.models import role_label
from haven.reports.filters import Filters

if TYPE_CHECKING:
    from haven.accounts.models import User


def training_report(user: User, filters: Filters) -> dict[str, Any]:
    """Completion per school of the filter and role (a few queries per school)."""
    from haven.training import services as training

    on = min(filters.last, timezone.localdate())
    rows: list[dict[str, Any]] = []
    by_role: dict[str, dict[str, Any]] = {}
    targets: dict[str, int] = {}
    for school in filters.schools:
        targets[school.slug] = training.training_policy(school.district_id).target
        for count in training.per_role(training.school_rows(school, on)):
            rows.append(
                {
                    "school": school.slug,
                    "school_name": school.name,
                    "role": count.role,
                    "role_name": role_label(count.role),
                    "assigned": count.assigned,
                    "done": count.done,
                    "overdue": count.overdue,
                    "expiring": count.expiring,
                    "percent": count.percent,
                }
            )
            total = by_role.setdefault(
                count.role, {"assigned": 0, "done": 0, "overdue": 0, "expiring": 0}
            )
            for key in total:
                total[key] += getattr(count, key)
    for total in by_role.values():
        total["percent"] = (
            round(100.0 * total["done"] / total["assigned"], 1) if total["assigned"] else 0.0
        )
    return {
        "filters": filters.describe(),
        "as_of": on.isoformat(),
        "targets": targets,
        "rows": rows,
        "by_role": by_role,
    }
