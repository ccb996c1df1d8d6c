"""The volunteers' services: the public application, the coordinator's decision, background checks
and training, eligibility, opportunities and sign-ups, and the front desk's volunteer check-in.

Every change goes through a function here that validates, writes, audits and notifies in one
transaction; the public form, the coordinator's pages, the API, the demo and the visitors' check-in
call the same functions.
Who is eligible is decided in :mod:`haven.volunteers.eligibility`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
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
from haven.visitors.services.identity import VisitorDetails
from haven.volunteers.eligibility import (
    CheckState,
    Eligibility,
    add_months,
    add_years,
    check_expires_on,
    check_state,
    current_check,
    day_text,
    eligibility,
    expiring_days,
    renewal_years,
    training_valid_until,
)
from haven.volunteers.models import (
    BackgroundCheck,
    Opportunity,
    SignUp,
    TrainingRecord,
    TrainingType,
    Volunteer,
    VolunteerVisit,
)

MAX_TEXT = 2000
MAX_LINE = 200
MAX_SLOTS = 500

__all__ = [
    "CheckState",
    "Eligibility",
    "add_months",
    "add_years",
    "check_expires_on",
    "check_state",
    "current_check",
    "eligibility",
    "expiring_days",
    "renewal_years",
    "training_valid_until",
]

# --- the public application -----------------------------------------------------------------------


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


def _line(errors: dict[str, str], name: str, value: Any, *, required: bool, limit: int) -> str:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if len(text) > limit:
        errors[name] = _("At most %(n)d characters.") % {"n": limit}
    elif required and not text:
        errors[name] = _("This field is required.")
    return text


def _long_text(errors: dict[str, str], name: str, value: Any) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if len(text) > MAX_TEXT:
        errors[name] = _("At most %(n)d characters.") % {"n": MAX_TEXT}
    return text


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
    email = _line(errors, "email", data.email, required=True, limit=MAX_LINE)
    if email and "email" not in errors:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("Enter an e-mail address such as name@example.org.")
    phone = _line(errors, "phone", data.phone, required=False, limit=40)
    if phone and not all(ch.isdigit() or ch in " +-().x" for ch in phone):
        errors["phone"] = _("Use digits, spaces and + - ( ) only.")
    address = _long_text(errors, "address", data.address)
    interests = _long_text(errors, "interests", data.interests)
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


def _screen(volunteer: Volunteer, schools: list[School], actor: Any) -> None:
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


def _volunteer_url(volunteer: Volunteer) -> str:
    return reverse("volunteers:detail", args=[volunteer.pk])


def school_id_of(volunteer: Volunteer) -> int | None:
    first = volunteer.schools.order_by("pk").first()
    return first.pk if first else None


def _tell_coordinators(volunteer: Volunteer, schools: list[School]) -> None:
    """No name in the message (it is also e-mailed): the application is behind the link."""
    recipients = {
        user.pk: user
        for school in schools
        for user in policy.school_holders(Perm.VOLUNTEERS_MANAGE, school)
    }
    names = ", ".join(s.name for s in schools)
    notify.send(
        recipients.values(),
        kind="volunteer_applied",
        title=_("New volunteer application for %(schools)s") % {"schools": names},
        body=_("Review the screening, then approve or decline the application."),
        url=_volunteer_url(volunteer),
    )


# --- the coordinator's decisions ------------------------------------------------------------------


def _require_manager(actor: Any, volunteer: Volunteer) -> None:
    if not policy.may_manage_volunteer(actor, volunteer):
        raise PermissionDenied(_("You may not manage this volunteer."))


def _locked(volunteer: Volunteer) -> Volunteer:
    return Volunteer.objects.select_for_update().get(pk=volunteer.pk)


def rescreen(actor: Any, volunteer: Volunteer) -> Volunteer:
    """Screen the volunteer again (the registry or a watchlist may have changed)."""
    _require_manager(actor, volunteer)
    with transaction.atomic():
        volunteer = _locked(volunteer)
        _screen(volunteer, list(volunteer.schools.all()), actor)
        volunteer.save()
        audit.record(
            actor,
            "update",
            volunteer,
            detail={"screening": volunteer.screening_outcome, "rescreen": True},
            school_id=school_id_of(volunteer),
        )
    return volunteer


def approve(
    actor: Any, volunteer: Volunteer, *, not_listed: bool = False, reason: str = ""
) -> Volunteer:
    """Approve an application. A screening ``match`` blocks approval; a possible match
    (``review``) needs the coordinator's explicit answer that the applicant is not the person
    listed, with a reason — recorded and audited."""
    _require_manager(actor, volunteer)
    with transaction.atomic():
        volunteer = _locked(volunteer)
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
        errors: dict[str, str] = {}
        reason = _long_text(errors, "reason", reason)
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


def decline(actor: Any, volunteer: Volunteer, reason: str) -> Volunteer:
    """Decline an application (or withdraw an approval), with a reason kept encrypted."""
    _require_manager(actor, volunteer)
    errors: dict[str, str] = {}
    reason = _long_text(errors, "reason", reason)
    if not reason and not errors:
        errors["reason"] = _("Give the reason for declining.")
    with transaction.atomic():
        volunteer = _locked(volunteer)
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


# --- background checks and training ---------------------------------------------------------------


def record_check(
    actor: Any,
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
    _require_manager(actor, volunteer)
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if status not in BackgroundCheck.Status.values:
        errors["status"] = _("Choose pending, cleared or denied.")
    provider = _line(errors, "provider", provider, required=False, limit=100)
    reference = _line(errors, "reference", reference, required=False, limit=100)
    note = _long_text(errors, "note", note)
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
        volunteer = _locked(volunteer)
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
    actor: Any, volunteer: Volunteer, training: TrainingType, completed_on: dt.date | None
) -> TrainingRecord:
    _require_manager(actor, volunteer)
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
    actor: Any, district: District, name: str, valid_months: int | None, required: bool = True
) -> TrainingType:
    if not policy.may_manage_training(actor, district):
        raise PermissionDenied(_("You may not change this district's training."))
    errors: dict[str, str] = {}
    name = _line(errors, "name", name, required=True, limit=100)
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


# --- opportunities and sign-ups -------------------------------------------------------------------


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
    title = _line(errors, "title", title, required=True, limit=MAX_LINE)
    description = _long_text(errors, "description", description)
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
            Opportunity.objects.select_for_update().select_related("school").get(pk=opportunity.pk)
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


# --- the front desk -------------------------------------------------------------------------------


def find_for_check_in(school: School, details: VisitorDetails) -> Volunteer | None:
    """The volunteer the front desk identified: the one linked to the saved visitor picked, or
    the one with the same name and date of birth in the school's district."""
    people = Volunteer.objects.filter(district_id=school.district_id)
    if details.person is not None:
        linked = people.filter(person=details.person).first()
        if linked is not None:
            return linked
    born = details.date_of_birth.isoformat()
    candidates = people.filter(
        first_name__iexact=details.first_name.strip(), last_name__iexact=details.last_name.strip()
    ).order_by("-status", "-pk")
    found = [v for v in candidates if v.date_of_birth == born]
    # an approved record wins over an old declined one of the same person
    found.sort(key=lambda v: v.status != Volunteer.Status.APPROVED)
    return found[0] if found else None


def for_check_in(school: School, details: VisitorDetails) -> Volunteer:
    """The eligible volunteer to check in, or ValidationError on ``kind`` saying why not (the
    desk may still check the person in as a visitor, screened as usual)."""
    volunteer = find_for_check_in(school, details)
    if volunteer is None:
        raise ValidationError(
            {
                "kind": _(
                    "No volunteer record matches this name and date of birth. Check them in as "
                    "a visitor, or ask the volunteer coordinator."
                )
            }
        )
    status = eligibility(volunteer, school)
    if not status.eligible:
        raise ValidationError(
            {
                "kind": [
                    _("Not eligible to volunteer today:"),
                    *status.reasons,
                    _("Check them in as a visitor instead."),
                ]
            }
        )
    return volunteer


def record_visit(visit: Visit, volunteer: Volunteer) -> VolunteerVisit:
    """Link a volunteer check-in to the volunteer (inside the check-in's transaction)."""
    link = VolunteerVisit.objects.create(visit=visit, volunteer=volunteer)
    if volunteer.person_id != visit.person_id:
        volunteer.person = visit.person
        volunteer.save(update_fields=["person"])
    return link


# --- reminders ------------------------------------------------------------------------------------


def notify_expiring(on: dt.date | None = None) -> int:
    """Tell the coordinators of approved volunteers whose check is expiring or has expired — once
    per state of each check. Returns the number of checks notified."""
    day = on or timezone.localdate()
    sent = 0
    approved = Volunteer.objects.filter(status=Volunteer.Status.APPROVED).prefetch_related(
        "schools"
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
                url=_volunteer_url(volunteer),
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


def search(qs: QuerySet[Volunteer], q: str) -> QuerySet[Volunteer]:
    for word in q.split()[:3]:
        qs = qs.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
        )
    return qs
