"""Referrals, opening a case, its team, closing and reopening; reading cases and their timeline."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models import Case as DbCase
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haven.access import policy
from haven.access.models import Compartment
from haven.access.policy import Perm
from haven.audit import services as audit
from haven.cases.models import (
    Case,
    CaseEvent,
    CaseType,
    Priority,
    Referral,
    Review,
    Source,
    Status,
    StepRecord,
    TeamMember,
    WarningSign,
)
from haven.cases.models.case import case_order
from haven.cases.services._common import (
    audit_read,
    clean_text,
    notify_users,
    record,
    require_case,
    require_manager,
    visible_cases,
)
from haven.core.fields import BlindIndexField
from haven.core.models import School, Student
from haven.notify import services as notify

if TYPE_CHECKING:
    from haven.accounts.models import User

MAX_SUMMARY = 10_000
MAX_CONCERN = 5_000
MAX_PERSON = 500
MAX_TEAM = 30

#: What a team affirms when it closes a case (all of them).
CLOSURE_CRITERIA: dict[str, Any] = {
    "risk_resolved": gettext_lazy("The threat or risk is resolved, or managed by a lasting plan"),
    "plan_settled": gettext_lazy(
        "Each part of the safety plan is done, or handed over to someone who carries it on"
    ),
    "no_new_concerns": gettext_lazy("No new concerning behaviour since the last review"),
    "supports_in_place": gettext_lazy("The student is connected with the supports they need"),
    "family_informed": gettext_lazy("The student's parents or guardians know the outcome"),
}


def _subject(
    school: School, student: Student | None, unknown_person: Any
) -> tuple[Student | None, str]:
    person = clean_text(unknown_person, "unknown_person", limit=MAX_PERSON, required=False)
    if student is not None and student.school_id != school.pk:
        raise ValidationError({"student": _("This student is not at the school chosen.")})
    if student is None and not person:
        raise ValidationError(
            {"student": _("Choose the student, or describe the person if you do not know them.")}
        )
    return student, person


# --- referrals ------------------------------------------------------------------------------------


def refer(
    user: User,
    *,
    school: School,
    concern: str,
    warning_signs: Sequence[str] = (),
    student: Student | None = None,
    unknown_person: str = "",
) -> Referral:
    """A staff member's "I'm worried about a student". Any staff member at the school may refer;
    the school's team is told (without the content) and turns it into a case or dismisses it."""
    if not policy.may_refer(user, school):
        raise PermissionDenied(_("You cannot make referrals at this school."))
    student, person = _subject(school, student, unknown_person)
    concern = clean_text(concern, "concern", limit=MAX_CONCERN)
    if isinstance(warning_signs, str) or not all(
        sign in WarningSign.values for sign in warning_signs
    ):
        raise ValidationError({"warning_signs": _("Choose warning signs from the list.")})
    with transaction.atomic():
        referral = Referral.objects.create(
            school=school,
            student=student,
            unknown_person=person,
            concern=concern,
            warning_signs=cast(Any, sorted(set(warning_signs))),  # JSON, encrypted
            referred_by=user,
            created_at=timezone.now(),
        )
        audit.record(user, "create", referral, compartment=Compartment.TEAM)
        team = policy.holders(Perm.CASES_SCHOOL, school).exclude(pk=user.pk)
        notify.send(
            list(team),
            kind="case_referral",
            title=_("New referral at %(school)s") % {"school": school.name},
            body=_("A staff member is worried about a student. Open Haven to read the referral."),
        )
    return referral


def referrals(user: User, *, status: str | None = None, limit: int = 50) -> list[Referral]:
    """The referrals ``user`` may see (the school's team; a referrer sees their own), audited."""
    qs = policy.visible_to(user, Referral).select_related("school", "student", "referred_by")
    if status:
        qs = qs.filter(status=status)
    rows = list(qs[: max(1, min(limit, 500))])
    audit.record(
        user, "list", None, detail={"model": "cases.referral", "ids": [r.pk for r in rows]}
    )
    return rows


def get_referral(user: User, referral_id: int) -> Referral:
    found = Referral.objects.select_related("school", "student")
    referral = policy.get_visible_or_404(user, found, referral_id)
    audit.record(user, "view", referral, compartment=Compartment.TEAM)
    return referral


def _require_new_referral(user: User, referral: Referral) -> None:
    if not policy.visible_to(user, Referral).filter(pk=referral.pk).exists():
        raise Http404
    if not policy.may_handle_referral(user, referral):
        raise PermissionDenied(_("Only the school's team handles referrals."))
    if referral.status != Referral.Status.NEW:
        raise ValidationError({"referral": _("This referral has already been handled.")})


def dismiss_referral(user: User, referral: Referral, reason: str) -> Referral:
    """The team decides a referral needs no case, and says why."""
    _require_new_referral(user, referral)
    reason = clean_text(reason, "reason", limit=MAX_CONCERN)
    with transaction.atomic():
        referral.status = Referral.Status.DISMISSED
        referral.dismissal_reason = reason
        referral.handled_by, referral.handled_at = user, timezone.now()
        referral.save(update_fields=["status", "dismissal_reason", "handled_by", "handled_at"])
        audit.record(user, "update", referral, detail={"status": referral.status})
    return referral


# --- opening a case and its team ------------------------------------------------------------------


def _check_team(school: School, members: Iterable[Any]) -> list[Any]:
    chosen = list({m.pk: m for m in members}.values())
    if not chosen:
        raise ValidationError({"team": _("A case needs at least one team member.")})
    if len(chosen) > MAX_TEAM:
        raise ValidationError({"team": _("At most %(n)d team members.") % {"n": MAX_TEAM}})
    refused = [m.get_username() for m in chosen if not policy.may_join_case_team(m, school)]
    if refused:
        raise ValidationError(
            {
                "team": _("Not on this school's threat-assessment team: %(names)s.")
                % {"names": ", ".join(sorted(refused))}
            }
        )
    return chosen


def _signal_seen_at(user: User, school: School, signal_id: Any) -> bool:
    """Is ``signal_id`` a monitoring signal of ``school`` that ``user`` may see? The triage app
    opens cases through this service, so its model is looked up by name (no import cycle); without
    the triage app there is no signal to open a case from."""
    if type(signal_id) is not int or signal_id <= 0 or not apps.is_installed("haven.triage"):
        return False
    signal = apps.get_model("triage", "Signal")
    return policy.visible_to(user, signal).filter(pk=signal_id, school=school).exists()


def open_from_signal(user: User, signal: Any, case_type: str, note: str) -> Case:
    """Open a case from a confirmed triage signal: its school and student, a priority from its
    urgency. Triage's review calls it through the opener this app registers (``CasesConfig``)."""
    from haven.triage.models import Urgency

    priority = {
        Urgency.IMMINENT: Priority.URGENT,
        Urgency.HIGH: Priority.HIGH,
    }.get(Urgency(signal.urgency), Priority.ROUTINE)
    return open_case(
        user,
        school=signal.school,
        type=case_type,
        student=signal.student,
        priority=priority,
        summary=note,
        source_signal_id=signal.pk,
    )


def open_case(
    user: User,
    *,
    school: School,
    type: str,
    summary: str = "",
    student: Student | None = None,
    unknown_person: str = "",
    priority: int = Priority.ROUTINE,
    team: Iterable[Any] = (),
    source_tip: Any = None,
    source_signal_id: int | None = None,
    referral: Referral | None = None,
    reference: str | None = None,
) -> Case:
    """Open a case at ``school``: from a tip, a triage signal, a referral, or directly. The team
    defaults to the person opening it; every member must be on the school's team. A source tip or
    signal must be one ``user`` may see, of this school (otherwise a ValidationError naming it)."""
    if not policy.may_open_case(user, school):
        raise PermissionDenied(_("You cannot open cases at this school."))
    if referral is not None:
        _require_new_referral(user, referral)
        if referral.school_id != school.pk:
            raise ValidationError({"referral": _("The referral is for another school.")})
        student = student or referral.student
        unknown_person = unknown_person or referral.unknown_person
    student, person = _subject(school, student, unknown_person)
    if type not in CaseType.values:
        raise ValidationError({"type": _("One of: threat, self_harm, both.")})
    if priority not in Priority.values:
        raise ValidationError({"priority": _("One of: routine, high, urgent.")})
    summary = clean_text(summary, "summary", limit=MAX_SUMMARY, required=False)
    if source_tip is not None:
        from haven.tips.models import Tip

        tip_ok = (
            policy.visible_to(user, Tip).filter(pk=source_tip.pk).exists()
            and (source_tip.school_id or school.pk) == school.pk
            and source_tip.district_id == school.district_id
        )
        if not tip_ok:
            raise ValidationError({"source_tip": _("No such tip for this school.")})
    if source_signal_id is not None and not _signal_seen_at(user, school, source_signal_id):
        raise ValidationError({"source_signal_id": _("No such signal for this school.")})
    members = _check_team(school, team or [user])
    if referral is not None:
        source = Source.REFERRAL
    elif source_tip is not None:
        source = Source.TIP
    elif source_signal_id is not None:
        source = Source.SIGNAL
    else:
        source = Source.STAFF
    with transaction.atomic():
        now = timezone.now()
        case = Case.objects.create(
            school=school,
            student=student,
            unknown_person=person,
            type=type,
            priority=priority,
            summary=summary,
            source=source,
            source_tip=source_tip,
            source_signal_id=source_signal_id,
            reference=reference or None,
            opened_by=user,
            opened_at=now,
            updated_at=now,
        )
        TeamMember.objects.bulk_create(
            TeamMember(case=case, user=m, added_by=user, added_at=now) for m in members
        )
        record(
            user,
            case,
            action="create",
            kind="opened",
            text=_("Case opened (%(source)s)") % {"source": Source(source).label},
            detail={"source": source, "team": [m.pk for m in members]},
        )
        if referral is not None:
            referral.status, referral.case = Referral.Status.CASE_OPENED, case
            referral.handled_by, referral.handled_at = user, now
            referral.save(update_fields=["status", "case", "handled_by", "handled_at"])
            audit.record(user, "update", referral, detail={"status": referral.status})
        notify_users(
            [m for m in members if m.pk != user.pk],
            case,
            kind="case_team",
            title=_("You are on the team of case #%(n)d") % {"n": case.pk},
            urgent=priority == Priority.URGENT,
        )
    return case


def set_team(user: User, case: Case, members: Iterable[Any]) -> list[Any]:
    """Replace the case's team. Everyone added is told; everyone must be allowed."""
    case = require_case(user, case)
    require_manager(user, case)
    chosen = _check_team(case.school, members)
    with transaction.atomic():
        current_members = [m.user for m in case.team_members.select_related("user")]
        current = {m.pk for m in current_members}
        wanted = {m.pk for m in chosen}
        removed = [m for m in current_members if m.pk not in wanted]
        TeamMember.objects.filter(case=case).exclude(user__in=wanted).delete()
        added = [m for m in chosen if m.pk not in current]
        TeamMember.objects.bulk_create(
            TeamMember(case=case, user=m, added_by=user, added_at=timezone.now()) for m in added
        )
        record(
            user,
            case,
            action="update",
            kind="team",
            text=_("Team changed"),
            detail={"added": sorted(wanted - current), "removed": sorted(current - wanted)},
        )
        notify_users(
            [m for m in added if m.pk != user.pk],
            case,
            kind="case_team",
            title=_("You are on the team of case #%(n)d") % {"n": case.pk},
        )
        notify_users(
            [m for m in removed if m.pk != user.pk],
            case,
            kind="case_team",
            title=_("You are no longer on the team of case #%(n)d") % {"n": case.pk},
        )
    return chosen


def update_case(
    user: User,
    case: Case,
    *,
    type: str | None = None,
    priority: int | None = None,
    summary: str | None = None,
) -> Case:
    """Change the case's type, priority or summary (the team record): the school's
    threat-assessment roles only, like the team, closing and reopening — a safety-team member
    reads the case but does not re-rank it."""
    case = require_case(user, case)
    require_manager(user, case)
    changed: list[str] = []
    if type is not None:
        if type not in CaseType.values:
            raise ValidationError({"type": _("One of: threat, self_harm, both.")})
        case.type = type
        changed.append("type")
    if priority is not None:
        if priority not in Priority.values:
            raise ValidationError({"priority": _("One of: routine, high, urgent.")})
        case.priority = priority
        changed.append("priority")
    if summary is not None:
        case.summary = clean_text(summary, "summary", limit=MAX_SUMMARY, required=False)
        changed.append("summary")
    if changed:
        with transaction.atomic():
            case.save(update_fields=changed)
            record(
                user,
                case,
                action="update",
                kind="updated",
                text=_("Case details changed"),
                detail={"fields": changed},
            )
    return case


def close_case(user: User, case: Case, *, criteria: Sequence[str], summary: str) -> Case:
    """Close the case: every closure criterion affirmed, a summary written, and every assessment
    step that applies closed."""
    case = require_case(user, case)
    require_manager(user, case)
    if not case.is_open:
        raise ValidationError({"case": _("The case is already closed.")})
    unknown = [c for c in criteria if c not in CLOSURE_CRITERIA]
    missing = [c for c in CLOSURE_CRITERIA if c not in criteria]
    if unknown or missing:
        raise ValidationError(
            {
                "criteria": _("Affirm every closing criterion: %(missing)s.")
                % {"missing": ", ".join(str(CLOSURE_CRITERIA[c]) for c in missing) or unknown}
            }
        )
    summary = clean_text(summary, "summary", limit=MAX_SUMMARY)
    open_steps = StepRecord.objects.filter(
        assessment__case=case,
        assessment__model__kind="decision_tree",
        status__in=[StepRecord.Status.OPEN, StepRecord.Status.PENDING],
    ).select_related("step")
    first = open_steps.order_by("step__number").first()
    if first is not None:
        raise ValidationError(
            {
                "assessment": _("Finish the assessment first: step %(step)s is not closed.")
                % {"step": str(first.step)}
            }
        )
    with transaction.atomic():
        now = timezone.now()
        case.status, case.closed_at, case.closed_by = Status.CLOSED, now, user
        case.closure_criteria, case.closure_summary = list(CLOSURE_CRITERIA), summary
        case.save(
            update_fields=[
                "status",
                "closed_at",
                "closed_by",
                "closure_criteria",
                "closure_summary",
            ]
        )
        record(user, case, action="update", kind="closed", text=_("Case closed"))
    return case


def reopen_case(user: User, case: Case, reason: str) -> Case:
    """Reopen a closed case (new information, a new concern); the reason is recorded."""
    case = require_case(user, case)
    require_manager(user, case)
    if case.is_open:
        raise ValidationError({"case": _("The case is open.")})
    reason = clean_text(reason, "reason", limit=MAX_CONCERN)
    with transaction.atomic():
        case.status, case.closed_at, case.closed_by = Status.OPEN, None, None
        case.save(update_fields=["status", "closed_at", "closed_by"])
        record(user, case, action="update", kind="reopened", text=_("Case reopened"), reason=reason)
    return case


# --- reading --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFilters:
    """What a case list is narrowed to. Every field is optional; ``overdue_first`` puts open cases
    with a follow-up review past its date before the others."""

    school: School | None = None
    status: str | None = None
    type: str | None = None
    priority: int | None = None
    mine: bool = False
    overdue_first: bool = False


def find_cases(user: User, filters: CaseFilters | None = None) -> QuerySet[Case]:
    """The cases ``user`` may see, narrowed by ``filters`` in the database and ordered by what
    needs attention first. Each row carries ``overdue`` (an open case with a follow-up review past
    its date). Not audited: list services audit the page of rows they show."""
    filters = filters or CaseFilters()
    if filters.status and filters.status not in Status.values:
        raise ValidationError({"status": _("One of: open, closed.")})
    if filters.type and filters.type not in CaseType.values:
        raise ValidationError({"type": _("One of: threat, self_harm, both.")})
    if filters.priority is not None and filters.priority not in Priority.values:
        raise ValidationError({"priority": _("One of: routine, high, urgent.")})
    qs: QuerySet[Case] = visible_cases(user).select_related("school", "student")
    if filters.school is not None:
        qs = qs.filter(school=filters.school)
    if filters.status:
        qs = qs.filter(status=filters.status)
    # Type and priority are encrypted: the database compares their blind indexes.
    if filters.type:
        qs = qs.filter(_index("type_index").q(filters.type))
    if filters.priority is not None:
        qs = qs.filter(_index("priority_index").q(filters.priority))
    if filters.mine:
        qs = qs.filter(pk__in=TeamMember.objects.filter(user=user).values("case_id"))
    late = Review.objects.filter(
        case=OuterRef("pk"), done_at__isnull=True, due_on__lt=timezone.localdate()
    )
    qs = qs.annotate(
        overdue=DbCase(
            When(Q(status=Status.OPEN) & Exists(late), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )
    if filters.overdue_first:
        return qs.order_by("-overdue", *case_order())
    return qs.order_by(*case_order())


def _index(name: str) -> BlindIndexField:
    return cast(BlindIndexField, Case._meta.get_field(name))


#: Encrypted columns the case list page does not show.
_NOT_LISTED = (
    "unknown_person",
    "summary",
    "closure_summary",
    "classification",
    "stage",
    "risk_level",
    "pathway_stage",
)


def case_page(
    user: User, filters: CaseFilters | None = None, *, page: Any = 1, per_page: int = 50
) -> Page[Any]:
    """One page of :func:`find_cases` (a page number past the end gives the last page), audited
    as one list read of the rows shown."""
    # Sorting only the keys and then reading the page's rows is several times cheaper than
    # sorting whole rows (with their joins) when thousands of cases match.
    found = find_cases(user, filters)
    paginator = Paginator(found.values_list("pk", flat=True), max(1, min(per_page, 500)))
    shown: Page[Any] = paginator.get_page(page)
    ids = list(shown.object_list)
    # The page shows the type and priority: the other encrypted columns are not decrypted.
    rows = {c.pk: c for c in found.filter(pk__in=ids).order_by().defer(*_NOT_LISTED)}
    shown.object_list = [rows[pk] for pk in ids if pk in rows]
    audit.record(
        user, "list", None, detail={"model": "cases.case", "ids": [c.pk for c in shown.object_list]}
    )
    return shown


def list_cases(
    user: User,
    *,
    school: School | None = None,
    status: str | None = None,
    type: str | None = None,
    priority: int | None = None,
    mine: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> list[Case]:
    """The cases ``user`` may see, what needs attention first (open, most urgent, most recently
    changed), audited as one list read."""
    qs = find_cases(
        user,
        CaseFilters(school=school, status=status, type=type, priority=priority, mine=mine),
    )
    start = max(offset, 0)
    ids = list(qs.values_list("pk", flat=True)[start : start + max(1, min(limit, 500))])
    found = {c.pk: c for c in qs.filter(pk__in=ids).order_by()}
    rows = [found[pk] for pk in ids if pk in found]
    audit.record(user, "list", None, detail={"model": "cases.case", "ids": [c.pk for c in rows]})
    return rows


def get_case(user: User, case_id: int) -> Case:
    """One case's team record (404 if ``user`` may not see it), audited."""
    case = require_case(user, case_id)
    audit_read(user, case)
    return case


def _events(user: User, case: Case) -> QuerySet[CaseEvent]:
    parts = policy.case_compartments(user, case)
    return CaseEvent.objects.filter(case=case, compartment__in=parts).select_related("actor")


def timeline(user: User, case: Case, *, latest: int | None = None) -> list[CaseEvent]:
    """Every event of the case (or only the ``latest`` ones), oldest first, each compartment's
    only for those who may read it now."""
    case = require_case(user, case)
    qs = _events(user, case)
    if latest is None:
        events = list(qs.order_by("at", "pk"))
    else:
        events = list(qs.order_by("-at", "-pk")[: max(1, latest)])[::-1]
    audit_read(user, case, what="timeline")
    return events


def timeline_page(user: User, case: Case, *, page: Any = 1, per_page: int = 50) -> Page[CaseEvent]:
    """One page of the case's timeline, newest first (a page past the end gives the last one),
    audited as a read of the timeline."""
    case = require_case(user, case)
    paginator = Paginator(_events(user, case).order_by("-at", "-pk"), max(1, min(per_page, 500)))
    shown = paginator.get_page(page)
    audit_read(user, case, what="timeline")
    return shown
