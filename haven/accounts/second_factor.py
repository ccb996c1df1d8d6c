"""When a user must present a second factor (TOTP, via django-otp)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django_otp import user_has_device

from haven.access import policy

if TYPE_CHECKING:
    from haven.accounts.models import User


def required(user: User) -> bool:
    """Every role that can see tips, cases, guardians, screenings (even their outcomes only, as
    the volunteer coordinator does) or the audit log needs a second factor
    (``policy.SECOND_FACTOR_PERMS``).
    Demo sign-ins may be exempted in development only (HAVEN_DEMO_SKIP_2FA)."""
    if settings.HAVEN_DEMO_SKIP_2FA and getattr(user, "is_demo", False):
        return False
    return policy.requires_second_factor(user) or user.is_superuser


def pending(request: HttpRequest) -> bool:
    user = request.user
    if not user.is_authenticated:
        return False
    # django_otp adds is_verified(); a user who signed in during this very request lacks it.
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and is_verified():
        return False
    return required(user) or user_has_device(user, confirmed=True)


def next_step_url(user: User) -> str:
    if user_has_device(user, confirmed=True):
        return reverse("accounts:verify")
    return reverse("accounts:enroll")
