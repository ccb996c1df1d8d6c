"""The reports, as the pages, the API and the exports ask for them: the access policy decides
whether the caller may see the area at all and which schools; every report read and every export
is audited (what was asked for, never a figure or a name)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from haven.access import policy
from haven.audit import services as audit
from haven.reports import filters as report_filters
from haven.reports.cases import case_report
from haven.reports.drills import drill_report
from haven.reports.presets import colorado_report, pennsylvania_report
from haven.reports.tips import categories, tip_report
from haven.reports.training import training_report
from haven.reports.visits import visit_report

if TYPE_CHECKING:
    from haven.accounts.models import User

AREAS = ("tips", "cases", "drills", "visits", "training", "safe2tell", "safe2say")
#: Areas filtered by tip category.
TIP_AREAS = ("tips", "safe2tell", "safe2say")

_BUILD: dict[str, Callable[..., dict[str, Any]]] = {
    "tips": tip_report,
    "cases": case_report,
    "drills": drill_report,
    "visits": visit_report,
    "training": training_report,
    "safe2tell": colorado_report,
    "safe2say": pennsylvania_report,
}


def areas_for(user: User) -> list[str]:
    """The report areas the user may open."""
    return [area for area in AREAS if policy.may_see_report(user, area) and installed(area)]


def installed(area: str) -> bool:
    """Training's report needs the training app (an optional part of a deployment)."""
    return area not in ("training", "safe2say") or apps.is_installed("haven.training")


def require_area(user: User, area: str) -> None:
    if area not in _BUILD or not policy.may_see_report(user, area) or not installed(area):
        raise PermissionDenied(_("You may not see this report."))


def read_filters(user: User, area: str, query: Mapping[str, Any]) -> report_filters.Filters:
    """The caller's filters for ``area``, checked (a ValidationError names the bad field)."""
    require_area(user, area)
    return report_filters.read(
        user, area, query, categories=categories() if area in TIP_AREAS else None
    )


def build(
    user: User, area: str, query: Mapping[str, Any], *, export: str = ""
) -> tuple[report_filters.Filters, dict[str, Any]]:
    """The ``area`` report for ``query``, audited as a view (or as an export in ``export``'s
    format) in the same transaction as its reads."""
    filters = read_filters(user, area, query)
    with transaction.atomic():
        figures = _BUILD[area](user, filters)
        audit.record(
            user,
            "export" if export else "view",
            None,
            detail={
                "report": area,
                "filters": filters.describe(),
                **({"format": export} if export else {}),
            },
            school_id=filters.school.pk if filters.school else None,
        )
    return filters, figures
