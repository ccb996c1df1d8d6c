"""Sign-in (password, then a TOTP code), enrolment of an authenticator, sign-out, school switch."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.access import policy
from haven.accounts import lockout, second_factor
from haven.accounts.forms import CodeForm, SignInForm
from haven.accounts.models import User
from haven.accounts.shell import SCHOOL_KEY
from haven.audit import services as audit


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
def verify(request: HttpRequest) -> HttpResponse:
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


def _matching_device(user: Any, code: str) -> TOTPDevice | None:
    for device in TOTPDevice.objects.devices_for_user(user, confirmed=True):
        if device.verify_token(code):
            return device
    return None


@login_required
def enroll(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: show the secret as a QR code, confirm one code."""
    user = request.user
    if user_has_device(user, confirmed=True):
        return redirect("accounts:verify")
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": "Authenticator"}
    )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            audit.record(user, "second_factor_enrolled", device)
            messages.success(request, _("Your authenticator is set up."))
            return redirect(_next_url(request))
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
