"""Account services: API tokens (issue, revoke); second-factor enrolment codes, enrolment and the
reset of a lost device; the first administrator. Each audited, in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.access import policy
from haven.accounts import codes, second_factor
from haven.accounts.models import ApiToken, EnrolmentCode, Role, RoleAssignment, User
from haven.audit import services as audit

_ENROLMENT = "enrolment"


class AccountError(Exception):
    """A clear, user-facing reason an account operation was refused."""


def create_token(
    username: str, *, name: str = "", days: int | None = None, actor: User | None = None
) -> str:
    """Issue an API token for ``username``; returns the plaintext (shown once, never stored)."""
    user = User.objects.filter(username=username).first()
    if user is None:
        raise AccountError(f"no user named {username!r}")
    if not user.is_active:
        raise AccountError(f"user {username!r} is deactivated")
    if days is not None and not 1 <= days <= 3650:
        raise AccountError("--days must be between 1 and 3650")
    with transaction.atomic():
        token, secret = ApiToken.issue(user, name=name, days=days)
        audit.record(actor, "token_created", token, detail={"user": user.pk, "hint": token.hint})
    return secret


def revoke_token(hint: str, *, actor: User | None = None) -> int:
    """Revoke every usable token whose visible prefix is ``hint``; returns how many."""
    with transaction.atomic():
        tokens = list(ApiToken.objects.usable().filter(hint=hint))
        for token in tokens:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit.record(
                actor, "token_revoked", token, detail={"user": token.user_id, "hint": hint}
            )
    return len(tokens)


# --- second factor: enrolment codes, enrolment, reset ---------------------------------------------


@dataclass(frozen=True)
class IssuedCode:
    code: str  # shown once, never stored
    expires_at: datetime


def _check_manager(actor: User | None, person: User) -> None:
    """``actor`` None is the operator on the command line; anyone else must be allowed."""
    if actor is not None and not policy.may_manage_sign_in(actor, person):
        raise PermissionDenied(_("You may not manage this person's sign-in."))


def _revoke_codes(person: User, now: datetime) -> int:
    return EnrolmentCode.objects.usable().filter(user=person).update(revoked_at=now)


def issue_enrolment_code(person: User, *, actor: User | None = None) -> IssuedCode:
    """A new one-time code with which ``person`` sets up their second factor; any earlier unused
    code of theirs stops working. Returns the code (shown once) and when it expires."""
    _check_manager(actor, person)
    if not person.is_active:
        raise AccountError(_("This account is deactivated."))
    now = timezone.now()
    expires = now + timedelta(hours=settings.HAVEN_ENROL_CODE_HOURS)
    code = codes.new_code()
    with transaction.atomic():
        _revoke_codes(person, now)
        issued = EnrolmentCode.objects.create(
            user=person,
            digest=codes.digest(code, _ENROLMENT),
            issued_by=actor if getattr(actor, "is_authenticated", False) else None,
            created_at=now,
            expires_at=expires,
        )
        audit.record(
            actor,
            "enrol_code_issued",
            person,
            detail={"code": issued.pk, "expires_at": expires.isoformat()},
        )
    return IssuedCode(code, expires)


def reset_second_factor(person: User, *, actor: User | None = None) -> IssuedCode:
    """A lost or stolen device: every authenticator of ``person`` is removed (sessions verified
    with one need it again) and unused codes are revoked; they enrol again with the new code
    returned here."""
    _check_manager(actor, person)
    with transaction.atomic():
        removed = 0
        for device in devices_for_user(person, confirmed=None):
            device.delete()
            removed += 1
        audit.record(actor, "second_factor_reset", person, detail={"devices": removed})
        return issue_enrolment_code(person, actor=actor)


def enrolment_code_needed(person: User) -> bool:
    """Whether ``person`` needs a code to set up a second factor: everyone whose roles require one.
    (Someone who merely may add one — a teacher — sets it up with their password alone.)"""
    return second_factor.required(person)


def check_enrolment_code(person: User, typed: str) -> EnrolmentCode | None:
    """The usable code of ``person`` that ``typed`` is, or None (audited as refused)."""
    digest = codes.digest(typed, _ENROLMENT)
    found = (
        EnrolmentCode.objects.usable().filter(user=person, digest=digest).first()
        if digest
        else None
    )
    if found is None:
        audit.record(person, "enrol_code_refused", person)
    return found


def start_enrolment(person: User) -> TOTPDevice:
    """A fresh authenticator secret for this enrolment: a new unconfirmed device (a new random key);
    any other unconfirmed device of ``person`` — a secret shown in another session — is removed,
    so a secret seen elsewhere can never be confirmed."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=person, confirmed=False).delete()
        return TOTPDevice.objects.create(user=person, name="Authenticator", confirmed=False)


def confirm_enrolment(person: User, device: TOTPDevice, code_id: int | None) -> bool:
    """Confirm ``device`` (whose token was checked by the caller), spending the enrolment code
    accepted earlier in this session when one is needed. False when that code is no longer usable
    (expired, revoked by a reset or a newer code, or spent in another session)."""
    with transaction.atomic():
        code = None
        if enrolment_code_needed(person):
            code = (
                EnrolmentCode.objects.select_for_update()
                .usable()
                .filter(user=person, pk=code_id)
                .first()
                if code_id
                else None
            )
            if code is None:
                return False
            code.used_at = timezone.now()
            code.save(update_fields=["used_at"])
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=person, confirmed=False).delete()
        audit.record(
            person,
            "second_factor_enrolled",
            device,
            detail={"code": code.pk} if code is not None else {},
        )
    return True


# --- the first administrator ----------------------------------------------------------------------


def create_admin(
    username: str,
    password: str,
    *,
    district_slug: str = "",
    district_name: str = "",
    email: str = "",
    display_name: str = "",
) -> tuple[User, IssuedCode]:
    """A district administrator (also a superuser, for the admin site where people and roles are
    managed) with an enrolment code for their second factor. The district is the one named by
    ``district_slug``, or made from ``district_name`` (a roster import adopts it by that name), or
    the only one there is. Raises AccountError with a clear reason."""
    from haven.core.models import District

    username = username.strip()
    if not username:
        raise AccountError("give a username")
    if User.objects.filter(username=username).exists():
        raise AccountError(f"a user named {username!r} already exists")
    try:
        validate_password(password, User(username=username, email=email))
    except ValidationError as exc:
        raise AccountError(" ".join(exc.messages)) from exc
    with transaction.atomic():
        if district_slug:
            district = District.objects.filter(slug=district_slug).first()
            if district is None:
                raise AccountError(f"no district with the slug {district_slug!r}")
        elif district_name:
            district = District.objects.filter(name__iexact=district_name.strip()).first()
            if district is None:
                slug = slugify(district_name)[:50]
                if not slug:
                    raise AccountError("the district's name needs letters or digits")
                district = District.objects.create(name=district_name.strip(), slug=slug)
        else:
            districts = list(District.objects.all()[:2])
            if len(districts) != 1:
                raise AccountError(
                    "name the district: --district SLUG (an existing one) or "
                    "--district-name NAME (made now; a roster import adopts it by name)"
                )
            district = districts[0]
        user = User.objects.create_user(
            username=username,
            password=password,
            email=email,
            display_name=display_name,
            is_staff=True,
            is_superuser=True,
        )
        RoleAssignment.objects.create(user=user, role=Role.DISTRICT_ADMIN, district=district)
        audit.record(
            None, "create", user, detail={"role": Role.DISTRICT_ADMIN, "district": district.pk}
        )
        issued = issue_enrolment_code(user)
    return user, issued
