"""Writing a checked export: with the database's rows preloaded by sourcedId (``db_*``), each kind
is created or updated in bulk; staff's schools, classes' terms, and the teachers and imported
enrollments of each listed class are made exactly what the export says; guardian links are added
(their pick-up and custody fields left to the school); and every outcome is counted.

:class:`Writer` extends :class:`~.checking.Checker`, so it writes what the checks kept, as they
kept it. It is only run on an export with no problem, inside the import's transaction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.text import slugify

from haven.core.models import (
    AcademicSession,
    Course,
    District,
    Enrollment,
    Guardian,
    GuardianLink,
    School,
    Section,
    Staff,
    Student,
)
from haven.core.roster.checking import Checker, Progress
from haven.core.roster.rows import Rel, Row

KINDS = (
    "districts",
    "schools",
    "sessions",
    "courses",
    "students",
    "staff",
    "guardians",
    "guardian_links",
    "sections",
    "enrollments",
)


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0


@dataclass
class ImportResult:
    version: str
    dry_run: bool
    counts: dict[str, Tally]

    def as_dict(self) -> dict[str, Any]:
        return {kind: vars(tally).copy() for kind, tally in self.counts.items()}


class Writer(Checker):
    """Writes what :class:`Checker` found; ``status`` counts it (kind → sourcedId → outcome)."""

    def __init__(self, version: str, tables: dict[str, list[Row]], progress: Progress) -> None:
        super().__init__(version, tables, progress)
        self.status: dict[str, dict[str, str]] = {kind: {} for kind in KINDS}

    def write(self) -> None:
        self.dropped_classes = self.deleted_classes & self.db_sections.keys()
        steps = [
            self.write_orgs,
            self.write_sessions_and_courses,
            self.write_people,
            self.write_links,
            self.write_sections,
            self.write_enrollments,
        ]
        for number, step in enumerate(steps):
            self.progress("writing", number, len(steps))
            step()
        self.progress("writing", len(steps), len(steps))

    def tallies(self) -> dict[str, Tally]:
        counts = {kind: Tally() for kind in KINDS}
        for kind, outcomes in self.status.items():
            for outcome in outcomes.values():
                setattr(counts[kind], outcome, getattr(counts[kind], outcome) + 1)
        return counts

    def upsert(
        self,
        kind: str,
        model: type[models.Model],
        desired: dict[str, dict[str, Any]],
        existing: dict[str, Any],
        on_create: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        """Create or update one row per sourcedId; ``existing`` gains the rows created, made
        with ``on_create[sid]`` too."""
        created, updated, changed = [], [], set()
        for sid in sorted(desired):
            values = desired[sid]
            obj = existing.get(sid)
            if obj is None:
                extra = (on_create or {}).get(sid, {})
                obj = existing[sid] = model(**{"sourced_id": sid, **values, **extra})
                created.append(obj)
                self.status[kind][sid] = "created"
                continue
            diff = [name for name, value in values.items() if getattr(obj, name) != value]
            for name in diff:
                setattr(obj, name, values[name])
            changed.update(diff)
            self.status[kind][sid] = "updated" if diff else "unchanged"
            if diff:
                updated.append(obj)
        model._default_manager.bulk_create(created, batch_size=500)
        if updated:
            model._default_manager.bulk_update(updated, sorted(changed), batch_size=500)

    def touch(self, kind: str, sid: str) -> None:
        if self.status[kind].get(sid, "unchanged") == "unchanged":
            self.status[kind][sid] = "updated"

    def write_orgs(self) -> None:
        for kind, model, table in (
            ("districts", District, self.db_districts),
            ("schools", School, self.db_schools),
        ):
            wanted = {o.sid: o for o in self.orgs.values() if o.type == kind[:-1]}
            # Adopt the school (or district) made by hand before the first import, by its name.
            unsourced: dict[str, list[Any]] = defaultdict(list)
            for obj in model._default_manager.filter(sourced_id__isnull=True):
                unsourced[obj.name.casefold()].append(obj)
            for sid in sorted(wanted.keys() - table.keys()):
                same_name = unsourced.get(wanted[sid].name.casefold(), [])
                if len(same_name) == 1:
                    table[sid] = same_name.pop()
            desired: dict[str, dict[str, Any]] = {}
            for sid, org in wanted.items():
                desired[sid] = {"name": org.name, "sourced_id": sid}
                if model is School:
                    desired[sid] |= {
                        "district_id": self.district_pk(sid),
                        "identifier": org.identifier,
                    }
            taken = set(model._default_manager.values_list("slug", flat=True))
            # sorted: which of two same-named schools gets "-2" does not depend on the row order
            slugs = {
                sid: {"slug": _unique_slug(wanted[sid].name, taken)}
                for sid in sorted(wanted.keys() - table.keys())
            }
            self.upsert(kind, model, desired, table, slugs)

    def district_pk(self, org: str) -> int | None:
        district = self.district_of(org) if org else None
        if isinstance(district, str):
            district = self.db_districts[district]
        return district.pk if district else None

    def write_sessions_and_courses(self) -> None:
        self.upsert("sessions", AcademicSession, self.sessions, self.db_sessions)
        courses = {
            sid: {**values, "district_id": self.district_pk(org)}
            for sid, (_, values, org) in self.courses.items()
        }
        self.upsert("courses", Course, courses, self.db_courses)

    def write_people(self) -> None:
        desired: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        for person in self.people.values():
            values = dict(person.values)
            if person.kind == "student":
                values["school_id"] = self.db_schools[person.school].pk
            desired[person.kind][person.sid] = values
        for sid, birth_date in self.birth_dates.items():  # also of students the export leaves out
            desired["student"].setdefault(sid, {})["birth_date"] = birth_date
        for kind, model, table in (
            ("students", Student, self.db_students),
            ("staff", Staff, self.db_staff),
            ("guardians", Guardian, self.db_guardians),
        ):
            self.upsert(kind, model, desired[kind.removesuffix("s")], table)
            gone = [table[sid] for sid in sorted(self.deleted_people) if sid in table]
            for person in gone:
                self.status[kind][person.sourced_id] = "removed" if person.active else "unchanged"
                person.active = False
            model._default_manager.bulk_update(gone, ["active"], batch_size=500)
        staff_schools = {
            self.db_staff[p.sid].pk: {self.db_schools[s].pk for s in p.schools}
            for p in self.people.values()
            if p.kind == "staff"
        }
        sids = _sids_by_pk(self.db_staff)
        for staff_id in self.sync_m2m(
            Staff.schools.through, "staff_id", "school_id", staff_schools
        ):
            self.touch("staff", sids[staff_id])

    def sync_m2m(
        self, through: Any, left: str, right: str, desired: dict[int, set[int]], exact: bool = True
    ) -> set[int]:
        """Make each left row's links exactly the desired ones (or only add them); returns the
        left ids whose links changed."""
        current: dict[int, dict[int, int]] = defaultdict(dict)
        for pk, left_id, right_id in through.objects.values_list("pk", left, right):
            current[left_id][right_id] = pk
        add: list[Any] = []
        drop: list[int] = []
        changed: set[int] = set()
        for left_id, wanted in desired.items():
            have = current.get(left_id, {})
            for right_id in sorted(wanted - have.keys()):
                add.append(through(**{left: left_id, right: right_id}))
                changed.add(left_id)
            if exact and have.keys() - wanted:
                drop.extend(have[right_id] for right_id in have.keys() - wanted)
                changed.add(left_id)
        through.objects.bulk_create(add, batch_size=500)
        _delete(through, drop)
        return changed

    def write_links(self) -> None:
        current = {(link.student_id, link.guardian_id): link for link in GuardianLink.objects.all()}
        created, updated, status = [], [], self.status["guardian_links"]
        for (student_sid, guardian_sid), relationship in sorted(self.links.items()):
            student, guardian = self.db_students[student_sid], self.db_guardians[guardian_sid]
            key = f"{student_sid} {guardian_sid}"
            link = current.get((student.pk, guardian.pk))
            if link is None:
                created.append(
                    GuardianLink(
                        student=student, guardian=guardian, relationship=relationship or Rel.PARENT
                    )
                )
                status[key] = "created"
            elif relationship and link.relationship != relationship:
                link.relationship = relationship  # the pick-up and custody fields are the school's
                updated.append(link)
                status[key] = "updated"
            else:
                status[key] = "unchanged"
        GuardianLink.objects.bulk_create(created, batch_size=500)
        GuardianLink.objects.bulk_update(updated, ["relationship"], batch_size=500)

    def write_sections(self) -> None:
        desired: dict[str, dict[str, Any]] = {}
        for sid, klass in self.classes.items():
            course = self.db_courses.get(klass.course) if klass.course else None
            desired[sid] = {
                **klass.values,
                "school_id": self.db_schools[klass.school].pk,
                "course_id": course.pk if course else None,
            }
        self.upsert("sections", Section, desired, self.db_sections)
        pks = {sid: obj.pk for sid, obj in self.db_sections.items()}
        sids = {pk: sid for sid, pk in pks.items()}
        teachers = Section.teachers.through
        dropped = {pks[sid] for sid in self.dropped_classes}
        was_taught = set(
            teachers.objects.filter(section_id__in=dropped).values_list("section_id", flat=True)
        )
        sessions = {
            pks[sid]: {self.db_sessions[t].pk for t in c.terms} for sid, c in self.classes.items()
        }
        changed = self.sync_m2m(
            Section.sessions.through, "section_id", "academicsession_id", sessions
        )
        # A listed class's teachers are exactly the export's; other sections only gain teachers.
        exact = set(self.classes) if "enrollments" in self.tables else set()
        exact |= self.dropped_classes
        staff = {sid: {self.db_staff[t].pk for t in self.teaching.get(sid, ())} for sid in exact}
        changed |= self.sync_m2m(
            teachers, "section_id", "staff_id", {pks[s]: v for s, v in staff.items()}
        )
        extra = {
            pks[s]: {self.db_staff[t].pk for t in v}
            for s, v in self.teaching.items()
            if s not in exact
        }
        changed |= self.sync_m2m(teachers, "section_id", "staff_id", extra, exact=False)
        for sid, gone in self.not_teaching.items():
            if sid in pks and sid not in exact:
                left = [self.db_staff[t].pk for t in gone if t in self.db_staff]
                if teachers.objects.filter(section_id=pks[sid], staff_id__in=left).delete()[0]:
                    changed.add(pks[sid])
        for section_id in changed - dropped:
            self.touch("sections", sids[section_id])
        enrolled = set(
            Enrollment.objects.filter(section_id__in=dropped).values_list("section_id", flat=True)
        )
        for section_id in dropped:
            emptied = section_id in was_taught or section_id in enrolled
            self.status["sections"][sids[section_id]] = "removed" if emptied else "unchanged"

    def write_enrollments(self) -> None:
        """Enrollments by sourcedId. Removed: those marked tobedeleted, all of a class marked
        tobedeleted, and the imported ones of a listed class that the export no longer lists."""
        rows = list(
            Enrollment.objects.values_list(
                "pk", "sourced_id", "section_id", "student_id", "primary"
            )
        )
        wanted = {
            sid: (self.db_sections[e.section].pk, self.db_students[e.user].pk, e.primary)
            for sid, e in self.enrollments.items()
        }
        listed = (
            {self.db_sections[sid].pk for sid in self.classes}
            if "enrollments" in self.tables
            else set()
        )
        dropped = {self.db_sections[sid].pk for sid in self.dropped_classes}
        drop, moved, status = [], set(), self.status["enrollments"]
        for pk, sid, section_id, student_id, _ in rows:
            if sid in wanted and wanted[sid][:2] != (section_id, student_id):
                drop.append(pk)  # it now names another class or student: made again below
                moved.add(sid)
            elif sid not in wanted and (
                section_id in dropped
                or (sid is not None and (sid in self.deleted_enrollments or section_id in listed))
            ):
                drop.append(pk)
                status[sid or f"#{pk}"] = "removed"
        gone = set(drop)
        by_pair = {(r[2], r[3]): r for r in rows if r[0] not in gone}
        created, updated = [], []
        for sid in sorted(wanted):
            section_id, student_id, primary = wanted[sid]
            row = by_pair.get((section_id, student_id))
            if row is None:
                created.append(
                    Enrollment(
                        sourced_id=sid,
                        section_id=section_id,
                        student_id=student_id,
                        primary=primary,
                    )
                )
                status[sid] = "updated" if sid in moved else "created"
            elif row[1] != sid or row[4] != primary:  # adopts one made by hand, too
                updated.append(Enrollment(pk=row[0], sourced_id=sid, primary=primary))
                status[sid] = "updated"
            else:
                status[sid] = "unchanged"
        _delete(Enrollment, drop)
        Enrollment.objects.bulk_update(updated, ["sourced_id", "primary"], batch_size=500)
        Enrollment.objects.bulk_create(created, batch_size=500)


def _sids_by_pk(table: dict[str, Any]) -> dict[int, str]:
    return {obj.pk: sid for sid, obj in table.items()}


def _delete(model: Any, pks: list[int]) -> None:
    for start in range(0, len(pks), 500):
        model.objects.filter(pk__in=pks[start : start + 500]).delete()


def _unique_slug(name: str, taken: set[str]) -> str:
    base = slugify(name)[:40].strip("-") or "school"
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    taken.add(slug)
    return slug
