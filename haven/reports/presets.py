"""Statutory presets: the tip-line figures a state's annual report asks for, gathered per school
year from the tip-line report (and, for Pennsylvania, the training report).

These are **Haven's reading** of the statutes, not the statutes' text, and not legal advice: a
district checks them against the law in force. Items a statute asks for that Haven does not
record are listed under ``not_recorded`` with the reason, never guessed.

* Colorado, Safe2Tell annual report (C.R.S. 24-31-611(1)): outcomes and actions taken; reports by
  category and month; misuse by category; reports about a single incident; uses to threaten or
  harm another person; reporters in crisis and the time to identify them and respond.
* Pennsylvania, Safe2Say Something annual report (section 1307-D(a) added by Act 44 of 2018):
  reports by event type and method, false reports, people trained.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count

from haven.reports.filters import Filters
from haven.reports.tips import tip_report, tips_in_scope
from haven.reports.training import training_report
from haven.tips.models import Disposition

if TYPE_CHECKING:
    from haven.accounts.models import User

#: Dispositions that count as misuse of the tip line.
MISUSE = (Disposition.PRANK, Disposition.FALSE)


def _by_category_month(figures: dict[str, Any]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for cell in figures["by_category_month_school"]:
        months = out.setdefault(cell["category"], {})
        months[cell["month"]] = months.get(cell["month"], 0) + cell["count"]
    return out


def _misuse_by_category(user: User, filters: Filters) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for row in (
        tips_in_scope(user, filters)
        .filter(disposition__in=MISUSE)
        .values("category", "disposition")
        .annotate(n=Count("pk"))
        .order_by("category", "disposition")
    ):
        out.setdefault(row["category"], dict.fromkeys(MISUSE, 0))[row["disposition"]] = row["n"]
    return {k: {str(d): n for d, n in v.items()} for k, v in out.items()}


def colorado_report(user: User, filters: Filters) -> dict[str, Any]:
    """Colorado's Safe2Tell items (Haven's reading of C.R.S. 24-31-611(1)(a)-(f))."""
    figures = tip_report(user, filters)
    return {
        "filters": filters.describe(),
        "preset": "colorado-safe2tell",
        "reading": "Haven's reading of C.R.S. 24-31-611(1); not the statute's text",
        "total": figures["total"],
        "outcomes": figures["dispositions"],
        "by_category_month": _by_category_month(figures),
        "misuse_by_category": _misuse_by_category(user, filters),
        "misuse": sum(figures["dispositions"][d] for d in MISUSE),
        "single_incident_duplicates": figures["duplicates"],
        "used_to_harm_another": figures["dispositions"][Disposition.FALSE],
        "life_safety": figures["life_safety"],
        "life_safety_time_to_acknowledge": figures["time_to_acknowledge_by_life_safety"].get(
            "life_safety", {"n": 0, "median_minutes": None, "p90_minutes": None}
        ),
        "reporters_in_crisis": None,
        "not_recorded": {
            "reporters_in_crisis": (
                "Haven's tip form does not ask whether the reporter is the one in crisis, and an "
                "anonymous reporter is never identified; the nearest figure is the time to "
                "acknowledge life-safety tips."
            ),
            "dispatch_center": "The state's dispatch centre is not part of Haven.",
        },
    }


def pennsylvania_report(user: User, filters: Filters) -> dict[str, Any]:
    """Pennsylvania's Safe2Say items (Haven's reading of Act 44 of 2018's annual report)."""
    figures = tip_report(user, filters)
    trained = training_report(user, filters)
    return {
        "filters": filters.describe(),
        "preset": "pennsylvania-safe2say",
        "reading": "Haven's reading of Act 44 of 2018 (annual report); not the statute's text",
        "total": figures["total"],
        "by_event_type": figures["by_category"],
        "by_method": {"web_form_online_incident": figures["online"], "web_form": figures["total"]},
        "false_reports": figures["dispositions"][Disposition.FALSE],
        "pranks": figures["dispositions"][Disposition.PRANK],
        "staff_trained": sum(t["done"] for t in trained["by_role"].values()),
        "staff_assigned_training": sum(t["assigned"] for t in trained["by_role"].values()),
        "students_trained": None,
        "not_recorded": {
            "method": (
                "Every Haven tip comes through its web form; phone and app reports to a state "
                "crisis centre are not in Haven. 'Online' says the incident happened online."
            ),
            "students_trained": "Haven records staff training only, not students'.",
        },
    }
