"""Roll call: a teacher's account of their class during an incident, and the office's account of
the visitors on site. Each report is validated whole (a message per field, nothing half-written),
stored, audited and put on the incident's timeline; a teacher who needs help alerts incident
command at once. What it all adds up to is :mod:`haven.emergencies.roll_call.accountability`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from haven.access import policy
from haven.audit import services as audit
from haven.core.models import Section, Student
from haven.emergencies.alerts.payload import incident_url
from haven.emergencies.models import (
    Incident,
    IncidentEvent,
    RollCall,
    RollCallEntry,
    VisitorAccount,
)
from haven.emergencies.roll_call.accountability import compute, record_if_complete, school_ids
from haven.notify import services as notify

if TYPE_CHECKING:
    from haven.accounts.models import User

MAX_NOTE = 500
MAX_MARKS = 500


@dataclass(frozen=True)
class Mark:
    """One student in a roll call as the teacher gave it: Haven's id (an int, or digits) or the
    roster's sourcedId, a status, and a note (for an injury)."""

    student: int | str
    status: str
    note: str = ""


# --- the sections a person reports for -----------------------------------------------------------


def sections_for(user: policy.Actor, incident: Incident) -> models.QuerySet[Section]:
    """The classes ``user`` may report for in this incident: the ones they teach at its schools;
    for incident command, every class there."""
    qs = Section.objects.filter(school__in=school_ids(incident)).select_related("school")
    if policy.may_command(user, incident):
        return qs.order_by("school__name", "title")
    return qs.filter(teachers__user=user.pk).distinct().order_by("school__name", "title")


def find_section(user: User, incident: Incident, ref: int | str) -> Section:
    """The section named by ``ref`` (Haven's id or the roster's sourcedId) that ``user`` may
    report for. Unknown, or outside the incident: a field error; not theirs: PermissionDenied."""
    qs = Section.objects.filter(school__in=school_ids(incident)).select_related("school")
    section = _by_ref(qs, ref)
    if section is None:
        raise ValidationError({"section": _("No class with this id at the incident's school.")})
    if not policy.may_report_roll_call(user, section):
        raise PermissionDenied(
            _(
                "You do not teach %(section)s: only its teachers and incident command may report "
                "for it."
            )
            % {"section": section.title}
        )
    return section


def _by_ref(qs: models.QuerySet, ref: int | str) -> Any:
    if isinstance(ref, bool):
        return None
    if isinstance(ref, int):
        return qs.filter(pk=ref).first()
    ref = str(ref).strip()
    if not ref:
        return None
    found = qs.filter(sourced_id=ref).first()
    if found is None and ref.isdigit():
        found = qs.filter(pk=int(ref)).first()
    return found


def roster(section: Section) -> list[Student]:
    """The active students enrolled in ``section``, by name."""
    return list(
        Student.objects.filter(enrollments__section=section, active=True)
        .distinct()
        .order_by("family_name", "given_name")
    )


def extra_candidates(incident: Incident, section: Section, query: str) -> list[Student]:
    """Students of the class's school (any school of the district for a district-wide incident)
    matching ``query``, not enrolled in the class: whom a teacher may add as "with me"."""
    from haven.core.services import search_students

    query = (query or "").strip()[:100]
    if len(query) < 2:
        return []
    pool = Student.objects.filter(school__in=_pool_schools(incident, section), active=True)
    pool = pool.exclude(enrollments__section=section)
    return list(search_students(pool, query).order_by("family_name", "given_name")[:20])


def _pool_schools(incident: Incident, section: Section) -> list[int]:
    return school_ids(incident) if incident.school_id is None else [section.school_id]


# --- reporting -----------------------------------------------------------------------------------


def _clean_note(value: str, field_name: str, errors: dict[str, list[str]]) -> str:
    value = (value or "").strip()
    if len(value) > MAX_NOTE:
        errors.setdefault(field_name, []).append(
            _("At most %(limit)d characters.") % {"limit": MAX_NOTE}
        )
    return value


def _resolve_marks(
    incident: Incident, section: Section, marks: list[Mark], errors: dict[str, list[str]]
) -> list[tuple[Student, Mark]]:
    """Match every mark to a student in two queries (the class, then anyone else named)."""
    enrolled = {s.pk: s for s in roster(section)}
    by_source = {s.sourced_id: s for s in enrolled.values() if s.sourced_id}
    ints = {m.student for m in marks if isinstance(m.student, int)}
    strs = {str(m.student).strip() for m in marks if isinstance(m.student, str)}
    others: dict[Any, Student] = {}
    wanted = models.Q(pk__in=ints | {int(s) for s in strs if s.isdigit()}) | models.Q(
        sourced_id__in=strs
    )
    pool = Student.objects.filter(school__in=_pool_schools(incident, section), active=True)
    for other in pool.filter(wanted).exclude(pk__in=enrolled):
        others[other.pk] = other
        if other.sourced_id:
            others[other.sourced_id] = other
    choices = ", ".join(RollCallEntry.Status.values)
    seen: set[int] = set()
    resolved = []
    for i, mark in enumerate(marks):
        where = f"statuses[{i}]"
        if mark.status not in RollCallEntry.Status.values:
            errors.setdefault(f"{where}.status", []).append(
                _("Unknown status “%(status)s”: choose one of %(choices)s.")
                % {"status": mark.status, "choices": choices}
            )
        note = _clean_note(mark.note, f"{where}.note", errors)
        student, in_class = _match(mark.student, enrolled, by_source, others)
        if student is None:
            errors.setdefault(f"{where}.student", []).append(
                _("No student %(ref)s at this school.") % {"ref": mark.student}
            )
            continue
        if student.pk in seen:
            errors.setdefault(f"{where}.student", []).append(
                _("%(name)s is listed twice.") % {"name": student.full_name}
            )
            continue
        seen.add(student.pk)
        if not in_class and mark.status != RollCallEntry.Status.EXTRA:
            errors.setdefault(f"{where}.student", []).append(
                _("%(name)s is not in %(section)s: mark them extra if they are with you.")
                % {"name": student.full_name, "section": section.title}
            )
        elif in_class and mark.status == RollCallEntry.Status.EXTRA:
            errors.setdefault(f"{where}.status", []).append(
                _("%(name)s is in this class: mark them present.") % {"name": student.full_name}
            )
        resolved.append((student, Mark(student.pk, mark.status, note)))
    return resolved


def _match(
    ref: int | str,
    enrolled: dict[int, Student],
    by_source: dict[str, Student],
    others: dict[Any, Student],
) -> tuple[Student | None, bool]:
    if isinstance(ref, bool):
        return None, False
    keys: list[Any] = [ref] if isinstance(ref, int) else [str(ref).strip()]
    if isinstance(ref, str) and keys[0].isdigit():
        keys.append(int(keys[0]))
    for key in keys:
        if key in enrolled:
            return enrolled[key], True
        if key in by_source:
            return by_source[key], True
        if key in others:
            return others[key], False
    return None, False


def submit_roll_call(
    user: User,
    incident: Incident,
    section: Section,
    marks: list[Mark],
    *,
    reporter_status: str = RollCall.ReporterStatus.SAFE,
    note: str = "",
    via: str = "page",
) -> tuple[RollCall, bool]:
    """Store a teacher's account of ``section`` (replacing an earlier one: submitting again
    corrects it). Returns the roll call and whether it is the first for this class. A teacher who
    needs help alerts incident command at once. All or nothing: any bad mark refuses the whole
    report with a message per field."""
    if not policy.may_report_roll_call(user, section) or section.school_id not in school_ids(
        incident
    ):
        raise PermissionDenied(
            _(
                "You do not teach %(section)s: only its teachers and incident command may report "
                "for it."
            )
            % {"section": section.title}
        )
    errors: dict[str, list[str]] = {}
    if not incident.active:
        errors["incident"] = [_("This incident has already been declared all clear.")]
    if reporter_status not in RollCall.ReporterStatus.values:
        errors["reporter_status"] = [
            _("Choose one of: %(choices)s.")
            % {"choices": ", ".join(RollCall.ReporterStatus.values)}
        ]
    note = _clean_note(note, "note", errors)
    if len(marks) > MAX_MARKS:
        errors["statuses"] = [_("At most %(limit)d students.") % {"limit": MAX_MARKS}]
        marks = []
    resolved = _resolve_marks(incident, section, marks, errors)
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        if not incident.active:
            raise ValidationError(
                {"incident": _("This incident has already been declared all clear.")}
            )
        now = timezone.now()
        roll_call, created = RollCall.objects.select_for_update().get_or_create(
            incident=incident,
            section=section,
            defaults={"reported_by": user, "reporter_status": reporter_status, "note": note},
        )
        need_help = RollCall.ReporterStatus.NEED_HELP
        asked_before = not created and roll_call.reporter_status == need_help
        if not created:
            roll_call.reported_by = user
            roll_call.reporter_status = reporter_status
            roll_call.note = note
            roll_call.submitted_at = now
            roll_call.save()
            roll_call.entries.all().delete()
        RollCallEntry.objects.bulk_create(
            [
                RollCallEntry(roll_call=roll_call, student=student, status=m.status, note=m.note)
                for student, m in resolved
            ]
        )
        counts = {status: 0 for status in RollCallEntry.Status.values}
        for _student, m in resolved:
            counts[m.status] += 1
        data = {
            "section": section.pk,
            "section_title": section.title,
            "reporter_status": reporter_status,
            "counts": counts,
            "corrected": not created,
            "via": via[:20],
        }
        IncidentEvent.objects.create(
            incident=incident, kind=IncidentEvent.Kind.ROLL_CALL, actor=user, at=now, data=data
        )
        audit.record(
            user,
            "emergency.roll_call",
            roll_call,
            detail={"incident": incident.pk, "section": section.pk, "counts": counts, "via": via},
            school_id=section.school_id,
        )
        if reporter_status == need_help and not asked_before:
            _need_help(user, incident, section, now)
        record_if_complete(incident, compute(incident))
    return roll_call, created


def _need_help(user: User, incident: Incident, section: Section, at: datetime) -> None:
    IncidentEvent.objects.create(
        incident=incident,
        kind=IncidentEvent.Kind.NEED_HELP,
        actor=user,
        at=at,
        data={"section": section.pk, "section_title": section.title},
    )
    commanders = policy.holders(policy.Perm.EMERGENCY_COMMAND, section.school)
    with translation.override(settings.LANGUAGE_CODE):
        title = _("%(who)s needs help — %(section)s") % {
            "who": getattr(user, "label", str(user)),
            "section": section.title,
        }
        body = _("Reported in the roll call of %(section)s (%(school)s).") % {
            "section": section.title,
            "school": section.school.name,
        }
    notify.send(
        commanders,
        kind="emergency.need_help",
        title=title,
        body=body,
        url=incident_url(incident),
        urgent=True,
    )


def account_visitor(user: User, incident: Incident, visit: Any, status: str) -> VisitorAccount:
    """The office marks a visitor who is (or was) on site accounted for or missing."""
    if not policy.may_account_visitors(user, visit.school_id) or visit.school_id not in school_ids(
        incident
    ):
        raise PermissionDenied(_("Only the office and incident command account for visitors."))
    if status not in VisitorAccount.Status.values:
        raise ValidationError(
            {
                "status": _("Choose one of: %(choices)s.")
                % {"choices": ", ".join(VisitorAccount.Status.values)}
            }
        )
    if not incident.active:
        raise ValidationError({"incident": _("This incident has already been declared all clear.")})
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        account, _created = VisitorAccount.objects.update_or_create(
            incident=incident,
            visit=visit,
            defaults={"status": status, "reported_by": user, "reported_at": timezone.now()},
        )
        audit.record(
            user,
            "emergency.visitor_account",
            visit,
            detail={"incident": incident.pk, "status": status},
        )
    return account
