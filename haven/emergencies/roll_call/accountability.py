"""Roll call and accountability: who is accounted for during an incident.

Teachers report their classes and the office the visitors on site
(:mod:`haven.emergencies.roll_call.services`); :func:`compute` puts it together for the
dashboard, the API and the after-action report:

* **expected** — the active students of the incident's school (every school of the district for a
  district-wide incident);
* **accounted** — reported present, injured or with another class (extra) in any roll call, or
  released to a guardian (a :class:`~haven.emergencies.models.Release` that was not refused);
* **missing** — reported missing and not accounted for by any other report;
* **not reported** — everyone else.

An injury outranks every other report (it must not be hidden by "present" elsewhere), then a
release, then present or extra, then missing. The moment every expected student is first accounted
for is recorded once, as an ``accounted`` event on the timeline, at the time of the report that
completed it.

A fixed number of queries per incident, whatever the number of students.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone

from haven.access import policy
from haven.audit import services as audit
from haven.core.models import Section, Student
from haven.emergencies.alerts import audience
from haven.emergencies.models import (
    Incident,
    IncidentEvent,
    Release,
    RollCall,
    RollCallEntry,
    VisitorAccount,
)

if TYPE_CHECKING:
    from haven.accounts.models import User

RELEASED = "released"  # a student's state once handed to a guardian


def school_ids(incident: Incident) -> list[int]:
    return [school.pk for school in audience.schools_of(incident)]


# --- the picture ---------------------------------------------------------------------------------


@dataclass
class StudentLine:
    id: int
    name: str
    grade: str
    school_id: int
    state: str = ""  # present | injured | released | missing | "" (not reported)
    section: str = ""
    note: str = ""


@dataclass
class VisitorLine:
    visit: int
    name: str
    school_id: int
    status: str = ""  # accounted | missing | "" (not yet)


@dataclass
class Accountability:
    incident: Incident
    expected: int = 0
    accounted: int = 0
    released: int = 0
    missing: list[StudentLine] = field(default_factory=list)
    injured: list[StudentLine] = field(default_factory=list)
    unaccounted: list[StudentLine] = field(default_factory=list)
    sections_total: int = 0
    sections_reported: int = 0
    sections_not_reported: list[dict[str, Any]] = field(default_factory=list)
    need_help: list[dict[str, Any]] = field(default_factory=list)
    visitors: list[VisitorLine] = field(default_factory=list)
    reached_at: datetime | None = None  # when the last expected student was first accounted for
    accounted_at: datetime | None = None  # as recorded on the timeline

    @property
    def percent(self) -> float:
        if not self.expected:
            return 100.0
        return round(100 * self.accounted / self.expected, 1)

    @property
    def complete(self) -> bool:
        return self.expected > 0 and self.accounted >= self.expected

    @property
    def not_reported(self) -> int:
        return len(self.unaccounted)

    def visitors_with(self, status: str) -> int:
        return sum(1 for v in self.visitors if v.status == status)


_RANK = {"injured": 4, RELEASED: 3, "present": 2, "missing": 1}


def compute(incident: Incident) -> Accountability:
    """Where every student, section and visitor of the incident stands now."""
    ids = school_ids(incident)
    result = Accountability(incident=incident)
    students: dict[int, StudentLine] = {
        row["pk"]: StudentLine(
            id=row["pk"],
            name=f"{row['preferred_name'] or row['given_name']} {row['family_name']}".strip(),
            grade=row["grade"],
            school_id=row["school_id"],
        )
        for row in Student.objects.filter(school__in=ids, active=True)
        .order_by("family_name", "given_name", "pk")
        .values("pk", "given_name", "preferred_name", "family_name", "grade", "school_id")
    }
    first_seen: dict[int, datetime] = {}
    entries = RollCallEntry.objects.filter(roll_call__incident=incident).values_list(
        "student_id", "status", "note", "roll_call__section__title", "roll_call__submitted_at"
    )
    for student_id, status, note, section_title, at in entries:
        line = students.get(student_id)
        if line is None:
            continue
        state = "present" if status == RollCallEntry.Status.EXTRA else status
        if state in ("present", "injured"):
            first_seen[student_id] = min(at, first_seen.get(student_id, at))
        if _RANK[state] > _RANK.get(line.state, 0):
            line.state, line.section = state, section_title
            if state == "injured":
                line.note = note
    releases = Release.objects.filter(incident=incident, refused=False).values_list(
        "student_id", "released_at"
    )
    for student_id, at in releases:
        line = students.get(student_id)
        if line is None:
            continue
        result.released += 1
        first_seen[student_id] = min(at, first_seen.get(student_id, at))
        if _RANK[RELEASED] > _RANK.get(line.state, 0):
            line.state = RELEASED
    for line in students.values():
        if line.state in ("present", "injured", RELEASED):
            result.accounted += 1
        if line.state == "injured":
            result.injured.append(line)
        elif line.state == "missing":
            result.missing.append(line)
        elif not line.state:
            result.unaccounted.append(line)
    result.expected = len(students)
    if result.complete and first_seen:
        result.reached_at = max(first_seen.values())
    _sections(incident, ids, result)
    _visitors(incident, ids, result)
    result.accounted_at = (
        IncidentEvent.objects.filter(incident=incident, kind=IncidentEvent.Kind.ACCOUNTED)
        .values_list("at", flat=True)
        .first()
    )
    return result


def _sections(incident: Incident, ids: list[int], result: Accountability) -> None:
    """Classes with students and a teacher, and which of them have reported."""
    sections = list(
        Section.objects.filter(school__in=ids)
        .annotate(
            pupils=models.Count("enrollments", filter=models.Q(enrollments__student__active=True)),
            staffed=models.Count("teachers", distinct=True),
        )
        .filter(pupils__gt=0, staffed__gt=0)
        .order_by("title", "pk")
        .values("pk", "title", "school_id")
    )
    reported = set(RollCall.objects.filter(incident=incident).values_list("section_id", flat=True))
    waiting = [s for s in sections if s["pk"] not in reported]
    teachers: dict[int, list[str]] = {}
    rows = Section.teachers.through.objects.filter(
        section_id__in=[s["pk"] for s in waiting]
    ).values_list("section_id", "staff__preferred_name", "staff__given_name", "staff__family_name")
    for section_id, preferred, given, family in rows:
        teachers.setdefault(section_id, []).append(f"{preferred or given} {family}".strip())
    result.sections_total = len(sections)
    result.sections_reported = len(sections) - len(waiting)
    result.sections_not_reported = [
        {
            "id": s["pk"],
            "title": s["title"],
            "school_id": s["school_id"],
            "teachers": sorted(teachers.get(s["pk"], [])),
        }
        for s in waiting
    ]
    result.need_help = [
        {
            "section": rc.section_id,
            "section_title": rc.section.title,
            "reporter": rc.reported_by.label if rc.reported_by else "",  # type: ignore[attr-defined]
            "at": rc.submitted_at,
            "school_id": rc.section.school_id,
        }
        for rc in RollCall.objects.filter(
            incident=incident, reporter_status=RollCall.ReporterStatus.NEED_HELP
        ).select_related("section", "reported_by")
    ]


def _visitors(incident: Incident, ids: list[int], result: Accountability) -> None:
    """Visitors on site now (haven.visitors' own list), and any the office accounted for during
    the incident who have signed out since."""
    from haven.visitors import services as visitors

    accounts = {
        a.visit_id: a
        for a in VisitorAccount.objects.filter(incident=incident).select_related("visit__person")
    }
    lines: dict[int, VisitorLine] = {}
    visits = [v for school in audience.schools_of(incident) for v in visitors.on_site(school)]
    visits += [a.visit for a in accounts.values()]
    for visit in visits:
        if visit.pk in lines or visit.school_id not in ids:
            continue
        account = accounts.get(visit.pk)
        lines[visit.pk] = VisitorLine(
            visit=visit.pk,
            name=visit.person.name,
            school_id=visit.school_id,
            status=account.status if account else "",
        )
    result.visitors = list(lines.values())


def record_if_complete(incident: Incident, result: Accountability) -> None:
    """Put "every student accounted for" on the timeline the first time it is true, at the time of
    the report that completed it. Called inside the caller's transaction."""
    if not result.complete or result.accounted_at is not None:
        return
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if locked.events.filter(kind=IncidentEvent.Kind.ACCOUNTED).exists():
            return
        event = IncidentEvent.objects.create(
            incident=locked,
            kind=IncidentEvent.Kind.ACCOUNTED,
            at=result.reached_at or timezone.now(),
            data={"expected": result.expected},
        )
    result.accounted_at = event.at


# --- what a person may see of it -----------------------------------------------------------------


def as_data(result: Accountability, user: User, *, limit: int = 300) -> dict[str, Any]:
    """The picture as JSON data for ``user``: counts for everyone who sees the incident; names,
    injuries and visitors' names only where the policy lets them see them."""
    named = {
        sid for sid in school_ids(result.incident) if policy.may_see_accountability_names(user, sid)
    }
    visitor_schools = {
        sid for sid in school_ids(result.incident) if policy.may_account_visitors(user, sid)
    }

    def students(lines: list[StudentLine], *, note: bool = False) -> list[dict[str, Any]]:
        rows = []
        for line in lines:
            if line.school_id not in named:
                continue
            row = {"id": line.id, "name": line.name, "grade": line.grade, "section": line.section}
            if note:
                row["note"] = line.note
            rows.append(row)
        return rows[:limit]

    return {
        "incident": result.incident.pk,
        "percent": result.percent,
        "complete": result.complete,
        "accounted_at": result.accounted_at.isoformat() if result.accounted_at else None,
        "students": {
            "expected": result.expected,
            "accounted": result.accounted,
            "released": result.released,
            "missing": len(result.missing),
            "injured": len(result.injured),
            "not_reported": result.not_reported,
        },
        "sections": {
            "total": result.sections_total,
            "reported": result.sections_reported,
            "not_reported": [
                {"id": s["id"], "title": s["title"], "teachers": s["teachers"]}
                for s in result.sections_not_reported
            ],
        },
        "need_help": [
            {
                "section": h["section"],
                "section_title": h["section_title"],
                "reporter": h["reporter"],
                "at": h["at"].isoformat(),
            }
            for h in result.need_help
        ],
        "visitors": {
            "on_site": len(result.visitors),
            "accounted": result.visitors_with(VisitorAccount.Status.ACCOUNTED),
            "missing": result.visitors_with(VisitorAccount.Status.MISSING),
            "not_reported": result.visitors_with(""),
            "people": [
                {"visit": v.visit, "name": v.name, "status": v.status}
                for v in result.visitors
                if v.school_id in visitor_schools
            ],
        },
        "names_visible": bool(named),
        "missing": students(result.missing),
        "injured": students(result.injured, note=True),
        "unaccounted": students(result.unaccounted),
    }


def audit_read(user: User, incident: Incident, *, via: str) -> None:
    """Record a read of the names and injuries (the live page polls: once per person and incident
    every five minutes is enough to say who looked)."""
    from django.core.cache import cache

    key = f"haven.accountability.read.{incident.pk}.{user.pk}.{via}"
    if cache.add(key, 1, timeout=300):
        audit.record(
            user,
            "emergency.accountability.view",
            incident,
            detail={"via": via},
            school_id=incident.school_id,
        )
