"""Background checks and training: recording a check's result (or starting a renewal), a completed
training, the district's training types, and the reminders to coordinators when an approved
volunteer's check is expiring or has expired. Whether these make a volunteer eligible is decided in
:mod:`haven.volunteers.eligibility`."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.access import policy
from haven.access.policy import Perm
from haven.audit import services as audit
from haven.core.models import District
from haven.notify import services as notify
from haven.volunteers.eligibility import (
    CheckState,
    check_expires_on,
    check_state,
    current_check,
    day_text,
    for_eligibility,
)
from haven.volunteers.models import (
    BackgroundCheck,
    TrainingRecord,
    TrainingType,
    Volunteer,
)
from haven.volunteers.services._common import (
    clean_line,
    clean_text,
    locked,
    require_manager,
    school_id_of,
    volunteer_url,
)

if TYPE_CHECKING:
    from haven.accounts.models import User


def record_check(
    actor: User,
    volunteer: Volunteer,
    *,
    status: str,
    requested_on: dt.date | None = None,
    cleared_on: dt.date | None = None,
    provider: str = "",
    reference: str = "",
    note: str = "",
) -> BackgroundCheck:
    """Record a background check's result. The newest check, while pending, is updated (the
    result of a request); otherwise a new check is started (a renewal)."""
    require_manager(actor, volunteer)
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if status not in BackgroundCheck.Status.values:
        errors["status"] = _("Choose pending, cleared or denied.")
    provider = clean_line(errors, "provider", provider, required=False, limit=100)
    reference = clean_line(errors, "reference", reference, required=False, limit=100)
    note = clean_text(errors, "note", note)
    if requested_on is not None and requested_on > today:
        errors["requested_on"] = _("The request date cannot be in the future.")
    if status == BackgroundCheck.Status.CLEARED:
        if cleared_on is None:
            errors["cleared_on"] = _("Give the date the check was cleared.")
        elif cleared_on > today:
            errors["cleared_on"] = _("The clearance date cannot be in the future.")
    elif cleared_on is not None:
        errors["cleared_on"] = _("Only a cleared check has a clearance date.")
    with transaction.atomic():
        volunteer = locked(volunteer)
        check = current_check(volunteer)
        if check is None or check.status != BackgroundCheck.Status.PENDING:
            check = BackgroundCheck(volunteer=volunteer, requested_on=requested_on or today)
        elif requested_on is not None:
            check.requested_on = requested_on
        if cleared_on and cleared_on < check.requested_on:
            errors["cleared_on"] = _("The clearance date is before the request date.")
        if errors:
            raise ValidationError(errors)
        created = check.pk is None
        check.status = status
        check.cleared_on = cleared_on if status == BackgroundCheck.Status.CLEARED else None
        check.provider = provider or check.provider
        check.reference = reference or check.reference
        check.note = note or check.note
        check.recorded_by = actor
        check.updated_at = timezone.now()
        check.notice = ""
        check.save()
        audit.record(
            actor,
            "create" if created else "update",
            check,
            detail={"status": status, "volunteer": volunteer.pk},
            school_id=school_id_of(volunteer),
        )
    return check


def record_training(
    actor: User, volunteer: Volunteer, training: TrainingType, completed_on: dt.date | None
) -> TrainingRecord:
    require_manager(actor, volunteer)
    errors: dict[str, str] = {}
    if training.district_id != volunteer.district_id or not training.active:
        errors["training"] = _("Choose one of the district's trainings.")
    if completed_on is None:
        errors["completed_on"] = _("Give the date the training was completed.")
    elif completed_on > timezone.localdate():
        errors["completed_on"] = _("The completion date cannot be in the future.")
    if errors or completed_on is None:
        raise ValidationError(errors)
    with transaction.atomic():
        record = TrainingRecord.objects.create(
            volunteer=volunteer, training=training, completed_on=completed_on, recorded_by=actor
        )
        audit.record(
            actor,
            "create",
            record,
            detail={"training": training.pk, "volunteer": volunteer.pk},
            school_id=school_id_of(volunteer),
        )
    return record


def add_training_type(
    actor: User, district: District, name: str, valid_months: int | None, required: bool = True
) -> TrainingType:
    if not policy.may_manage_training(actor, district):
        raise PermissionDenied(_("You may not change this district's training."))
    errors: dict[str, str] = {}
    name = clean_line(errors, "name", name, required=True, limit=100)
    if valid_months is not None and not 1 <= valid_months <= 120:
        errors["valid_months"] = _("Between 1 and 120 months, or empty for no renewal.")
    if name and TrainingType.objects.filter(district=district, name__iexact=name).exists():
        errors["name"] = _("The district already has a training with this name.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        training = TrainingType.objects.create(
            district=district, name=name, valid_months=valid_months, required=required
        )
        audit.record(actor, "create", training, detail={"required": required})
    return training


def change_training_type(
    actor: User,
    training: TrainingType,
    *,
    valid_months: int | None,
    required: bool,
    active: bool,
) -> TrainingType:
    """Change how long a training stays valid, whether every volunteer must have it, or retire it
    (inactive: no longer asked of anybody, and no longer offered when recording training). Only
    required and active training counts toward eligibility (:mod:`haven.volunteers.eligibility`),
    so making one optional or retiring it never makes a volunteer ineligible."""
    if not policy.may_manage_training(actor, training.district_id):
        raise PermissionDenied(_("You may not change this district's training."))
    if valid_months is not None and (
        isinstance(valid_months, bool)
        or not isinstance(valid_months, int)
        or not 1 <= valid_months <= 120
    ):
        raise ValidationError(
            {"valid_months": _("Between 1 and 120 months, or empty for no renewal.")}
        )
    values = {"valid_months": valid_months, "required": bool(required), "active": bool(active)}
    with transaction.atomic():
        training = TrainingType.objects.select_for_update().get(pk=training.pk)
        changed = sorted(name for name, value in values.items() if getattr(training, name) != value)
        if not changed:
            return training
        for name in changed:
            setattr(training, name, values[name])
        training.save(update_fields=changed)
        audit.record(
            actor,
            "update",
            training,
            detail={"changed": changed, **{name: values[name] for name in changed}},
        )
    return training


def notify_expiring(on: dt.date | None = None) -> int:
    """Tell the coordinators of approved volunteers whose check is expiring or has expired — once
    per state of each check. Returns the number of checks notified."""
    day = on or timezone.localdate()
    sent = 0
    approved = for_eligibility(
        Volunteer.objects.filter(status=Volunteer.Status.APPROVED).prefetch_related("schools")
    )
    for volunteer in approved:
        check = current_check(volunteer)
        state = check_state(check, day)
        if check is None or state not in (CheckState.EXPIRING, CheckState.EXPIRED):
            continue
        if check.notice == state:
            continue
        with transaction.atomic():
            check.notice = state
            check.save(update_fields=["notice"])
            recipients = {
                user.pk: user
                for school in volunteer.schools.all()
                for user in policy.school_holders(Perm.VOLUNTEERS_MANAGE, school)
            }
            expires = check_expires_on(check)
            if state == CheckState.EXPIRED:
                title = _("A volunteer's background check has expired")
            else:
                title = _("A volunteer's background check expires soon")
            notify.send(
                recipients.values(),
                kind="volunteer_check_expiry",
                title=title,
                body=_("Expiry: %(date)s. Ask for a renewal.")
                % {"date": day_text(expires) if expires else "—"},
                url=volunteer_url(volunteer),
            )
            audit.record(
                None,
                "update",
                check,
                detail={"state": state},
                school_id=school_id_of(volunteer),
            )
        sent += 1
    return sent
