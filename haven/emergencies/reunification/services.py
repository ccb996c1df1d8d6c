"""Reunification along the Standard Reunification Method (I Love U Guys Foundation): an adult
checks in at the reunification point with their ID and names the student(s) they came for; each
request is decided by the rule in :mod:`haven.emergencies.reunification.pickup` (the student's
authorised guardians on the roster, the registry and the district's watchlists); a runner fetches
the student; the release (or the refusal, and why) is recorded. This module holds that workflow —
who may reunify, finding the students asked for, check-in, runner, release, refusal — and the live
board.

The adult never learns the reason from the screen: pages say "see an administrator", the reasons
are behind a link for staff.

Every change goes through a function here that validates, writes, audits and notifies in one
transaction; the pages and the API call the same functions.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.access import policy
from haven.access.policy import Perm
from haven.audit import services as audit
from haven.core.models import Guardian, GuardianLink, Student
from haven.emergencies.alerts import audience
from haven.emergencies.models import Incident, IncidentEvent, Release, ReunificationRequest
from haven.emergencies.reunification.pickup import (
    URGENT,
    Adult,
    Screened,
    Verdict,
    adult_from_barcode,
    adult_from_guardian,
    adult_of,
    decide,
    prior_release,
    reason_text,
    screen,
)
from haven.emergencies.roll_call import accountability
from haven.notify import services as notify
from haven.screening.names import tokens
from haven.visitors.services import identity

if TYPE_CHECKING:
    from haven.accounts.models import User

Decision = ReunificationRequest.Decision
Status = ReunificationRequest.Status

MAX_STUDENTS = 12
MAX_REASON = 500
MAX_STUDENT_TEXT = 1000


# --- who may do what ------------------------------------------------------------------------------


def may_reunify(user: User, incident: Incident) -> bool:
    """May ``user`` check adults in and release students for this incident (at any of its
    schools)? The rule itself is :func:`haven.access.policy.may_reunify`."""
    return any(policy.may_reunify(user, school) for school in audience.schools_of(incident))


def _require(user: User, student: Student) -> None:
    if not policy.may_reunify(user, student.school_id):
        raise PermissionDenied(_("You may not release students at this school."))


def visible_requests(user: User, incident: Incident) -> models.QuerySet[ReunificationRequest]:
    return policy.visible_to(user, ReunificationRequest).filter(incident=incident)


# --- finding the students asked for ---------------------------------------------------------------


def students_at(incident: Incident) -> models.QuerySet[Student]:
    schools = [s.pk for s in audience.schools_of(incident)]
    return Student.objects.filter(school__in=schools, active=True)


def find_students(user: User, incident: Incident, text: Any) -> list[Student]:
    """The students named in ``text`` (one a line or comma-separated; a name or a student
    number), among those of the incident's schools that ``user`` may see. Raises a
    ValidationError on ``students`` naming what was not found or was ambiguous."""
    if not isinstance(text, str) or not text.strip():
        raise ValidationError({"students": _("Name at least one student.")})
    if len(text) > MAX_STUDENT_TEXT:
        raise ValidationError(
            {"students": _("At most %(n)d characters.") % {"n": MAX_STUDENT_TEXT}}
        )
    wanted = [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]
    if len(wanted) > MAX_STUDENTS:
        raise ValidationError(
            {"students": _("At most %(n)d students at a time.") % {"n": MAX_STUDENTS}}
        )
    pool = list(policy.visible_to(user, students_at(incident)))
    found: list[Student] = []
    problems: list[str] = []
    for query in wanted:
        hits = [s for s in pool if s.student_number and s.student_number == query]
        if not hits:
            hits = [s for s in pool if _student_named(s, query)]
        if not hits:
            problems.append(_("No student called “%(name)s” here.") % {"name": query})
        elif len(hits) > 1:
            problems.append(
                _("Several students are called “%(name)s”: use the student number.")
                % {"name": query}
            )
        elif hits[0] not in found:
            found.append(hits[0])
    if problems:
        raise ValidationError({"students": problems})
    return found


def _student_named(student: Student, query: str) -> bool:
    words = set(tokens(query))
    family = tokens(student.family_name)
    if not family or not set(family) <= words:
        return False
    given = [tokens(student.given_name)[:1], tokens(student.preferred_name or "")[:1]]
    return any(g and g[0] in words for g in given)


# --- check-in -------------------------------------------------------------------------------------


def check_in(
    actor: User,
    incident: Incident,
    adult: Adult,
    students: Sequence[Student],
    *,
    guardian: Guardian | None = None,
    via: str = "page",
) -> list[ReunificationRequest]:
    """Check ``adult`` in for each of ``students``: one request per student, decided at once.
    A refusal is recorded as a refused :class:`Release`; custody and screening matches alert
    incident command and the SRO. Raises PermissionDenied when ``actor`` may not reunify at a
    student's school and ValidationError for bad input — then nothing is stored."""
    if not students:
        raise ValidationError({"students": _("Name at least one student.")})
    for student in students:
        _require(actor, student)
    group = uuid.uuid4()
    hashed = identity.id_hash(adult.id_jurisdiction, adult.id_number) if adult.id_number else ""
    digits = "".join(ch for ch in adult.id_number if ch.isalnum())
    created: list[ReunificationRequest] = []
    with transaction.atomic():
        screened: dict[int, Screened] = {}
        for student in students:
            if student.school_id not in screened:
                screened[student.school_id] = screen(actor, student.school, adult)
            result = screened[student.school_id]
            verdict = decide(incident, student, adult, guardian, result.outcome)
            request = ReunificationRequest.objects.create(
                incident=incident,
                group=group,
                student=student,
                adult_first_name=adult.first_name[:100],
                adult_middle_name=adult.middle_name[:100],
                adult_last_name=adult.last_name[:100],
                adult_date_of_birth=adult.date_of_birth.isoformat() if adult.date_of_birth else "",
                id_source=adult.source,
                id_jurisdiction=adult.id_jurisdiction[:10],
                id_last4=digits[-4:],
                id_hash=hashed,
                guardian=verdict.link.guardian if verdict.link else guardian,
                decision=verdict.decision,
                screening_outcome=result.outcome,
                screening=result.registry,
                watchlist_matches=cast(Any, result.matches),  # JSON, encrypted
                status=Status.HELD if verdict.decision == Decision.REVIEW else Status.WAITING,
                checked_in_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            audit.record(
                actor,
                "reunification.check_in",
                request,
                detail={
                    "decision": verdict.decision,
                    "screening": result.outcome,
                    "source": adult.source,
                    "via": via,
                },
                school_id=student.school_id,
            )
            if verdict.refused:
                _record_refusal(actor, request, reason_text(verdict), via=via)
            created.append(request)
        _alert(incident, created)
    return created


def _record_refusal(
    actor: User, request: ReunificationRequest, reason: str, *, via: str
) -> Release:
    """Inside the caller's transaction: the refused release, the request closed, audited."""
    release = Release.objects.create(
        incident=request.incident,
        student=request.student,
        guardian=request.guardian,
        adult_name=request.adult_name[:200],
        released_by=actor if getattr(actor, "is_authenticated", False) else None,
        refused=True,
        reason=reason,
    )
    request.release = release
    request.status = Status.REFUSED
    request.closed_at = release.released_at
    request.save(update_fields=["release", "status", "closed_at", "decision"])
    audit.record(
        actor,
        "reunification.refuse",
        release,
        detail={"decision": request.decision, "request": request.pk, "via": via},
        school_id=request.student.school_id,
    )
    return release


def _alert(incident: Incident, requests: Iterable[ReunificationRequest]) -> None:
    """Alert incident command and the SRO of custody and screening refusals, and of requests
    held for a decision. No name in the message (it is also e-mailed): the details are behind the
    link, where access is checked and audited."""
    for request in requests:
        school = request.student.school
        if request.decision in URGENT or request.screening_outcome == "match":
            title = _("Reunification: a release was refused at %(school)s") % {
                "school": school.name
            }
            body = _(
                "An adult at the reunification point was refused (%(reason)s). Go to the "
                "reunification point; the adult has only been asked to wait."
            ) % {"reason": Decision(request.decision).label}
        elif request.status == Status.HELD:
            title = _("Reunification: a release needs your decision at %(school)s") % {
                "school": school.name
            }
            body = _(
                "An adult at the reunification point may match a screening list. Compare the "
                "details and decide; the adult is waiting."
            )
        else:
            continue
        recipients = (
            policy.school_holders(Perm.EMERGENCY_COMMAND, school)
            | policy.school_holders(Perm.SCREENING_DECIDE, school)
        ).distinct()
        notify.send(
            recipients,
            kind="reunification_alert",
            title=title,
            body=body,
            url=request_url(request),
            urgent=True,
        )


def request_url(request: ReunificationRequest) -> str:
    return reverse("emergencies:reunification_request", args=[request.incident_id, request.pk])


def board_url(incident: Incident) -> str:
    return reverse("emergencies:reunification", args=[incident.pk])


# --- runner, release, refusal ---------------------------------------------------------------------


def _locked(request: ReunificationRequest) -> ReunificationRequest:
    return (
        ReunificationRequest.objects.select_for_update(of=("self",))
        .select_related("incident", "student", "student__school", "guardian")
        .get(pk=request.pk)
    )


def _require_open(actor: User, request: ReunificationRequest) -> None:
    if not request.open:
        raise ValidationError({"request": _("This request has already been closed.")})
    if request.status == Status.HELD and not policy.may_decide_held_release(
        actor, request.student.school_id
    ):
        raise PermissionDenied(_("An administrator must decide this request first."))


def runners(request: ReunificationRequest) -> models.QuerySet:
    """Who may be sent: staff who receive the school's alerts."""
    return policy.holders(Perm.EMERGENCY_RECEIVE, request.student.school).order_by(
        "last_name", "first_name", "username"
    )


def send_runner(actor: User, request: ReunificationRequest, runner: Any) -> ReunificationRequest:
    """Send ``runner`` (a staff member of the school) to fetch the student. Sending another
    runner replaces the first."""
    _require(actor, request.student)
    with transaction.atomic():
        request = _locked(request)
        _require_open(actor, request)
        if runner is None or not runners(request).filter(pk=getattr(runner, "pk", None)).exists():
            raise ValidationError({"runner": _("Choose a staff member of this school.")})
        request.runner = runner
        request.runner_sent_at = timezone.now()
        request.status = Status.RUNNER_SENT
        request.save(update_fields=["runner", "runner_sent_at", "status"])
        audit.record(
            actor,
            "reunification.runner",
            request,
            detail={"runner": runner.pk},
            school_id=request.student.school_id,
        )
        student = request.student
        notify.send(
            [runner],
            kind="reunification_runner",
            title=_("Reunification: please fetch a student"),
            body=_("Bring %(student)s (grade %(grade)s) to the reunification point.")
            % {"student": student.full_name, "grade": student.grade or "—"},
            url=board_url(request.incident),
            urgent=True,
        )
    return request


def release(actor: User, request: ReunificationRequest, *, via: str = "page") -> Release:
    """The student is here: hand them to the adult. The roster is read again first (it may have
    changed, or another adult may have collected the student): if it now refuses, the refusal is
    recorded and returned instead (``refused`` is True)."""
    _require(actor, request.student)
    with transaction.atomic():
        request = _locked(request)
        _require_open(actor, request)
        incident = request.incident
        verdict = decide(incident, request.student, adult_of(request), request.guardian)
        if verdict.refused:
            request.decision = verdict.decision
            result = _record_refusal(actor, request, reason_text(verdict), via=via)
            _alert(incident, [request])
            return result
        try:
            with transaction.atomic():
                done = Release.objects.create(
                    incident=incident,
                    student=request.student,
                    guardian=request.guardian,
                    adult_name=request.adult_name[:200],
                    released_by=actor,
                )
        except IntegrityError:  # released by someone else a moment ago
            request.decision = Decision.ALREADY_RELEASED
            verdict = Verdict(
                Decision.ALREADY_RELEASED, prior=prior_release(incident, request.student)
            )
            return _record_refusal(actor, request, reason_text(verdict), via=via)
        request.release = done
        request.status = Status.RELEASED
        request.closed_at = done.released_at
        request.save(update_fields=["release", "status", "closed_at"])
        IncidentEvent.objects.create(
            incident=incident,
            kind=IncidentEvent.Kind.RELEASE,
            actor=actor,
            at=done.released_at,
            data={"release": done.pk, "student": request.student_id, "via": via},
        )
        # The last student handed over may be the one that completes accountability.
        accountability.record_if_complete(incident, accountability.compute(incident))
        audit.record(
            actor,
            "reunification.release",
            done,
            detail={"request": request.pk, "guardian": request.guardian_id, "via": via},
            school_id=request.student.school_id,
        )
    return done


def refuse(
    actor: User, request: ReunificationRequest, reason: Any, *, via: str = "page"
) -> Release:
    """Staff refuse the release (the adult could not show an ID, the student does not know
    them …), with a reason."""
    _require(actor, request.student)
    text = " ".join(reason.split()) if isinstance(reason, str) else ""
    if not text:
        raise ValidationError({"reason": _("Say why the release is refused.")})
    if len(text) > MAX_REASON:
        raise ValidationError({"reason": _("At most %(n)d characters.") % {"n": MAX_REASON}})
    with transaction.atomic():
        request = _locked(request)
        _require_open(actor, request)
        request.decision = Decision.STAFF
        return _record_refusal(actor, request, text, via=via)


def release_now(
    actor: User,
    incident: Incident,
    student: Student,
    *,
    guardian: Guardian | None = None,
    id_barcode: str | None = None,
) -> tuple[ReunificationRequest, Release | None]:
    """The API's one step: check the adult in (by ID barcode, or by the guardian staff chose
    from the roster) and, when the roster authorises them, release at once. Returns the request
    and its release — refused, or None when the request is held for a decision."""
    if id_barcode:
        adult = adult_from_barcode(id_barcode)
    elif guardian is not None:
        adult = adult_from_guardian(guardian)
    else:
        raise ValidationError(
            {"guardian": _("Name the guardian, or send the barcode of the adult's ID.")}
        )
    with transaction.atomic():
        [request] = check_in(actor, incident, adult, [student], guardian=guardian, via="api")
        if request.status == Status.WAITING:
            release(actor, request, via="api")
            request.refresh_from_db()
    return request, request.release


# --- reading --------------------------------------------------------------------------------------


def links_for(actor: User, request: ReunificationRequest) -> list[GuardianLink]:
    """The student's guardian list, with custody notes, for staff who may see guardians —
    audited as a read of the student's guardians."""
    if not policy.has_perm(actor, Perm.GUARDIANS_VIEW, request.student.school_id):
        return []
    audit.record(
        actor,
        "view",
        request.student,
        detail={"guardians": True, "reunification": request.pk},
        school_id=request.student.school_id,
    )
    return list(request.student.guardian_links.select_related("guardian"))


def board(user: User, incident: Incident) -> dict[str, Any]:
    """The live board: how many students are released and remaining, the requests waiting and
    with a runner. Student names only for staff who may see the roster; no adult's name (those
    are behind each request, for staff who reunify)."""
    everyone = students_at(incident)
    named = policy.visible_to(user, everyone)
    released = list(
        Release.objects.filter(incident=incident, refused=False)
        .select_related("student")
        .order_by("-released_at")
    )
    released_ids = {r.student_id for r in released}
    visible_ids = set(named.values_list("pk", flat=True))
    open_requests = list(
        ReunificationRequest.objects.filter(
            incident=incident, status__in=[Status.WAITING, Status.HELD, Status.RUNNER_SENT]
        ).select_related("student", "runner")
    )
    total = everyone.count()
    counts = {
        status: sum(1 for r in open_requests if r.status == status)
        for status in (Status.WAITING, Status.HELD, Status.RUNNER_SENT)
    }

    def student(s: Student) -> dict[str, Any]:
        return {"id": s.pk, "name": s.full_name, "grade": s.grade}

    return {
        "incident": incident.pk,
        "total": total,
        "released": len(released_ids),
        "remaining": total - everyone.filter(pk__in=released_ids).count(),
        "waiting": counts[Status.WAITING],
        "held": counts[Status.HELD],
        "runner_sent": counts[Status.RUNNER_SENT],
        "released_students": [
            {**student(r.student), "at": r.released_at.isoformat()}
            for r in released
            if r.student_id in visible_ids
        ],
        "queue": [
            {
                "id": r.pk,
                "student": student(r.student),
                "status": r.status,
                "status_label": str(r.get_status_display()),
                "runner": r.runner.label if r.runner else None,  # type: ignore[attr-defined]
                "checked_in_at": r.checked_in_at.isoformat(),
            }
            for r in open_requests
            if r.student_id in visible_ids
        ],
        "names": bool(visible_ids),
        "updated_at": timezone.now().isoformat(),
    }


def remaining_students(user: User, incident: Incident) -> list[Student]:
    released = Release.objects.filter(incident=incident, refused=False).values("student_id")
    return list(
        policy.visible_to(user, students_at(incident))
        .exclude(pk__in=released)
        .order_by("family_name", "given_name")
    )
