"""The visitors' lists: who is on site now (live), the visitor log and its CSV export, the visitors
a school expects, and the watchlist."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from haven.access import policy
from haven.access.policy import Perm
from haven.audit import services as audit
from haven.core.models import School
from haven.visitors import services, watchlists
from haven.visitors.forms import (
    PURPOSES,
    LogFilterForm,
    PreRegistrationForm,
    WatchlistEntryForm,
)
from haven.visitors.models import PreRegistration, Visit, WatchlistEntry
from haven.visitors.views import decorate, desk_school
from haven.web.requests import SignedInRequest
from haven.web.views import page_of, perform, submit


@never_cache
@login_required
def on_site(request: HttpRequest) -> HttpResponse:
    """Who is in the building now, refreshed every 10 seconds: admitted visitors, and those waiting
    at the desk for a screening decision first. Visitors still signed in from an earlier day are
    called out (they probably left without signing out)."""
    school = desk_school(request)
    visits = list(services.on_site(school).filter(pk__in=policy.visible_to(request.user, Visit)))
    decorate(visits)
    today = timezone.localdate()
    for visit in visits:
        visit.stale = timezone.localtime(visit.checked_in_at).date() < today  # type: ignore[attr-defined]
    context = {
        "school": school,
        "waiting": [v for v in visits if v.waiting],
        "admitted": [v for v in visits if not v.waiting],
        "count": len(visits),
        "expected_count": services.expected(school).count(),
        "updated": timezone.localtime(),
    }
    template = "visitors/_on_site.html" if request.htmx else "visitors/on_site.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def _log(request: HttpRequest) -> tuple[Any, Any, LogFilterForm, services.LogFilter]:
    school = desk_school(request)
    form = LogFilterForm(request.GET or None)
    log_filter = form.log_filter()
    qs = policy.visible_to(request.user, Visit).filter(school=school)
    return school, services.filtered(qs, log_filter), form, log_filter


@never_cache
@login_required
def log(request: SignedInRequest) -> HttpResponse:
    school, qs, form, log_filter = _log(request)
    page = page_of(request, qs)
    decorate(page)
    # The log shows screening outcomes: a read of screenings, recorded (the filters' names only).
    audit.record(
        request.user,
        "list",
        ("visitors.visit", "log"),
        detail={"rows": len(page.object_list), "filters": log_filter.used},
        school_id=school.pk,
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "visitors/log.html",
        {
            "school": school,
            "page": page,
            "form": form,
            "filtered": bool(log_filter.used),
            "export_query": query.urlencode(),
        },
    )


@never_cache
@login_required
def export(request: SignedInRequest) -> HttpResponse:
    """The log, as filtered on the page, as CSV (audited)."""
    school, qs, _form, log_filter = _log(request)
    try:
        text = services.export_csv(request.user, school, qs, log_filter)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("visitors:log")
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="visitors-{school.slug}-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response


# --- expected visitors ----------------------------------------------------------------------------


@never_cache
@login_required
def expected(request: SignedInRequest) -> HttpResponse:
    school = desk_school(request)
    if request.method == "POST":
        form = PreRegistrationForm(request.POST, school=school)
        done = submit(
            request,
            form,
            lambda data: services.expect(request.user, school, **data),
            success=lambda pre: (
                _("%(name)s is expected on %(day)s.")
                % {"name": pre.name, "day": pre.expected_on.isoformat()}
            ),
            then="visitors:expected",
        )
        if done:
            return done
    else:
        form = PreRegistrationForm(school=school)
    upcoming = (
        policy.visible_to(request.user, PreRegistration)
        .filter(school=school, expected_on__gte=timezone.localdate(), cancelled_at__isnull=True)
        .select_related("host", "visit")
        .order_by("expected_on", "last_name", "first_name")[:200]
    )
    return render(
        request,
        "visitors/expected.html",
        {"school": school, "form": form, "upcoming": upcoming, "purposes": PURPOSES},
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def expected_cancel(request: SignedInRequest, pk: int) -> HttpResponse:
    pre = policy.visible_to(request.user, PreRegistration).filter(pk=pk).first()
    if pre is None:
        raise Http404
    return perform(
        request,
        lambda: services.cancel_expected(request.user, pre),
        success=_("Cancelled."),
        then="visitors:expected",
    )


# --- the watchlist --------------------------------------------------------------------------------


@never_cache
@login_required
def watchlist(request: HttpRequest) -> HttpResponse:
    """The listings screened at this school: entries in force, the roster's custody restrictions,
    and (below) expired or deactivated entries."""
    school = desk_school(request, Perm.SCREENING_VIEW)
    here = policy.visible_to(request.user, WatchlistEntry).filter(
        Q(school=school) | Q(school__isnull=True, district_id=school.district_id)
    )
    in_force = set(watchlists.entries_in_force(school).values_list("pk", flat=True))
    entries = list(here.select_related("school").order_by("last_name", "first_name"))
    custody = []
    if policy.may_see_custody_matches(request.user, school):
        custody = list(watchlists.custody_restrictions(school))
    return render(
        request,
        "visitors/watchlist.html",
        {
            "school": school,
            "current": [e for e in entries if e.pk in in_force],
            "past": [e for e in entries if e.pk not in in_force],
            "custody": custody,
            "may_manage": policy.may_manage_watchlist(request.user, school),
        },
    )


def _places(request: HttpRequest, school: Any, entry: WatchlistEntry) -> list[tuple[str, str]]:
    """Where the user may put this entry: the school in view, the whole district (district-wide
    roles); nowhere when they may not change the entry where it is now."""
    if entry.pk and not policy.may_manage_watchlist(request.user, entry.school, entry.district_id):
        return []
    places = []
    if policy.may_manage_watchlist(request.user, school):
        places.append((str(school.pk), school.name))
    if policy.may_manage_watchlist(request.user, None, school.district_id):
        places.append(("district", _("Every school of the district")))
    return places


@never_cache
@login_required
def watchlist_entry(request: SignedInRequest, pk: int | None = None) -> HttpResponse:
    """Add an entry, or change one (deactivate it, set its expiry)."""
    school = desk_school(request, Perm.SCREENING_VIEW)
    entry = WatchlistEntry(district_id=school.district_id)
    if pk is not None:
        found = policy.visible_to(request.user, WatchlistEntry).filter(pk=pk).first()
        if found is None:
            raise Http404
        entry = found
        school = entry.school or school
    places = _places(request, school, entry)
    if not places:
        raise Http404 if pk is None else PermissionDenied
    form = WatchlistEntryForm(request.POST or None, instance=entry, places=places)
    if request.method == "POST" and form.is_valid():
        entry = form.save(commit=False)
        where = form.cleaned_data["where"]
        entry.school = None if where == "district" else School.objects.get(pk=int(where))
        born = form.cleaned_data.get("date_of_birth")
        entry.date_of_birth = born.isoformat() if born else ""
        watchlists.save_entry(request.user, entry)
        messages.success(request, _("The watchlist is saved."))
        return redirect("visitors:watchlist")
    if pk is not None and request.method == "GET":
        audit.record(request.user, "view", entry, school_id=entry.school_id)
    return render(
        request,
        "visitors/watchlist_entry.html",
        {"form": form, "entry": entry if pk is not None else None, "school": school},
        status=400 if form.errors else 200,
    )
