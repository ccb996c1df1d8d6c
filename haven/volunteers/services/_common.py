"""What every volunteer service shares: the limits on free text and how it is cleaned, the
coordinator's permission check, locking a volunteer's row, and the volunteer's page and school
(for notifications and audit entries)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _

from haven.access import policy
from haven.volunteers.models import (
    Volunteer,
)

if TYPE_CHECKING:
    from haven.accounts.models import User

MAX_TEXT = 2000
MAX_LINE = 200
MAX_SLOTS = 500


def clean_line(errors: dict[str, str], name: str, value: Any, *, required: bool, limit: int) -> str:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if len(text) > limit:
        errors[name] = _("At most %(n)d characters.") % {"n": limit}
    elif required and not text:
        errors[name] = _("This field is required.")
    return text


def clean_text(errors: dict[str, str], name: str, value: Any) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if len(text) > MAX_TEXT:
        errors[name] = _("At most %(n)d characters.") % {"n": MAX_TEXT}
    return text


def volunteer_url(volunteer: Volunteer) -> str:
    return reverse("volunteers:detail", args=[volunteer.pk])


def school_id_of(volunteer: Volunteer) -> int | None:
    first = volunteer.schools.order_by("pk").first()
    return first.pk if first else None


def require_manager(actor: User, volunteer: Volunteer) -> None:
    if not policy.may_manage_volunteer(actor, volunteer):
        raise PermissionDenied(_("You may not manage this volunteer."))


def locked(volunteer: Volunteer) -> Volunteer:
    return Volunteer.objects.select_for_update().get(pk=volunteer.pk)
