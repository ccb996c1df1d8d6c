"""The lobby kiosk: a tablet signed in as a front-desk user of one school, where visitors check
themselves in with big buttons.

What the visitor sees never reveals a screening: a possible match, a match and an administrator's
decision all show the same calm "please wait, a staff member will assist you" page, while the
front desk (and, for a match, the administrators and the SRO) are told at once. The kiosk's
pages link nowhere else in Haven.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from haven.access import policy
from haven.core.models import School
from haven.visitors import services
from haven.visitors.forms import KioskForm, add_service_errors
from haven.visitors.models import Visit
from haven.visitors.services import photos

SESSION_KEY = "haven_kiosk_visit"


def _school(request: HttpRequest, slug: str) -> School:
    school = policy.visible_to(request.user, School).filter(slug=slug).first()
    if school is None or not policy.may_check_in(request.user, school):
        raise Http404
    return school


@never_cache
@login_required
def kiosk(request: HttpRequest, slug: str) -> HttpResponse:
    school = _school(request, slug)
    details = None
    if request.method == "POST":
        form = KioskForm(request.POST, request.FILES, school=school)
        if form.is_valid():
            details = form.details
            if request.POST.get("action") != "read" and details is not None:
                data = form.cleaned_data
                try:
                    visit = services.check_in(
                        request.user,
                        school,
                        details,
                        purpose=data.get("purpose") or "",
                        destination=data.get("destination") or "",
                        host=data.get("host"),
                        photo=photos.read_upload(data.get("photo")) or None,
                        at_kiosk=True,
                    )
                except ValidationError as error:
                    add_service_errors(form, error)
                    details = None
                else:
                    request.session[SESSION_KEY] = visit.pk
                    return redirect("visitors:kiosk_done", school.slug)
            elif form.barcode_text:
                data = request.POST.copy()
                data["id_barcode"], data["read_from"] = form.barcode_text, "photo"
                form = KioskForm(data, school=school)
                form.is_valid()
    else:
        form = KioskForm(school=school)
    return render(
        request,
        "visitors/kiosk.html",
        {"form": form, "school": school, "details": details},
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
def kiosk_done(request: HttpRequest, slug: str) -> HttpResponse:
    """The end of a kiosk check-in: a welcome and the badge, or (whatever the screening found)
    the same request to wait for a staff member."""
    school = _school(request, slug)
    pk = request.session.get(SESSION_KEY)
    visit = (
        policy.visible_to(request.user, Visit)
        .filter(pk=pk, school=school, at_kiosk=True)
        .select_related("person")
        .first()
        if pk
        else None
    )
    if visit is None:
        return redirect("visitors:kiosk", school.slug)
    return render(request, "visitors/kiosk_done.html", {"school": school, "visit": visit})
