"""A volunteer's private sign-up code: the coordinator makes one for an approved volunteer, who
then signs up for their schools' opportunities at /volunteer/shifts/ without an account.

The code is 16 characters (80 bits from the OS's CSPRNG, an alphabet without look-alikes), shown
once to the coordinator; only a keyed hash is stored (HMAC-SHA256 with a key derived from the newest
pepper, kept outside the database), so a copied database cannot be used to sign anybody up. A code
is found under any configured pepper (and under the audit key, which keyed codes before the peppers
existed); codes expire, so an old pepper can go ``CODE_DAYS`` after a new one was put in front.
The code never travels in an address the server sees: the link the coordinator sends carries it
after ``#`` (a browser keeps that part to itself, and a small script puts it in the form), and the
pages send it only in POST bodies — so it reaches no access log. A new code replaces the old one;
codes expire after ``CODE_DAYS``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.access import policy
from haven.audit import services as audit
from haven.core import crypto
from haven.volunteers import services
from haven.volunteers.models import Opportunity, SignUp, Volunteer

if TYPE_CHECKING:
    from haven.accounts.models import User

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
LENGTH = 16
CODE_DAYS = 180


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, LENGTH, 4))


def normalise(text: Any) -> str | None:
    """The 16 characters of a typed code (any case, spaces or dashes), or None."""
    if not isinstance(text, str) or len(text) > 64:
        return None
    raw = "".join(ch for ch in text.upper() if ch not in " -\t\n#")
    if len(raw) != LENGTH or any(ch not in ALPHABET for ch in raw):
        return None
    return raw


def digest(code: str) -> str | None:
    """What is stored for a code (under the newest pepper); None if it is malformed."""
    found = digests(code)
    return found[0] if found else None


def digests(code: str) -> list[str]:
    """The code's hash under every configured pepper, newest first, then the audit key's."""
    raw = normalise(code)
    if raw is None:
        return []
    return crypto.keyed_hashes(
        "volunteer-signup-code", raw.encode(), legacy_label=b"haven-volunteer-signup-code"
    )


def issue(actor: User, volunteer: Volunteer) -> str:
    """Make a new private code for an approved volunteer (the old one stops working). Returns the
    code, which is not kept: show it once."""
    if not policy.may_manage_volunteer(actor, volunteer):
        raise PermissionDenied(_("You may not manage this volunteer."))
    if volunteer.status != Volunteer.Status.APPROVED:
        raise ValidationError(
            {"volunteer": _("Only an approved volunteer can have a sign-up link.")}
        )
    code = new_code()
    with transaction.atomic():
        volunteer.signup_code_hash = digest(code) or ""
        volunteer.signup_code_expires_at = timezone.now() + dt.timedelta(days=CODE_DAYS)
        volunteer.save(update_fields=["signup_code_hash", "signup_code_expires_at"])
        audit.record(
            actor,
            "update",
            volunteer,
            detail={"signup_code": "issued"},
            school_id=services.school_id_of(volunteer),
        )
    return code


def volunteer_for(code: Any) -> Volunteer | None:
    """The approved volunteer whose current code this is, or None."""
    hashed = digests(code)
    if not hashed:
        return None
    return (
        Volunteer.objects.filter(
            signup_code_hash__in=hashed,
            signup_code_expires_at__gt=timezone.now(),
            status=Volunteer.Status.APPROVED,
        )
        .prefetch_related("schools")
        .first()
    )


def open_for(volunteer: Volunteer) -> QuerySet[Opportunity]:
    """Upcoming opportunities at the volunteer's schools, soonest first, with places taken."""
    return _open(volunteer)[:100]


def _open(volunteer: Volunteer) -> QuerySet[Opportunity]:
    return (
        Opportunity.objects.filter(
            school__in=volunteer.schools.all(),
            cancelled_at__isnull=True,
            ends_at__gt=timezone.now(),
        )
        .select_related("school")
        .annotate(taken=Count("signups"))
        .order_by("starts_at", "pk")
    )


def sign_up(volunteer: Volunteer, opportunity_id: Any) -> SignUp:
    """The volunteer signs themselves up (the same rules as the coordinator's sign-up)."""
    try:
        pk = int(opportunity_id)
    except (TypeError, ValueError):
        pk = 0
    opportunity = _open(volunteer).filter(pk=pk).first()
    if opportunity is None:
        raise ValidationError({"opportunity": _("This opportunity is not open to you.")})
    return services.book(opportunity, volunteer)
