"""Opportunities (shifts at a school) and sign-ups: posting one, cancelling one (the signed-up
volunteers are told by e-mail), signing an eligible volunteer up (by the coordinator or by the
volunteer through their private code), and cancelling a sign-up."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_task

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

if TYPE_CHECKING:
    from haven.accounts.models import User


def open_opportunities(school: School) -> QuerySet[Opportunity]:
    return (
        Opportunity.objects.filter(school=school, cancelled_at__isnull=True)
        .annotate(taken=Count("signups"))
        .order_by("starts_at", "pk")
    )


def post_opportunity(
    actor: User,
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


def cancel_opportunity(actor: User, opportunity: Opportunity, reason: str) -> Opportunity:
    """Cancel a shift that has not ended yet, with the reason. The sign-ups stay recorded (the
    history), but it leaves every list of upcoming opportunities and takes no more sign-ups; every
    signed-up volunteer with an e-mail address is told, once the cancellation is committed."""
    if not policy.has_perm(actor, Perm.VOLUNTEERS_MANAGE, opportunity.school_id):
        raise PermissionDenied(_("You may not cancel opportunities at this school."))
    errors: dict[str, str] = {}
    reason = clean_text(errors, "reason", reason)
    if not reason and "reason" not in errors:
        errors["reason"] = _("Give the reason for cancelling: it is sent to the volunteers.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        opportunity = Opportunity.objects.select_for_update(of=("self",)).get(pk=opportunity.pk)
        if opportunity.cancelled_at is not None:
            raise ValidationError({"opportunity": _("This opportunity was already cancelled.")})
        if opportunity.ends_at <= timezone.now():
            raise ValidationError(
                {"opportunity": _("This opportunity is over: it can no longer be cancelled.")}
            )
        opportunity.cancelled_at = timezone.now()
        opportunity.cancel_reason = reason
        opportunity.save(update_fields=["cancelled_at", "cancel_reason"])
        volunteer_ids = list(opportunity.signups.values_list("volunteer_id", flat=True))
        audit.record(
            actor,
            "update",
            opportunity,
            detail={"cancelled": True, "signups": len(volunteer_ids)},
        )
        to_tell = list(
            Volunteer.objects.filter(pk__in=volunteer_ids)
            .exclude(email="")
            .values_list("pk", flat=True)
        )
        pk = opportunity.pk

        def tell() -> None:
            for volunteer_id in to_tell:  # one e-mail each, so a retry sends no duplicates
                email_cancellation(pk, volunteer_id)

        transaction.on_commit(tell)
    return opportunity


def cancellation_email(opportunity: Opportunity, volunteer: Volunteer) -> tuple[str, str]:
    """The subject and text of the e-mail telling a volunteer that a shift was cancelled, in the
    volunteer's language."""
    with translation.override(volunteer.language or settings.LANGUAGE_CODE):
        when = formats.date_format(
            timezone.localtime(opportunity.starts_at), "SHORT_DATETIME_FORMAT"
        )
        subject = _("Cancelled: %(title)s") % {"title": opportunity.title}
        body = _(
            "Hello %(name)s,\n\n%(school)s has cancelled %(title)s (%(when)s), which you had "
            "signed up for.\n\nReason: %(reason)s\n\nYou do not need to do anything. Thank you "
            "for offering your time."
        ) % {
            "name": volunteer.first_name,
            "school": opportunity.school.name,
            "title": opportunity.title,
            "when": when,
            "reason": opportunity.cancel_reason,
        }
    return subject, body


@db_task(retries=5, retry_delay=60)
def email_cancellation(opportunity_id: int, volunteer_id: int) -> None:
    """One volunteer's e-mail through the background worker (retried while the mail server is
    down), the way :mod:`haven.notify` e-mails its notifications."""
    opportunity = Opportunity.objects.select_related("school").filter(pk=opportunity_id).first()
    volunteer = Volunteer.objects.filter(pk=volunteer_id).exclude(email="").first()
    if opportunity is None or volunteer is None or opportunity.cancelled_at is None:
        return
    subject, body = cancellation_email(opportunity, volunteer)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [volunteer.email])


def sign_up(actor: User, opportunity: Opportunity, volunteer: Volunteer) -> SignUp:
    """Sign an eligible volunteer up (the coordinator). Refused (naming why) when the opportunity
    is full, over, cancelled, or the volunteer is not eligible at its school on its day."""
    if not policy.has_perm(actor, Perm.VOLUNTEERS_MANAGE, opportunity.school_id):
        raise PermissionDenied(_("You may not sign volunteers up at this school."))
    return book(opportunity, volunteer, actor)


def book(opportunity: Opportunity, volunteer: Volunteer, actor: User | None = None) -> SignUp:
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


def cancel_sign_up(actor: User, signup: SignUp) -> None:
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
