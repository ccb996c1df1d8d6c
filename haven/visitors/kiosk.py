"""The lobby kiosk: a tablet where visitors check themselves in with big buttons.

A kiosk is a device, not a person's session. The front desk enrols it at ``/visitors/kiosks/``
(a one-time code, typed on the tablet at ``/visitors/kiosk/``); from then on the tablet carries
only its kiosk credential, a cookie limited to ``/visitors/kiosk/``, and these pages ask for
nothing else: no staff session is needed — enrolling signs any staff session on the tablet out —
and none is opened. So the kiosk reaches the kiosk's pages only: check-in at its school, the page
after it and the badge of the visitor just admitted. It acts for the person who enrolled it
(:class:`haven.visitors.models.Kiosk`); the front desk sees and revokes kiosks.

What the visitor sees never reveals a screening: a possible match, a match and an administrator's
decision all show the same calm "please wait, a staff member will assist you" page, while the
front desk (and, for a match, the administrators and the SRO) are told at once. The kiosk's
pages link nowhere else in Haven.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from haven.access import policy
from haven.visitors import badges, services
from haven.visitors.forms import KioskForm
from haven.visitors.models import Kiosk, Visit
from haven.visitors.services import kiosks, photos
from haven.visitors.views import base_url, desk_school
from haven.web.forms import add_service_errors
from haven.web.requests import SignedInRequest

COOKIE = "haven_kiosk"
VISIT_COOKIE = "haven_kiosk_visit"
COOKIE_PATH = "/visitors/kiosk/"
_VISIT_SALT = "haven.visitors.kiosk.visit"
VISIT_SECONDS = 15 * 60  # the page after check-in, and its badge, for this long


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Kiosk code"),
        max_length=40,
        help_text=gettext_lazy("The one-time code the front desk's Kiosks page shows."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


def _kiosk(request: HttpRequest) -> Kiosk | None:
    return kiosks.for_device(request.COOKIES.get(COOKIE, ""))


def _not_enrolled() -> HttpResponse:
    response = redirect("visitors:kiosk_enrol")
    response.delete_cookie(COOKIE, path=COOKIE_PATH)
    return response


def _kiosk_for(request: HttpRequest, slug: str) -> Kiosk | HttpResponse:
    kiosk = _kiosk(request)
    if kiosk is None:
        return _not_enrolled()
    if kiosk.school.slug != slug:
        raise Http404
    return kiosk


@never_cache
def enrol(request: HttpRequest) -> HttpResponse:
    """The tablet's first page: type the front desk's one-time code to become a kiosk. An enrolled
    tablet goes straight to its school's kiosk."""
    kiosk = _kiosk(request)
    if kiosk is not None and request.method != "POST":
        return redirect("visitors:kiosk", kiosk.school.slug)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        enrolled = kiosks.enrol(form.cleaned_data["code"])
        if enrolled is not None:
            kiosk, secret = enrolled
            logout(request)  # the tablet is a kiosk now, nobody's session
            response = redirect("visitors:kiosk", kiosk.school.slug)
            response.set_cookie(
                COOKIE,
                secret,
                max_age=settings.HAVEN_KIOSK_DAYS * 86400,
                path=COOKIE_PATH,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Strict",
            )
            return response
        form.add_error(
            "code",
            _("That code is not right or has expired. Ask the front desk for a new one."),
        )
    return render(
        request, "visitors/kiosk_enrol.html", {"form": form}, status=400 if form.errors else 200
    )


@never_cache
def kiosk(request: HttpRequest, slug: str) -> HttpResponse:
    found = _kiosk_for(request, slug)
    if isinstance(found, HttpResponse):
        return found
    school = found.school
    details = None
    if request.method == "POST":
        form = KioskForm(request.POST, request.FILES, school=school)
        if form.is_valid():
            details = form.details
            if request.POST.get("action") != "read" and details is not None:
                data = form.cleaned_data
                try:
                    visit = services.check_in(
                        found.created_by,
                        school,
                        details,
                        purpose=data.get("purpose") or "",
                        destination=data.get("destination") or "",
                        host=data.get("host"),
                        photo=photos.read_upload(data.get("photo")) or None,
                        at_kiosk=True,
                        kiosk_id=found.pk,
                    )
                except ValidationError as error:
                    add_service_errors(form, error)
                    details = None
                else:
                    response = redirect("visitors:kiosk_done", school.slug)
                    response.set_signed_cookie(
                        VISIT_COOKIE,
                        f"{found.pk}:{visit.pk}",
                        salt=_VISIT_SALT,
                        max_age=VISIT_SECONDS,
                        path=COOKIE_PATH,
                        secure=settings.SESSION_COOKIE_SECURE,
                        httponly=True,
                        samesite="Strict",
                    )
                    return response
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


def _last_visit(request: HttpRequest, kiosk: Kiosk) -> Visit | None:
    """The visit this kiosk just checked in (from a signed, short-lived cookie), if any."""
    try:
        value = request.get_signed_cookie(
            VISIT_COOKIE, default="", salt=_VISIT_SALT, max_age=VISIT_SECONDS
        )
        kiosk_id, visit_id = (int(part) for part in str(value).split(":"))
    except (ValueError, signing.BadSignature):
        return None
    if kiosk_id != kiosk.pk:
        return None
    return (
        Visit.objects.filter(pk=visit_id, school=kiosk.school, at_kiosk=True)
        .select_related("person", "school")
        .first()
    )


@never_cache
def kiosk_done(request: HttpRequest, slug: str) -> HttpResponse:
    """The end of a kiosk check-in: a welcome and the badge, or (whatever the screening found)
    the same request to wait for a staff member."""
    found = _kiosk_for(request, slug)
    if isinstance(found, HttpResponse):
        return found
    visit = _last_visit(request, found)
    if visit is None:
        return redirect("visitors:kiosk", found.school.slug)
    return render(request, "visitors/kiosk_done.html", {"school": found.school, "visit": visit})


@never_cache
def kiosk_badge(request: HttpRequest, slug: str) -> HttpResponse:
    """The badge of the visitor this kiosk just admitted (a label, to print), and no other."""
    found = _kiosk_for(request, slug)
    if isinstance(found, HttpResponse):
        return found
    visit = _last_visit(request, found)
    if visit is None or not visit.has_badge:
        raise Http404
    pdf = badges.render(visit, "label", base_url(request))
    services.badge_printed(found.created_by, visit, "label")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="badge-{visit.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


# --- the front desk's side: enrol, see and revoke kiosks ------------------------------------------


class NewKioskForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("Where it stands, so that you can tell kiosks apart."),
        initial=gettext_lazy("Lobby tablet"),
    )


@never_cache
@login_required
def manage(request: SignedInRequest) -> HttpResponse:
    """The school's kiosks (enrolled, waiting for their code, revoked) and a new one's code."""
    school = desk_school(request)
    form = NewKioskForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            kiosk, code, expires = kiosks.create(request.user, school, form.cleaned_data["name"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            issued = {"kiosk": kiosk, "code": code, "expires_at": expires}
            form = NewKioskForm()
    listed = (
        policy.visible_to(request.user, Kiosk)
        .filter(school=school)
        .select_related("created_by", "revoked_by")
    )
    return render(
        request,
        "visitors/kiosks.html",
        {
            "school": school,
            "form": form,
            "issued": issued,
            "kiosks": listed.order_by("revoked_at", "-created_at")[:100],
            "enrol_url": request.build_absolute_uri(COOKIE_PATH),
        },
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def revoke(request: SignedInRequest, pk: int) -> HttpResponse:
    kiosk = policy.visible_to(request.user, Kiosk).filter(pk=pk).first()
    if kiosk is None:
        raise Http404
    kiosks.revoke(request.user, kiosk)
    messages.success(request, _("The kiosk “%(name)s” is revoked.") % {"name": kiosk.name})
    return redirect("visitors:kiosks")
