"""Checking the export as a whole, before anything is written: every file in the order its
references run (orgs, sessions, courses, users and their roles, demographics, classes,
enrollments), each reference followed into the export or the database, the org tree, 1.1 and 1.2
roles, guardian links from agents, duplicates. :class:`Checker` collects every problem; the
checks of one row's own values are in :mod:`.rows`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from haven.core.models import (
    AcademicSession,
    Course,
    District,
    Guardian,
    School,
    Section,
    Staff,
    Student,
)
from haven.core.roster.rows import (
    GUARDIAN_PRECEDENCE,
    GUARDIAN_ROLES,
    IGNORED_ENROLLMENT_ROLES,
    ORG_TYPES,
    SESSION_TYPES,
    STAFF_PRECEDENCE,
    STAFF_ROLES,
    ClassRecord,
    EnrollmentRecord,
    OrgRecord,
    PersonRecord,
    Row,
    RowChecks,
)

#: progress(stage, done, total): called as each stage of the import advances.
Progress = Callable[[str, int, int], None]


class Checker(RowChecks):
    """The export checked against itself and the database. What it finds is kept (``orgs``,
    ``people``, ``classes`` …, and the database's rows by sourcedId in ``db_*``) for the writing."""

    def __init__(self, version: str, tables: dict[str, list[Row]], progress: Progress) -> None:
        super().__init__()
        self.version = version
        self.tables = tables
        self.progress = progress
        self.orgs: dict[str, OrgRecord] = {}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.courses: dict[str, tuple[Row, dict[str, Any], str]] = {}
        self.people: dict[str, PersonRecord] = {}
        self.deleted_people: set[str] = set()
        self.birth_dates: dict[str, date | None] = {}
        self.classes: dict[str, ClassRecord] = {}
        self.deleted_classes: set[str] = set()
        self.enrollments: dict[str, EnrollmentRecord] = {}
        self.deleted_enrollments: set[str] = set()
        self.teaching: dict[str, set[str]] = defaultdict(set)
        self.not_teaching: dict[str, set[str]] = defaultdict(set)
        self.roles: dict[str, list[tuple[Row, str, str, bool]]] = {}
        self.links: dict[tuple[str, str], str] = {}

    # The database as it is: every row that carries a sourcedId, by sourcedId.
    def load_database(self) -> None:
        self.db_districts = _by_sid(District.objects.all())
        self.db_schools = _by_sid(School.objects.select_related("district"))
        self.db_sessions = _by_sid(AcademicSession.objects.all())
        self.db_courses = _by_sid(Course.objects.all())
        self.db_students = _by_sid(Student.objects.all())
        self.db_staff = _by_sid(Staff.objects.all())
        self.db_guardians = _by_sid(Guardian.objects.all())
        self.db_sections = _by_sid(Section.objects.all())

    def check(self) -> None:
        steps: list[tuple[str, Callable[[Row], None]]] = [
            ("orgs", self.check_org),
            ("academicSessions", self.check_session),
            ("courses", self.check_course),
            ("users", self.check_user),
            ("demographics", self.check_demographic),
            ("classes", self.check_class),
            ("enrollments", self.check_enrollment),
        ]
        self.roles = self.group_roles() if self.version == "1.2" else {}
        # Every sourcedId a file lists, sound or not: a reference to a bad row is not reported
        # again as a reference to an unknown one.
        self.listed = {
            name: {row.get("sourcedId") for row in rows if not self.deleted(row)}
            for name, rows in self.tables.items()
        }
        for name, check in steps:
            rows = self.tables.get(name, [])
            seen: dict[str, int] = {}
            for number, row in enumerate(rows, 1):
                sid = row.get("sourcedId")
                if sid in seen:
                    self.bad(row, f"sourcedId '{sid}' is used again (first on line {seen[sid]})")
                    continue
                seen[sid] = row.line
                if self.row_is_sound(row, sid):
                    check(row)
                if number % 1000 == 0:
                    self.progress(f"checking {name}", number, len(rows))
            if name == "orgs":
                self.check_org_tree()
            if name == "users":
                self.check_agents()
            self.progress(f"checking {name}", len(rows), len(rows))
        self.check_duplicate_enrollments()

    # orgs
    def check_org(self, row: Row) -> None:
        if self.deleted(row):
            return
        sid, org_type = row.get("sourcedId"), row.get("type")
        if org_type.lower() not in ORG_TYPES and not org_type.lower().startswith("ext:"):
            self.bad(row, f"unknown org type '{org_type}'")
        name = self.text(row, "name", School, "name", required=True)
        identifier = self.text(row, "identifier", School, "identifier")
        self.orgs[sid] = OrgRecord(
            sid, row, name, org_type.lower(), identifier, row.get("parentSourcedId")
        )

    def org_known(self, sid: str) -> bool:
        return sid in self.orgs or sid in self.db_schools or sid in self.db_districts

    def check_org_tree(self) -> None:
        for org in self.orgs.values():
            if org.parent and not self.org_known(org.parent):
                self.bad(org.row, f"unknown parent org '{org.parent}'")
            elif org.type == "school" and self.district_of(org.sid) is None:
                self.bad(org.row, "a school needs a district org above it (parentSourcedId)")

    def _ancestry(self, sid: str) -> Iterable[str]:
        seen: set[str] = set()
        while sid and sid not in seen and sid in self.orgs:
            seen.add(sid)
            yield sid
            sid = self.orgs[sid].parent
        if sid and sid not in seen:
            yield sid

    def school_of(self, sid: str) -> str | None:
        """The school an org is (or is in), as a sourcedId."""
        for org_sid in self._ancestry(sid):
            org = self.orgs.get(org_sid)
            if (org.type == "school") if org else org_sid in self.db_schools:
                return org_sid
            if (org.type == "district") if org else org_sid in self.db_districts:
                return None
        return None

    def district_of(self, sid: str) -> str | District | None:
        """The district an org is in: a sourcedId from the export, or a district Haven has."""
        for org_sid in self._ancestry(sid):
            org = self.orgs.get(org_sid)
            if (org.type == "district") if org else org_sid in self.db_districts:
                return org_sid
            if org is None and org_sid in self.db_schools:
                return self.db_schools[org_sid].district
        return None

    # sessions and courses
    def check_session(self, row: Row) -> None:
        if self.deleted(row):
            return
        kind = row.get("type")
        if kind.lower() not in SESSION_TYPES and not kind.lower().startswith("ext:"):
            self.bad(row, f"unknown academic session type '{kind}'")
        self.sessions[row.get("sourcedId")] = {
            "title": self.text(row, "title", AcademicSession, "title", required=True),
            "kind": SESSION_TYPES.get(kind.lower(), kind[:40]),
            "start_date": self.day(row, "startDate"),
            "end_date": self.day(row, "endDate"),
            "school_year": self.text(row, "schoolYear", AcademicSession, "school_year"),
        }

    def check_course(self, row: Row) -> None:
        if self.deleted(row):
            return
        org = row.get("orgSourcedId")
        if org and not self.org_known(org):
            self.bad(row, f"unknown org '{org}'")
        values = {
            "title": self.text(row, "title", Course, "title", required=True),
            "code": self.text(row, "courseCode", Course, "code"),
        }
        self.courses[row.get("sourcedId")] = (row, values, org)

    # users
    def group_roles(self) -> dict[str, list[tuple[Row, str, str, bool]]]:
        """1.2: each user's roles as (row, role, org, primary)."""
        roles: dict[str, list[tuple[Row, str, str, bool]]] = defaultdict(list)
        for row in self.tables.get("roles", []):
            if self.deleted(row):
                continue
            user, role_type = row.get("userSourcedId"), row.get("roleType").lower()
            if not user:
                self.bad(row, "userSourcedId is required")
            elif role_type not in ("primary", "secondary"):
                self.bad(row, f"roleType must be primary or secondary, not '{row.get('roleType')}'")
            else:
                roles[user].append(
                    (row, row.get("role"), row.get("orgSourcedId"), role_type == "primary")
                )
        users = {row.get("sourcedId") for row in self.tables.get("users", [])}
        for user, user_roles in roles.items():
            if user not in users:
                self.bad(user_roles[0][0], f"unknown user '{user}' (not in users.csv)")
        return roles

    def user_roles(self, row: Row) -> list[tuple[Row, str, str, bool]]:
        if self.version == "1.2":
            return self.roles.get(row.get("sourcedId"), [])
        role = row.get("role")
        return [(row, role, org, True) for org in row.list("orgSourcedIds") or [""]]

    def check_user(self, row: Row) -> None:
        sid = row.get("sourcedId")
        if self.deleted(row):
            self.deleted_people.add(sid)
            return
        roles = self.user_roles(row)
        if not roles:
            self.bad(row, f"user '{sid}' has no role in roles.csv")
            return
        kinds: dict[str, list[tuple[str, str, bool]]] = defaultdict(list)
        for role_row, role, org, primary in roles:
            key = role.lower()
            kind = (
                "student"
                if key == "student"
                else "staff"
                if key in STAFF_ROLES
                else "guardian"
                if key in GUARDIAN_ROLES
                else ""
            )
            if not kind:
                self.bad(role_row, f"unknown role '{role}'" if role else "role is required")
            elif org and not self.org_known(org):
                self.bad(role_row, f"unknown org '{org}'")
            else:
                kinds[kind].append((key, org, primary))
        primary_kinds = sorted(
            {k for k, rs in kinds.items() if any(p for _, _, p in rs)}
        ) or sorted(kinds)
        if len(primary_kinds) != 1:
            if len(primary_kinds) > 1:
                self.bad(
                    row,
                    f"user '{sid}' has primary roles of different kinds: "
                    + ", ".join(primary_kinds),
                )
            return
        kind = primary_kinds[0]
        held = {"student": self.db_students, "staff": self.db_staff, "guardian": self.db_guardians}
        for other, table in held.items():
            if other != kind and sid in table:
                self.bad(row, f"user '{sid}' is a {other} in Haven but has a {kind} role here")
                return
        person = PersonRecord(
            sid, row, kind, self.person_values(row), agents=row.list("agentSourcedIds")
        )
        # The orgs in the order they count for a student's one school: 1.2's primaryOrgSourcedId,
        # then the orgs of primary roles, then the rest (1.1: as orgSourcedIds lists them).
        primary_org = row.get("primaryOrgSourcedId")
        if primary_org and not self.org_known(primary_org):
            self.bad(row, f"unknown org '{primary_org}' in primaryOrgSourcedId")
            primary_org = ""
        by_rank = sorted(
            kinds[kind], key=lambda r: (not r[2], r[1] if self.version == "1.2" else "")
        )
        orgs = list(dict.fromkeys(org for _, org, _ in by_rank if org))
        if kind == "student":
            candidates = [primary_org, *orgs] if primary_org else orgs
            schools = [s for s in (self.school_of(org) for org in candidates) if s]
            if not schools:
                self.bad(row, f"student '{sid}' needs an org that is a school")
                return
            person.school = schools[0]
            grades = row.list("grades")
            person.values["grade"] = grades[0] if grades else ""
            limit = Student._meta.get_field("grade").max_length or 0
            if len(person.values["grade"]) > limit:
                self.bad(row, f"grades is longer than {limit} characters")
            person.values["student_number"] = self.text(
                row, "identifier", Student, "student_number"
            )
        elif kind == "staff":
            person.schools = {s for s in (self.school_of(org) for org in orgs) if s}
            staff_kinds = {STAFF_ROLES[key] for key, _, primary in kinds[kind] if primary}
            staff_kinds = staff_kinds or {STAFF_ROLES[key] for key, _, _ in kinds[kind]}
            person.values["kind"] = next(k for k in STAFF_PRECEDENCE if k in staff_kinds)
        else:
            relationships = {GUARDIAN_ROLES[key] for key, _, _ in kinds[kind]}
            person.relationship = next(r for r in GUARDIAN_PRECEDENCE if r in relationships)
        self.people[sid] = person

    def person_values(self, row: Row) -> dict[str, Any]:
        # 1.2 says preferredGivenName; some 1.2 exports say preferredFirstName.
        preferred = "preferredGivenName" if row.get("preferredGivenName") else "preferredFirstName"
        email = self.text(row, "email", Student, "email")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                self.bad(row, f"email '{email}' is not an email address")
        return {
            "given_name": self.text(row, "givenName", Student, "given_name", required=True),
            "family_name": self.text(row, "familyName", Student, "family_name", required=True),
            "middle_name": self.text(row, "middleName", Student, "middle_name"),
            "preferred_name": self.text(row, preferred, Student, "preferred_name"),
            "email": email,
            "phone": self.text(row, "phone" if row.get("phone") else "sms", Student, "phone"),
            "active": True,
        }

    def kind_of(self, sid: str) -> str:
        if sid in self.people:
            return self.people[sid].kind
        if sid in self.deleted_people:
            return "deleted"
        if sid in self.listed.get("users", ()):
            return "unsound"  # its row is bad, and reported
        for kind, table in (
            ("student", self.db_students),
            ("staff", self.db_staff),
            ("guardian", self.db_guardians),
        ):
            if sid in table:
                return kind
        return ""

    def check_agents(self) -> None:
        for person in self.people.values():
            for agent in person.agents:
                other = self.kind_of(agent)
                if not other:
                    self.bad(person.row, f"unknown agent '{agent}' in agentSourcedIds")
                elif person.kind == "student" and other == "guardian":
                    relationship = self.people[agent].relationship if agent in self.people else ""
                    self.links[(person.sid, agent)] = relationship
                elif person.kind == "guardian" and other == "student":
                    self.links[(agent, person.sid)] = person.relationship

    def check_demographic(self, row: Row) -> None:
        sid = row.get("sourcedId")
        birth_date = self.day(row, "birthDate")
        kind = self.kind_of(sid)
        if not kind:
            self.bad(row, f"unknown user '{sid}'")
        elif kind == "student" and not self.deleted(row):
            self.birth_dates[sid] = birth_date

    # classes and enrollments
    def check_class(self, row: Row) -> None:
        sid = row.get("sourcedId")
        if self.deleted(row):
            self.deleted_classes.add(sid)
            return
        org, course = row.get("schoolSourcedId"), row.get("courseSourcedId")
        school = ""
        if not org:
            self.bad(row, "schoolSourcedId is required")
        elif not self.org_known(org):
            self.bad(row, f"unknown org '{org}'")
        else:
            school = self.school_of(org) or ""
            if not school:
                self.bad(row, f"schoolSourcedId '{org}' is not a school")
        if course and not self.known(course, self.courses, self.db_courses, "courses"):
            self.bad(row, f"unknown course '{course}'")
        terms = row.list("termSourcedIds")
        for term in terms:
            if not self.known(term, self.sessions, self.db_sessions, "academicSessions"):
                self.bad(row, f"unknown academic session '{term}' in termSourcedIds")
        values = {
            "title": self.text(row, "title", Section, "title", required=True),
            "class_code": self.text(row, "classCode", Section, "class_code"),
            "location": self.text(row, "location", Section, "location"),
            "periods": self.text(row, "periods", Section, "periods"),
        }
        self.classes[sid] = ClassRecord(sid, row, values, school, course, sorted(set(terms)))

    def known(self, sid: str, good: Any, held: Any, filename: str) -> bool:
        """Whether a reference can be followed, or its row is bad and reported already."""
        return sid in good or sid in held or sid in self.listed.get(filename, ())

    def check_enrollment(self, row: Row) -> None:
        sid, section, user = (
            row.get("sourcedId"),
            row.get("classSourcedId"),
            row.get("userSourcedId"),
        )
        role = row.get("role").lower()
        if self.deleted(row):
            self.deleted_enrollments.add(sid)
            if role == "teacher" and section and user:
                self.not_teaching[section].add(user)
            return
        for column in ("beginDate", "endDate"):
            self.day(row, column)
        primary = row.get("primary").lower()
        if primary not in ("", "true", "false"):
            self.bad(row, f"primary must be true or false, not '{row.get('primary')}'")
        school = row.get("schoolSourcedId")
        if school and not self.org_known(school):
            self.bad(row, f"unknown org '{school}'")
        if role not in ("student", "teacher") and role not in IGNORED_ENROLLMENT_ROLES:
            self.bad(row, f"unknown role '{row.get('role')}'" if role else "role is required")
            return
        if section in self.deleted_classes:
            self.bad(row, f"class '{section}' is marked tobedeleted")
            return
        if not self.known(section, self.classes, self.db_sections, "classes"):
            self.bad(row, f"unknown class '{section}'" if section else "classSourcedId is required")
            return
        kind = self.kind_of(user)
        if not kind:
            self.bad(row, f"unknown user '{user}'" if user else "userSourcedId is required")
        elif kind in ("deleted", "unsound") or role in IGNORED_ENROLLMENT_ROLES:
            return
        elif section not in self.classes and section not in self.db_sections:
            return  # the class's row is bad, and reported
        elif role == "student" and kind != "student":
            self.bad(row, f"user '{user}' is a {kind}, not a student")
        elif role == "teacher" and kind != "staff":
            self.bad(row, f"user '{user}' is a {kind}, not a member of staff")
        elif role == "teacher":
            self.teaching[section].add(user)
        else:
            self.enrollments[sid] = EnrollmentRecord(sid, row, section, user, primary == "true")

    def check_duplicate_enrollments(self) -> None:
        seen: dict[tuple[str, str], int] = {}
        for enrollment in sorted(self.enrollments.values(), key=lambda e: e.row.line):
            pair = (enrollment.section, enrollment.user)
            if pair in seen:
                self.bad(
                    enrollment.row,
                    f"student '{enrollment.user}' is already enrolled in class "
                    f"'{enrollment.section}' (line {seen[pair]})",
                )
            seen[pair] = enrollment.row.line


def _by_sid(queryset: Any) -> dict[str, Any]:
    return {obj.sourced_id: obj for obj in queryset.filter(sourced_id__isnull=False)}
