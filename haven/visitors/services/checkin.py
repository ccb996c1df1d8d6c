"""Checking a visitor in and out: screening before the badge, the clerk's review of a possible
match, escalation, alerts, sign-out and who is on site.

Every change goes through a function here that validates, writes, audits and notifies in one
transaction; the desk's pages, the kiosk, the API and the demo call the same functions.

Outcomes (the worse of the registry's and the watchlists'):

* ``clear`` — the visitor is admitted and a badge can print;
* ``review`` — a possible match: no badge until the clerk compares photo, date of birth and
  details and answers yes (the same person: refused, and the school's administrators and SRO are
  alerted), no (admitted) or not sure (escalated to those administrators and the SRO, who decide);
* ``match`` — the attempt is recorded, no badge is issued, and the administrators and SRO are
  alerted at once (in the app and by e-mail). The visitor is not told: the kiosk shows a neutral
  "please wait" page. A name match is not an identification, and every screen says so.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.access import policy
from haven.access.policy import Perm
from haven.audit import services as audit
from haven.core.errors import Conflict
from haven.notify import services as notify
from haven.screening import services as screening
from haven.visitors import watchlists
from haven.visitors.models import OUTCOME_RANK, Outcome, Person, PreRegistration, Visit
from haven.visitors.services import photos
from haven.visitors.services.identity import VisitorDetails, id_hashes

if TYPE_CHECKING:
    from haven.accounts.models import User

log = logging.getLogger(__name__)

MAX_TEXT = 200
_STATUS_FOR = {
    Outcome.CLEAR: Visit.Status.ON_SITE,
    Outcome.REVIEW: Visit.Status.PENDING,
    Outcome.MATCH: Visit.Status.REFUSED,
}


def worst(*outcomes: str) -> str:
    return max(outcomes, key=lambda o: OUTCOME_RANK[Outcome(o)])


def _text(errors: dict[str, str], name: str, value: Any, *, required: bool) -> str:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if len(text) > MAX_TEXT:
        errors[name] = _("At most %(n)d characters.") % {"n": MAX_TEXT}
    elif required and not text:
        errors[name] = _("This field is required.")
    return text


#: The volunteers app's front-desk services (``for_check_in``, ``record_visit``), registered by it
#: when it loads (``VolunteersConfig.ready``): volunteers build on visits, so visitors does not
#: import them.
VOLUNTEERS: list[Any] = []


def check_in(
    actor: User | None,
    school: Any,
    details: VisitorDetails,
    *,
    purpose: str,
    destination: str = "",
    host: Any = None,
    photo: bytes | None = None,
    kind: str = Visit.Kind.VISITOR,
    at_kiosk: bool = False,
    kiosk_id: int | None = None,
    expected: PreRegistration | None = None,
) -> Visit:
    """Screen the visitor and record the visit (see the module's docstring). Raises
    ValidationError naming the field for bad input — then nothing is stored — and
    PermissionDenied when ``actor`` may not check visitors in at ``school``. A lobby kiosk checks
    in as the person who enrolled it, naming itself in ``kiosk_id`` (a kiosk whose enroller's
    account is gone checks in as no one, and is refused)."""
    if actor is None or not policy.may_check_in(actor, school):
        raise PermissionDenied(_("You may not check visitors in at this school."))
    errors: dict[str, str] = {}
    purpose = _text(errors, "purpose", purpose, required=True)
    destination = _text(errors, "destination", destination, required=False)
    if host is not None and not host.schools.filter(pk=school.pk).exists():
        errors["host"] = _("Choose someone who works at this school.")
    if kind not in Visit.Kind.values:
        errors["kind"] = _("Not a kind of visit.")
    if expected is not None and (
        expected.school_id != school.pk or expected.visit_id or expected.cancelled_at
    ):
        errors["expected"] = _("This expected visitor has already arrived or was cancelled.")
    if details.person is not None and details.person.district_id != school.district_id:
        errors["person"] = _("This saved visitor belongs to another district.")
    if kind == Visit.Kind.VOLUNTEER and not VOLUNTEERS:
        errors["kind"] = _("Not a kind of visit.")  # the volunteers app is not installed
    if errors:
        raise ValidationError(errors)
    volunteer = None
    if kind == Visit.Kind.VOLUNTEER:
        # Only an eligible volunteer gets a volunteer badge; ValidationError on "kind" says why not.
        volunteers = VOLUNTEERS[0]
        volunteer = volunteers.for_check_in(school, details)
    cleaned_photo = photos.clean(photo) if photo else None

    visit = Visit(
        school=school,
        kind=kind,
        purpose=purpose,
        destination=destination,
        host=host,
        source=details.source,
        dob_typed_by_hand=details.dob_typed_by_hand,
        at_kiosk=at_kiosk,
        checked_in_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    try:
        with transaction.atomic():
            registry = screening.screen(
                details.first_name,
                details.last_name,
                details.date_of_birth,
                details.middle_name,
                details.dob_typed_by_hand,
                actor=actor,
            )
            listed, matches = watchlists.screen(
                school,
                details.first_name,
                details.last_name,
                details.date_of_birth,
                details.middle_name,
                details.dob_typed_by_hand,
            )
            outcome = worst(registry.outcome, listed)
            visit.person = _remember(school.district_id, details)
            visit.screening = registry
            visit.watchlist_matches = matches
            visit.outcome = outcome
            visit.status = _STATUS_FOR[Outcome(outcome)]
            if cleaned_photo:
                visit.photo.save("photo.jpg", ContentFile(cleaned_photo), save=False)
            visit.save()
            if volunteer is not None:
                volunteers.record_visit(visit, volunteer)
            if expected is not None:
                expected.visit, expected.person = visit, visit.person
                expected.save(update_fields=["visit", "person"])
            audit.record(
                actor,
                "create",
                visit,
                detail={
                    "outcome": outcome,
                    "status": visit.status,
                    "source": details.source,
                    "kiosk": at_kiosk,
                    **({"kiosk_id": kiosk_id} if kiosk_id else {}),
                },
            )
            if outcome == Outcome.MATCH:
                _alert_match(visit)
            if outcome != Outcome.CLEAR and at_kiosk:
                _ask_front_desk(visit)  # someone must go to the visitor, who sees "please wait"
            elif visit.status == Visit.Status.ON_SITE:
                _tell_host(visit)
    except BaseException:
        if visit.photo.name:  # the row is gone with the transaction; so goes its file
            visit.photo.storage.delete(visit.photo.name)
        raise
    return visit


def _remember(district_id: int, details: VisitorDetails) -> Person:
    """The visitor's saved record: the one picked at the desk, the one their card's hash finds,
    or a new one. Names and dates are refreshed from a card (what it says is the latest)."""
    person = details.person
    # Every pepper's hash finds the saved record; the newest is stored (below).
    hashes = id_hashes(details.id_jurisdiction, details.id_number) if details.id_number else []
    hashed = hashes[0] if hashes else ""
    if person is None and hashes:
        person = Person.objects.filter(district_id=district_id, id_hash__in=hashes).first()
    if person is None:
        person = Person(district_id=district_id)
    if details.person is None:
        person.first_name = details.first_name
        person.middle_name = details.middle_name
        person.last_name = details.last_name
        person.suffix = details.suffix
        person.date_of_birth = details.date_of_birth.isoformat()
        person.dob_from_id = not details.dob_typed_by_hand
        if details.address:
            person.address = details.address
        if hashed:
            digits = "".join(ch for ch in details.id_number if ch.isalnum())
            person.id_hash, person.id_last4 = hashed, digits[-4:]
            person.id_jurisdiction = details.id_jurisdiction
    person.last_seen_at = timezone.now()
    person.save()
    return person


def decide(actor: User, visit: Visit, answer: str) -> Visit:
    """The answer to a possible match: the clerk's yes / no / not sure on a pending review, or an
    administrator's or the SRO's yes / no on an escalated one."""
    Answer, Status = Visit.Answer, Visit.Status
    with transaction.atomic():
        visit = Visit.objects.select_for_update().select_related("school").get(pk=visit.pk)
        if not policy.may_decide_screening(actor, visit):
            raise PermissionDenied(_("An administrator or the SRO decides this screening."))
        now = timezone.now()
        if visit.status == Status.PENDING:
            if answer not in Answer.values:
                raise ValidationError({"answer": _("Answer yes, no or not sure.")})
            visit.review_answer, visit.reviewed_by, visit.reviewed_at = answer, actor, now
        elif visit.status == Status.ESCALATED:
            if answer not in (Answer.YES, Answer.NO):
                raise ValidationError({"answer": _("Decide yes or no.")})
            visit.decision, visit.decided_by, visit.decided_at = answer, actor, now
        else:
            raise ValidationError({"answer": _("This screening needs no decision now.")})
        escalated = visit.status == Status.ESCALATED
        visit.status = {
            Answer.YES: Status.REFUSED,
            Answer.NO: Status.ON_SITE,
            Answer.NOT_SURE: Status.ESCALATED,
        }[Answer(answer)]
        visit.save()
        audit.record(
            actor,
            "update",
            visit,
            detail={"answer": answer, "status": visit.status, "escalated": escalated},
        )
        if visit.status == Status.REFUSED:
            _alert_match(visit, confirmed=True)
        elif visit.status == Status.ESCALATED:
            _escalate(visit)
        else:
            _tell_host(visit)
        if escalated:
            _tell_front_desk(visit)
    return visit


def sign_out(actor: User, visit: Visit, method: str = "list") -> Visit:
    """Sign a visitor out (by badge scan, from the list, or through the API)."""
    if not policy.has_perm(actor, Perm.VISITORS_MANAGE, visit.school_id):
        raise PermissionDenied(_("You may not sign visitors out at this school."))
    with transaction.atomic():
        visit = Visit.objects.select_for_update().select_related("person").get(pk=visit.pk)
        if visit.status not in Visit.PRESENT:
            if visit.checked_out_at:
                message = _("Already signed out at %(time)s.") % {
                    "time": timezone.localtime(visit.checked_out_at).strftime("%H:%M")
                }
            else:
                message = _("This visitor was not admitted, so there is nothing to sign out.")
            raise Conflict({"visit": message})
        visit.status = Visit.Status.SIGNED_OUT
        visit.checked_out_at = timezone.now()
        visit.checked_out_by = actor if getattr(actor, "is_authenticated", False) else None
        visit.sign_out_method = method[:10]
        visit.save()
        audit.record(actor, "update", visit, detail={"status": visit.status, "method": method})
    return visit


def on_site(school: Any) -> QuerySet[Visit]:
    """Everyone checked in at ``school`` and not signed out: admitted visitors and those waiting
    at the desk for a screening decision. What emergencies and reunification account for."""
    return (
        Visit.objects.filter(school=school, status__in=Visit.PRESENT)
        .select_related("person", "host")
        .order_by("checked_in_at", "pk")
    )


def badge_printed(actor: User | None, visit: Visit, size: str) -> None:
    """Record that a badge was printed (the first print's time is kept on the visit)."""
    with transaction.atomic():
        if visit.badge_printed_at is None:
            visit.badge_printed_at = timezone.now()
            visit.save(update_fields=["badge_printed_at"])
        audit.record(actor, "export", visit, detail={"badge": size})


def set_frequent(actor: User, person: Person, frequent: bool) -> Person:
    """Save (or forget) a visitor as a frequent visitor, picked at check-in next time."""
    with transaction.atomic():
        person.frequent = frequent
        person.save(update_fields=["frequent"])
        audit.record(actor, "update", person, detail={"frequent": frequent})
    return person


# --- who is told ----------------------------------------------------------------------------------


def _visit_url(visit: Visit) -> str:
    return reverse("visitors:visit", args=[visit.pk])


def _sources(visit: Visit, custody: bool) -> str:
    """Which lists matched, in words. ``custody``: whether the reader may know that a custody
    restriction matched (the access policy's :func:`may_see_custody_matches`)."""
    words = []
    if visit.screening and visit.screening.outcome != Outcome.CLEAR:
        words.append(_("the sex-offender registry"))
    kinds = {m.get("kind") for m in visit.watchlist_matches if m.get("outcome") != Outcome.CLEAR}
    if custody and watchlists.CUSTODY in kinds:
        words.append(_("a custody restriction on the roster"))
    if kinds - {watchlists.CUSTODY}:
        words.append(_("the district's watchlist"))
    return ", ".join(words) or _("a list")


def _by_custody_sight(visit: Visit, recipients: Any) -> list[tuple[list[Any], bool]]:
    """The recipients in two groups: those who may know that a custody restriction matched at
    the visit's school, and the others (each group with its flag for :func:`_sources`)."""
    told: dict[bool, list[Any]] = {True: [], False: []}
    for user in recipients:
        told[policy.may_see_custody_matches(user, visit.school)].append(user)
    return [(users, custody) for custody, users in told.items() if users]


def _alert_match(visit: Visit, confirmed: bool = False) -> None:
    """Alert the school's administrators and SRO at once. No name in the message (it is also
    e-mailed): the details are behind the link, where access is checked and audited."""
    recipients = policy.school_holders(Perm.SCREENING_DECIDE, visit.school)
    if confirmed:
        title = _("Confirmed screening match at %(school)s") % {"school": visit.school.name}
    else:
        title = _("Screening match at %(school)s") % {"school": visit.school.name}
    for users, custody in _by_custody_sight(visit, recipients):
        body = _(
            "A visitor at the front desk matches %(sources)s. A name match is not an "
            "identification: check the details. No badge was issued; the visitor has been asked "
            "to wait."
        ) % {"sources": _sources(visit, custody)}
        notify.send(
            users, kind="visitor_match", title=title, body=body, url=_visit_url(visit), urgent=True
        )


def _escalate(visit: Visit) -> None:
    recipients = policy.school_holders(Perm.SCREENING_DECIDE, visit.school)
    title = _("A visitor screening needs your decision at %(school)s") % {
        "school": visit.school.name
    }
    for users, custody in _by_custody_sight(visit, recipients):
        body = _(
            "The front desk is not sure whether a visitor is the person on %(sources)s. Compare "
            "the details and decide; the visitor is waiting without a badge."
        ) % {"sources": _sources(visit, custody)}
        notify.send(
            users,
            kind="visitor_escalated",
            title=title,
            body=body,
            url=_visit_url(visit),
            urgent=True,
        )


def _ask_front_desk(visit: Visit) -> None:
    recipients = policy.school_holders(Perm.VISITORS_MANAGE, visit.school)
    notify.send(
        recipients,
        kind="visitor_review",
        title=_("A visitor at the kiosk needs you"),
        body=_("Their screening needs a staff member before any badge: open it, then go to them."),
        url=_visit_url(visit),
    )


def _tell_front_desk(visit: Visit) -> None:
    recipients = policy.school_holders(Perm.VISITORS_MANAGE, visit.school)
    if visit.status == Visit.Status.ON_SITE:
        title = _("Screening decided: admit the visitor and print the badge")
    else:
        title = _("Screening decided: do not issue a badge")
    notify.send(recipients, kind="visitor_decided", title=title, url=_visit_url(visit))


def _tell_host(visit: Visit) -> None:
    host = visit.host
    user = getattr(host, "user", None) if host is not None else None
    if user is None or not user.is_active:
        return
    notify.send(
        [user],
        kind="visitor_arrived",
        title=_("Your visitor has arrived"),
        body=_("%(name)s is at the front desk (%(purpose)s).")
        % {"name": visit.person.name, "purpose": visit.purpose},
    )
