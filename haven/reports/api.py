"""Reports under /api/v1/reports/: the same figures as the pages, as JSON or (``format=csv``) as
CSV. Filters: ``school`` (a slug; none: every school the caller may see), ``from``/``to``
(YYYY-MM-DD) or ``year`` (2026-27), ``category`` (tips). Bad filters answer 422 naming the
field; a caller without the report answers 403."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from haven.reports import exports, services
from haven.web.requests import SignedInRequest

router = Router(tags=["reports"])


class ReportQuery(Schema):
    school: str = Field("", max_length=100)
    from_: str = Field("", alias="from", max_length=20)
    to: str = Field("", max_length=20)
    year: str = Field("", max_length=20)
    category: str = Field("", max_length=40)
    format: str = Field("json", max_length=10)


def _answer(request: SignedInRequest, area: str, query: ReportQuery) -> Any:
    if query.format not in ("json", "csv"):
        raise ValidationError({"format": "“json” or “csv”."})
    params = {
        "school": query.school,
        "from": query.from_,
        "to": query.to,
        "year": query.year,
        "category": query.category,
    }
    _filters, figures = services.build(
        request.user, area, params, export="csv" if query.format == "csv" else ""
    )
    if query.format == "csv":
        response = HttpResponse(
            exports.figures_csv(figures), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="haven-{area}-report.csv"'
        return response
    return figures


@router.get("/tips", response=dict[str, Any])
def report_tips(request: SignedInRequest, query: Query[ReportQuery]) -> Any:
    """The tip-line figures (see docs/reports.md)."""
    return _answer(request, "tips", query)


@router.get("/cases", response=dict[str, Any])
def report_cases(request: SignedInRequest, query: Query[ReportQuery]) -> Any:
    """Cases by type, classification, referral source, status; equity against enrolment."""
    if query.category:
        raise ValidationError({"category": "The cases report has no category filter."})
    return _answer(request, "cases", query)


@router.get("/drills", response=dict[str, Any])
def report_drills(request: SignedInRequest, query: Query[ReportQuery]) -> Any:
    """One row per school and drill requirement: required, done, status."""
    if query.category:
        raise ValidationError({"category": "The drills report has no category filter."})
    return _answer(request, "drills", query)
