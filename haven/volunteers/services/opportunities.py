"""Opportunities (shifts at a school) and sign-ups: posting one, signing an eligible volunteer up
(by the coordinator or by the volunteer through their private code), and cancelling a sign-up."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.access import policy
from haven.access.policy import Perm
from haven.audit import services as audit
from haven.core.models import School
from haven.volunteers.eligibility import (
    eligibility,
)
from haven.volunteers.models import (
    Opportunity,
    SignUp,
    Volunteer,
)
from haven.volunteers.services._common import (
    MAX_LINE,
    MAX_SLOTS,
    clean_line,
    clean_text,
)


def open_opportunities(school: School) -> QuerySet[Opportunity]:
    return (
        Opportunity.objects.filter(school=school, cancelled_at__isnull=True)
        .annotate(taken=Count("signups"))
        .order_by("starts_at", "pk")
    )


def post_opportunity(
    actor: Any,
    school: School,
    *,
    title: str,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    slots: int | None,
    description: str = "",
) -> Opportunity:
    """Post a shift that volunteers can be signed up for."""
    if not policy.has_perm(actor, Perm.VOLUNTEERS_MANAGE, school):
        raise PermissionDenied(_("You may not post opportunities at this school."))
    errors: dict[str, str] = {}
    title = clean_line(errors, "title", title, required=True, limit=MAX_LINE)
    description = clean_text(errors, "description", description)
    if starts_at is None:
        errors["starts_at"] = _("Give the start date and time.")
    if ends_at is None:
        errors["ends_at"] = _("Give the end date and time.")
    elif starts_at is not None and ends_at <= starts_at:
        errors["ends_at"] = _("The end must be after the start.")
    if slots is None or not 1 <= slots <= MAX_SLOTS:
        errors["slots"] = _("Between 1 and %(n)d volunteers.") % {"n": MAX_SLOTS}
    if errors or starts_at is None or ends_at is None or slots is None:
        raise ValidationError(errors)
    with transaction.atomic():
        opportunity = Opportunity.objects.create(
            school=school,
            title=title,
            description=description,
            starts_at=starts_at,
            ends_at=ends_at,
            slots=slots,
            created_by=actor,
        )
        audit.record(actor, "create", opportunity, detail={"slots": slots})
    return opportunity


def sign_up(actor: Any, opportunity: Opportunity, volunteer: Volunteer) -> SignUp:
    """Sign an eligible volunteer up (the coordinator). Refused (naming why) when the opportunity
    is full, over, cancelled, or the volunteer is not eligible at its school on its day."""
    if not policy.has_perm(actor, Perm.VOLUNTEERS_MANAGE, opportunity.school_id):
        raise PermissionDenied(_("You may not sign volunteers up at this school."))
    return book(opportunity, volunteer, actor)


def book(opportunity: Opportunity, volunteer: Volunteer, actor: Any = None) -> SignUp:
    """The sign-up itself, for the coordinator (``actor``) or the volunteer through their private
    code (``actor`` None). The opportunity's row is locked, so two last places are not both
    taken."""
    with transaction.atomic():
        opportunity = (
            Opportunity.objects.select_for_update(of=("self",))
            .select_related("school")
            .get(pk=opportunity.pk)
        )
        if opportunity.cancelled_at is not None:
            raise ValidationError({"opportunity": _("This opportunity was cancelled.")})
        if opportunity.ends_at <= timezone.now():
            raise ValidationError({"opportunity": _("This opportunity is over.")})
        volunteer = Volunteer.objects.get(pk=volunteer.pk)  # its status now, not as passed
        if opportunity.signups.filter(volunteer=volunteer).exists():
            raise ValidationError({"volunteer": _("This volunteer is already signed up.")})
        taken = opportunity.signups.count()
        if taken >= opportunity.slots:
            raise ValidationError(
                {
                    "opportunity": _("This opportunity is full (%(n)d of %(n)d places taken).")
                    % {"n": opportunity.slots}
                }
            )
        day = timezone.localtime(opportunity.starts_at).date()
        status = eligibility(volunteer, opportunity.school, on=max(day, timezone.localdate()))
        if not status.eligible:
            raise ValidationError({"volunteer": status.reasons})
        signup = SignUp.objects.create(
            opportunity=opportunity,
            volunteer=volunteer,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit.record(
            actor,
            "create",
            signup,
            detail={"volunteer": volunteer.pk, "by_volunteer": actor is None},
            school_id=opportunity.school_id,
        )
    return signup


def cancel_sign_up(actor: Any, signup: SignUp) -> None:
    opportunity = signup.opportunity
    if not policy.has_perm(actor, Perm.VOLUNTEERS_MANAGE, opportunity.school_id):
        raise PermissionDenied(_("You may not change sign-ups at this school."))
    with transaction.atomic():
        audit.record(
            actor,
            "delete",
            signup,
            detail={"volunteer": signup.volunteer_id},
            school_id=opportunity.school_id,
        )
        signup.delete()
