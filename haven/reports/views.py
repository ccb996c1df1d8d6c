"""The report pages under /reports/: filters, charts drawn on the server beside their tables,
a CSV of each table and a PDF of the whole report. Bad filters answer 400 with the message; a
caller without the report answers 403."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache

from haven.access import policy
from haven.reports import exports, services
from haven.reports.charts import bar_svg
from haven.reports.filters import school_year_of, year_label
from haven.reports.tables import tables_for
from haven.tips.models import Category
from haven.web.requests import SignedInRequest


@never_cache
@login_required
def index(request: SignedInRequest) -> HttpResponse:
    areas = services.areas_for(request.user)
    if not areas:
        raise PermissionDenied
    links = [{"area": area, "title": exports.title_of(area)} for area in areas]
    return render(request, "reports/index.html", {"links": links})


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [f"{field}: {msg}" for field, msgs in exc.message_dict.items() for msg in msgs]
    return list(exc.messages)


def _filter_context(request: HttpRequest, area: str) -> dict[str, Any]:
    from django.utils import timezone

    current = school_year_of(timezone.localdate())
    return {
        "area": area,
        "title": exports.title_of(area),
        "schools": list(policy.report_schools(request.user, area).order_by("name")),
        "years": [year_label(y) for y in range(current, current - 6, -1)],
        "categories": Category.choices if area in services.TIP_AREAS else [],
        "values": {k: request.GET.get(k, "") for k in ("school", "year", "from", "to", "category")},
    }


@never_cache
@login_required
def report(request: SignedInRequest, area: str) -> HttpResponse:
    services.require_area(request.user, area)
    context = _filter_context(request, area)
    try:
        filters, figures = services.build(request.user, area, request.GET)
    except ValidationError as exc:
        return render(
            request, "reports/report.html", {**context, "errors": _errors(exc)}, status=400
        )
    tables = tables_for(area, figures, filters.schools)
    query = urlencode(filters.query)
    shown = [
        {
            "table": table,
            "chart": bar_svg(
                tuple(table.chart_labels),
                tuple(table.chart_values),
                f"{area}-{table.slug}",
                table.title,
                f"{table.header[table.chart_column]} — {filters.period_label}",
            )
            if table.chart_column is not None and table.rows
            else None,
        }
        for table in tables
    ]
    return render(
        request,
        "reports/report.html",
        {
            **context,
            "filters": filters,
            "figures": figures,
            "shown": shown,
            "query": query,
        },
    )


@never_cache
@login_required
def table_csv(request: SignedInRequest, area: str, table: str) -> HttpResponse:
    services.require_area(request.user, area)
    try:
        filters, figures = services.build(request.user, area, request.GET, export=f"csv:{table}")
    except ValidationError as exc:
        return HttpResponse("\n".join(_errors(exc)), status=400, content_type="text/plain")
    found = next((t for t in tables_for(area, figures, filters.schools) if t.slug == table), None)
    if found is None:
        raise Http404
    response = HttpResponse(exports.table_csv(found), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="haven-{area}-{found.slug}.csv"'
    return response


@never_cache
@login_required
def report_pdf(request: SignedInRequest, area: str) -> HttpResponse:
    services.require_area(request.user, area)
    try:
        filters, figures = services.build(request.user, area, request.GET, export="pdf")
    except ValidationError as exc:
        return HttpResponse("\n".join(_errors(exc)), status=400, content_type="text/plain")
    pdf = exports.report_pdf(
        request.user, area, filters, tables_for(area, figures, filters.schools)
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="haven-{area}-report.pdf"'
    return response


def public(request: HttpRequest, district: str) -> HttpResponse:
    """The page a district publishes (404 unless it turned it on): aggregate counts and outcomes
    of a school year, small counts withheld."""
    from haven.reports.filters import parse_year
    from haven.reports.public import public_figures, published
    from haven.tips.models import Disposition

    report = published(district)
    if report is None:
        raise Http404
    try:
        year = (
            parse_year(request.GET["year"])
            if request.GET.get("year")
            else school_year_of(timezone.localdate())
        )
    except ValidationError as exc:
        return render(
            request,
            "reports/public.html",
            {"error": " ".join(exc.messages), "district": report.district},
            status=400,
        )
    figures = public_figures(report, year)
    categories = dict(Category.choices)
    outcomes = dict(Disposition.choices)
    return render(
        request,
        "reports/public.html",
        {
            "district": report.district,
            "figures": figures,
            "categories": [(categories[k], n) for k, n in figures["by_category"].items()],
            "outcomes": [(outcomes[k], n) for k, n in figures["outcomes"].items()],
        },
    )
