"""A volunteer's record from application to decision: the public application (validated and
screened against the registry and the chosen schools' watchlists, the coordinators told), screening
again, the coordinator's approval or refusal, and the search of the volunteer list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.access import policy
from haven.access.policy import Perm
from haven.audit import services as audit
from haven.core.models import District, School
from haven.notify import services as notify
from haven.screening import services as screening
from haven.visitors import services as visitors
from haven.visitors import watchlists
from haven.visitors.models import Outcome, Visit
from haven.volunteers.eligibility import add_years
from haven.volunteers.models import (
    Volunteer,
)
from haven.volunteers.services._common import (
    MAX_LINE,
    clean_line,
    clean_text,
    locked,
    require_manager,
    school_id_of,
    volunteer_url,
)

if TYPE_CHECKING:
    from haven.accounts.models import User


@dataclass
class Application:
    """What the applicant sent (the public form and the demo fill it)."""

    first_name: str
    last_name: str
    date_of_birth: Any
    email: str
    schools: list[School]
    consent: bool
    middle_name: str = ""
    phone: str = ""
    address: str = ""
    interests: str = ""
    language: str = "en"


def apply(data: Application, district: District) -> Volunteer:
    """Store an application from the public form: validated, screened against the registry and
    the watchlists of the schools chosen, and the schools' coordinators notified. Raises
    ValidationError naming each bad field; then nothing is stored."""
    errors: dict[str, str] = {}
    try:
        details = visitors.typed(
            data.first_name, data.last_name, data.date_of_birth, data.middle_name
        )
    except ValidationError as error:
        errors.update({k: " ".join(v) for k, v in error.message_dict.items()})
        details = None
    if details is not None and details.date_of_birth > add_years(timezone.localdate(), -14):
        errors["date_of_birth"] = _("Volunteers must be at least 14 years old.")
    email = clean_line(errors, "email", data.email, required=True, limit=MAX_LINE)
    if email and "email" not in errors:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("Enter an e-mail address such as name@example.org.")
    phone = clean_line(errors, "phone", data.phone, required=False, limit=40)
    if phone and not all(ch.isdigit() or ch in " +-().x" for ch in phone):
        errors["phone"] = _("Use digits, spaces and + - ( ) only.")
    address = clean_text(errors, "address", data.address)
    interests = clean_text(errors, "interests", data.interests)
    schools = [s for s in data.schools if s.district_id == district.pk]
    if not schools or len(schools) != len(data.schools):
        errors["schools"] = _("Choose at least one school of this district.")
    if data.consent is not True:
        errors["consent"] = _("A background check is required to volunteer: tick the box.")
    if errors or details is None:
        raise ValidationError(errors)

    with transaction.atomic():
        volunteer = Volunteer(
            district=district,
            first_name=details.first_name,
            middle_name=details.middle_name,
            last_name=details.last_name,
            date_of_birth=details.date_of_birth.isoformat(),
            email=email,
            phone=phone,
            address=address,
            interests=interests,
            language=data.language if data.language in ("en", "es") else "en",
            consented_at=timezone.now(),
        )
        _screen(volunteer, schools, actor=None)
        volunteer.save()
        volunteer.schools.set(schools)
        audit.record(
            None,
            "create",
            volunteer,
            detail={"source": "public", "screening": volunteer.screening_outcome},
            school_id=schools[0].pk,
        )
        _tell_coordinators(volunteer, schools)
    return volunteer


def _screen(volunteer: Volunteer, schools: list[School], actor: User | None) -> None:
    """Screen against the registry once and the watchlists of every school chosen (the date of
    birth was typed by the applicant, so the comparison is the wide one)."""
    born = volunteer.born or dt.date.min
    registry = screening.screen(
        volunteer.first_name,
        volunteer.last_name,
        born,
        volunteer.middle_name,
        True,
        actor=actor,
    )
    outcome = registry.outcome
    found: dict[str, dict[str, Any]] = {}
    for school in schools:
        listed, matches = watchlists.screen(
            school, volunteer.first_name, volunteer.last_name, born, volunteer.middle_name, True
        )
        outcome = visitors.worst(outcome, listed)
        for match in matches:
            found.setdefault(str(match.get("record_id")), match)
    volunteer.screening = registry
    volunteer.watchlist_matches = list(found.values())
    volunteer.screening_outcome = outcome
    volunteer.screened_at = timezone.now()
    volunteer.screening_answer = ""
    volunteer.screening_reason = ""


def _tell_coordinators(volunteer: Volunteer, schools: list[School]) -> None:
    """No name and no screening result in the message (it is also e-mailed): the application is
    behind the link, where each reader sees what the policy lets them. When the screening found
    something, those who decide it are told so apart (:func:`_tell_deciders`)."""
    deciders = _tell_deciders(volunteer)
    recipients = {
        user.pk: user
        for school in schools
        for user in policy.school_holders(Perm.VOLUNTEERS_MANAGE, school)
        if user.pk not in deciders
    }
    names = ", ".join(s.name for s in schools)
    notify.send(
        recipients.values(),
        kind="volunteer_applied",
        title=_("New volunteer application for %(schools)s") % {"schools": names},
        body=_("Review the application, then approve or decline it."),
        url=volunteer_url(volunteer),
    )


def _tell_deciders(volunteer: Volunteer) -> set[int]:
    """A screening that found a (possible) match goes to those who decide it — not to the
    coordinator, who sees the outcome only. Returns who was told."""
    if volunteer.screening_outcome not in (Outcome.REVIEW, Outcome.MATCH):
        return set()
    deciders = policy.volunteer_screening_deciders(volunteer)
    notify.send(
        deciders,
        kind="volunteer_screening",
        title=_("A volunteer application needs your screening decision"),
        body=_("Compare the screening's details with the application before anyone approves it."),
        url=volunteer_url(volunteer),
    )
    return {user.pk for user in deciders}


def rescreen(actor: User, volunteer: Volunteer) -> Volunteer:
    """Screen the volunteer again (the registry or a watchlist may have changed)."""
    require_manager(actor, volunteer)
    with transaction.atomic():
        volunteer = locked(volunteer)
        was = volunteer.screening_outcome
        _screen(volunteer, list(volunteer.schools.all()), actor)
        volunteer.save()
        audit.record(
            actor,
            "update",
            volunteer,
            detail={"screening": volunteer.screening_outcome, "rescreen": True},
            school_id=school_id_of(volunteer),
        )
        if volunteer.status == Volunteer.Status.APPLIED and volunteer.screening_outcome != was:
            _tell_deciders(volunteer)
    return volunteer


def approve(
    actor: User, volunteer: Volunteer, *, not_listed: bool = False, reason: str = ""
) -> Volunteer:
    """Approve an application. A screening ``match`` blocks approval; a possible match
    (``review``) needs the explicit answer that the applicant is not the person listed, with a
    reason — recorded and audited — from someone who sees the match
    (:func:`policy.may_answer_volunteer_screening`); the coordinator sees the outcome only, so
    PermissionDenied for them."""
    require_manager(actor, volunteer)
    with transaction.atomic():
        volunteer = locked(volunteer)
        if volunteer.status != Volunteer.Status.APPLIED:
            raise ValidationError(
                {"status": _("Only an application waiting for a decision can be approved.")}
            )
        outcome = volunteer.screening_outcome
        if outcome == Outcome.MATCH:
            raise ValidationError(
                {
                    "screening": _(
                        "The screening found a match: this application cannot be approved. "
                        "Talk to an administrator."
                    )
                }
            )
        if outcome == Outcome.REVIEW and not policy.may_answer_volunteer_screening(
            actor, volunteer
        ):
            raise PermissionDenied(
                _(
                    "The screening found a possible match: staff who see screenings decide "
                    "whether the applicant is the person listed."
                )
            )
        errors: dict[str, str] = {}
        reason = clean_text(errors, "reason", reason)
        if outcome == Outcome.REVIEW:
            if not not_listed:
                errors["not_listed"] = _(
                    "The screening found a possible match: confirm that the applicant is not "
                    "the person listed before approving."
                )
            if not reason:
                errors["reason"] = _("Say how you know the applicant is not the person listed.")
        elif outcome not in (Outcome.CLEAR, Outcome.REVIEW):
            errors["screening"] = _("The applicant has not been screened: screen them again.")
        if errors:
            raise ValidationError(errors)
        if outcome == Outcome.REVIEW:
            volunteer.screening_answer = Visit.Answer.NO
            volunteer.screening_reason = reason
        volunteer.status = Volunteer.Status.APPROVED
        volunteer.decided_by, volunteer.decided_at = actor, timezone.now()
        volunteer.decline_reason = ""
        volunteer.save()
        audit.record(
            actor,
            "update",
            volunteer,
            reason=_("Not the person listed") if outcome == Outcome.REVIEW else "",
            detail={"status": volunteer.status, "screening": outcome},
            school_id=school_id_of(volunteer),
        )
    return volunteer


def decline(actor: User, volunteer: Volunteer, reason: str) -> Volunteer:
    """Decline an application (or withdraw an approval), with a reason kept encrypted."""
    require_manager(actor, volunteer)
    errors: dict[str, str] = {}
    reason = clean_text(errors, "reason", reason)
    if not reason and not errors:
        errors["reason"] = _("Give the reason for declining.")
    with transaction.atomic():
        volunteer = locked(volunteer)
        if volunteer.status == Volunteer.Status.DECLINED:
            errors["status"] = _("This application was already declined.")
        if errors:
            raise ValidationError(errors)
        previous = volunteer.status
        volunteer.status = Volunteer.Status.DECLINED
        volunteer.decided_by, volunteer.decided_at = actor, timezone.now()
        volunteer.decline_reason = reason
        volunteer.save()
        audit.record(
            actor,
            "update",
            volunteer,
            detail={"status": volunteer.status, "was": previous},
            school_id=school_id_of(volunteer),
        )
    return volunteer


def search(qs: QuerySet[Volunteer], q: str) -> QuerySet[Volunteer]:
    for word in q.split()[:3]:
        qs = qs.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
        )
    return qs
