"""Sign-in (password, then a TOTP code), enrolment of an authenticator, sign-out, school switch."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.access import policy
from haven.accounts import lockout, second_factor, services
from haven.accounts.forms import CodeForm, EnrolmentCodeForm, SignInForm
from haven.accounts.models import EnrolmentCode, User
from haven.accounts.shell import SCHOOL_KEY
from haven.audit import services as audit
from haven.web.requests import SignedInRequest


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return "/"


def sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and not second_factor.pending(request):
        return redirect(_next_url(request))
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
        )
        if user is None:
            # The auditor sees guessing against an account: the account, when the typed name is
            # one, and a keyed hash of the name — never the name as typed (often a password typed
            # into the wrong box), nor the caller's address.
            typed = form.cleaned_data["username"]
            account = User.objects.filter(username=typed).first()
            detail = {"matched": account is not None, "username_hash": lockout.username_hash(typed)}
            if getattr(request, "axes_locked_out", False):
                audit.record(None, "locked_out", account, detail=detail)
                return locked_out(request)
            audit.record(None, "sign_in_failed", account, detail=detail)
            form.add_error(None, _("That username and password do not match."))
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            audit.record(user, "sign_in", detail={"step": "password"})
            if second_factor.pending(request):
                return redirect(f"{second_factor.next_step_url(user)}?next={_next_url(request)}")
            return redirect(_next_url(request))
    return render(
        request,
        "accounts/sign_in.html",
        {"form": form, "next": _next_url(request), "expired": "expired" in request.GET},
    )


def locked_out(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    return render(request, "accounts/locked_out.html", status=403)


@login_required
def verify(request: SignedInRequest) -> HttpResponse:
    user = request.user
    if not user_has_device(user, confirmed=True):
        return redirect("accounts:enroll")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = _matching_device(user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            audit.record(user, "sign_in", detail={"step": "second_factor"})
            return redirect(_next_url(request))
        form.add_error("code", _("That code is not right, or has expired. Try the newest one."))
    return render(request, "accounts/verify.html", {"form": form, "next": _next_url(request)})


def _matching_device(user: User, code: str) -> TOTPDevice | None:
    for device in TOTPDevice.objects.devices_for_user(user, confirmed=True):
        if device.verify_token(code):
            return device
    return None


ENROL_CODE_KEY = "haven_enrol_code"
ENROL_DEVICE_KEY = "haven_enrol_device"


@login_required
def enroll(request: SignedInRequest) -> HttpResponse:
    """Set up an authenticator app. Whoever's roles require a second factor first types the
    one-time enrolment code their district administrator gave them; then a fresh secret, made for
    this session only, is shown as a QR code and confirmed with one code from the app."""
    user: User = request.user
    if user_has_device(user, confirmed=True):
        return redirect("accounts:verify")
    code_id = request.session.get(ENROL_CODE_KEY)
    if services.enrolment_code_needed(user) and not (
        code_id and EnrolmentCode.objects.usable().filter(user=user, pk=code_id).exists()
    ):
        return _enrolment_code_step(request)
    device = _pending_device(request, create=request.method != "POST")
    if device is None:  # set up again in another window since this one showed its secret
        messages.error(request, _("Set-up was started again elsewhere: scan this new QR code."))
        return redirect(_enroll_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            if services.confirm_enrolment(user, device, code_id):
                for key in (ENROL_CODE_KEY, ENROL_DEVICE_KEY):
                    request.session.pop(key, None)
                otp_login(request, device)
                messages.success(request, _("Your authenticator is set up."))
                return redirect(_next_url(request))
            request.session.pop(ENROL_CODE_KEY, None)
            messages.error(request, _("Your enrolment code is no longer valid. Ask for a new one."))
            return redirect(_enroll_url(request))
        form.add_error(
            "code", _("That code is not right. Check the time on your phone and try again.")
        )
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "accounts/enroll.html",
        {
            "form": form,
            "qr_svg": qr.svg_inline(
                omitsize=True,
                scale=5,
                dark="#000",
                light="#fff",
                title=_("QR code for your authenticator"),
            ),
            "secret": _base32(device.bin_key),
            "next": _next_url(request),
        },
    )


def _enrolment_code_step(request: SignedInRequest) -> HttpResponse:
    if request.session.pop(ENROL_CODE_KEY, None):  # accepted earlier, since expired or revoked
        messages.error(request, _("Your enrolment code is no longer valid. Ask for a new one."))
    submitted = request.method == "POST" and "enrolment_code" in request.POST
    form = EnrolmentCodeForm(request.POST if submitted else None)
    if submitted and form.is_valid():
        person = request.user
        code = services.check_enrolment_code(person, form.cleaned_data["enrolment_code"])
        if code is not None:
            request.session[ENROL_CODE_KEY] = code.pk
            request.session.pop(ENROL_DEVICE_KEY, None)  # a fresh secret for this enrolment
            return redirect(_enroll_url(request))
        form.add_error(
            "enrolment_code",
            _(
                "That enrolment code is not right, has expired or was already used. "
                "Ask your district administrator for a new one."
            ),
        )
    return render(
        request,
        "accounts/enrolment_code.html",
        {"form": form, "next": _next_url(request)},
        status=400 if form.errors else 200,
    )


def _enroll_url(request: HttpRequest) -> str:
    return f"{reverse('accounts:enroll')}?{urlencode({'next': _next_url(request)})}"


def _pending_device(request: SignedInRequest, *, create: bool) -> TOTPDevice | None:
    """The unconfirmed authenticator of this session: made here (when ``create``), never one from
    another session."""
    person = request.user
    device_id = request.session.get(ENROL_DEVICE_KEY)
    device = (
        TOTPDevice.objects.filter(user=person, confirmed=False, pk=device_id).first()
        if device_id
        else None
    )
    if device is None and create:
        device = services.start_enrolment(person)
        request.session[ENROL_DEVICE_KEY] = device.pk
    return device


def _base32(key: bytes) -> str:
    import base64

    raw = base64.b32encode(key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit.record(request.user, "sign_out")
    logout(request)
    return redirect("accounts:login")


@login_required
@require_POST
def switch_school(request: HttpRequest) -> HttpResponse:
    school = (
        policy.visible_to(request.user, policy.schools_for(request.user))
        .filter(slug=request.POST.get("school", ""))
        .first()
    )
    if school is None:
        messages.error(request, _("You have no role at that school."))
    else:
        request.session[SCHOOL_KEY] = school.pk
    target = request.POST.get("next", "/")
    return redirect(
        target if url_has_allowed_host_and_scheme(target, {request.get_host()}) else "/"
    )
