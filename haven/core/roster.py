"""Import a OneRoster CSV export (versions 1.1 and 1.2) into the roster.

The export is a folder or a .zip holding ``manifest.csv`` and the data files (UTF-8, with or
without a byte-order mark). Everything is keyed by ``sourcedId``: importing the same export twice
creates and changes nothing.

All or nothing: every file is read and every row checked, against the export and the database,
before anything is written, and the writes run in one transaction. If any row is bad, the import
raises :class:`RosterError` listing every problem as ``file:line: reason`` (the header is line 1)
and nothing is stored.

What is imported, and how:

* ``orgs.csv``: ``district`` orgs become districts, ``school`` orgs schools (in the nearest
  district above them). Other org types (department, local, state, national) only lead to the
  school or district above them. A school or district that Haven already had without a sourcedId
  is adopted when exactly one has the same name. A school keeps its slug when renamed.
* ``users.csv``, and in 1.2 ``roles.csv`` (where roles and orgs moved): the primary role decides
  what a user is. ``student``: a student, at the school of their org (1.2: primaryOrgSourcedId
  first). A staff role (teacher, administrator, aide, counselor, principal …): staff, linked to the
  schools of their orgs, exactly. ``parent``/``guardian``/``relative``: a guardian.
  ``agentSourcedIds`` link students and guardians, from either side. A new link may pick up and
  has no custody restriction; a re-import never touches those fields, which the school sets.
* ``classes.csv``: sections with their terms. ``enrollments.csv``: student enrollments, and the
  teachers of each section. For a class that ``classes.csv`` lists, the export is authoritative:
  its teachers become exactly those listed, and imported enrollments (those with a sourcedId) that
  the export no longer lists are removed, so a roll call never lists a student who moved class.
  Enrollments made by hand (no sourcedId) are kept, or adopted when the export lists them.
* ``academicSessions.csv``, ``courses.csv``, ``demographics.csv`` (``birthDate``) when present.
* ``status=tobedeleted``: people are deactivated, enrollments deleted, and a class loses its
  enrollments and teachers (the section stays, for the history that refers to it). Orgs, courses
  and sessions marked so are left as they are.

Bulk files only: a manifest that marks a file ``delta`` is refused (export a full set instead). A
file marked ``absent`` is not read; references to its records are looked up in the database.
People left out of a bulk export are not deactivated: only ``tobedeleted`` rows deactivate.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, models, transaction
from django.utils.text import slugify

from haven.audit import services as audit
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

#: progress(stage, done, total): called as each stage of the import advances.
Progress = Callable[[str, int, int], None]

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
MAX_FILE_BYTES = 512 * 1024 * 1024  # one CSV; a district's largest export is far smaller
MAX_LISTED = 50

Kind = Staff.Kind
Rel = GuardianLink.Relationship
# Roles of 1.1 and 1.2 (accepted in either version, case-insensitively).
STAFF_ROLES: dict[str, str] = {
    "administrator": Kind.ADMINISTRATOR,
    "districtadministrator": Kind.ADMINISTRATOR,
    "siteadministrator": Kind.ADMINISTRATOR,
    "systemadministrator": Kind.ADMINISTRATOR,
    "principal": Kind.ADMINISTRATOR,
    "counselor": Kind.COUNSELOR,
    "teacher": Kind.TEACHER,
    "aide": Kind.AIDE,
    "proctor": Kind.OTHER,
}
STAFF_PRECEDENCE = [Kind.ADMINISTRATOR, Kind.COUNSELOR, Kind.TEACHER, Kind.AIDE, Kind.OTHER]
GUARDIAN_ROLES: dict[str, str] = {
    "parent": Rel.PARENT,
    "guardian": Rel.GUARDIAN,
    "relative": Rel.RELATIVE,
}
GUARDIAN_PRECEDENCE = [Rel.GUARDIAN, Rel.PARENT, Rel.RELATIVE]
ORG_TYPES = {"district", "school", "department", "local", "state", "national"}
SESSION_TYPES = {t.lower(): t for t in ("schoolYear", "term", "semester", "gradingPeriod")}
IGNORED_ENROLLMENT_ROLES = {"administrator", "proctor", "aide"}
FILES = (
    "orgs",
    "academicSessions",
    "courses",
    "users",
    "roles",
    "demographics",
    "classes",
    "enrollments",
)
REQUIRED_FILES = {"1.1": {"orgs", "users", "classes", "enrollments"}}
REQUIRED_FILES["1.2"] = REQUIRED_FILES["1.1"] | {"roles"}
COLUMNS: dict[str, tuple[str, ...]] = {
    "manifest": ("propertyName", "value"),
    "orgs": ("sourcedId", "name", "type"),
    "academicSessions": ("sourcedId", "title", "type"),
    "courses": ("sourcedId", "title"),
    "users": ("sourcedId", "givenName", "familyName"),
    "roles": ("userSourcedId", "roleType", "role", "orgSourcedId"),
    "demographics": ("sourcedId", "birthDate"),
    "classes": ("sourcedId", "title", "schoolSourcedId"),
    "enrollments": ("sourcedId", "classSourcedId", "userSourcedId", "role"),
}
USERS_11_COLUMNS = ("role", "orgSourcedIds")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        return (
            f"{self.file}:{self.line}: {self.reason}"
            if self.line
            else f"{self.file}: {self.reason}"
        )


class RosterError(Exception):
    """The export cannot be imported; ``problems`` lists every reason. Nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        super().__init__(f"{shown}{more}")


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


def import_roster(
    path: Path, *, dry_run: bool = False, progress: Progress | None = None
) -> ImportResult:
    """Import the OneRoster export at ``path`` (a folder or a .zip), all or nothing.

    Raises :class:`RosterError` with every problem found; nothing is written then. With
    ``dry_run`` everything is checked and counted, and the transaction is rolled back.
    """
    version, tables = read_export(Path(path))
    run = _Import(version, tables, progress or (lambda stage, done, total: None))
    try:
        with transaction.atomic():
            return run.run(dry_run)
    except DatabaseError as exc:  # a constraint the checks did not foresee, or a locked database
        raise RosterError([Problem("database", None, f"the import was refused: {exc}")]) from exc


# --- reading --------------------------------------------------------------------------------------


@dataclass
class Row:
    file: str
    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "").strip()

    def list(self, column: str) -> list[str]:
        return [v.strip() for v in self.get(column).split(",") if v.strip()]


def read_export(path: Path) -> tuple[str, dict[str, list[Row]]]:
    """Read and parse the export's files: (OneRoster version, rows by file name without .csv)."""
    blobs = _open(path)
    problems: list[Problem] = []
    if "manifest.csv" not in blobs:
        raise RosterError([Problem(path.name, None, "manifest.csv is missing")])
    manifest_rows = _parse_csv("manifest.csv", blobs["manifest.csv"], problems, COLUMNS["manifest"])
    if problems:
        raise RosterError(problems)
    manifest: dict[str, str] = {}
    for row in manifest_rows:
        name = row.get("propertyName")
        if name in manifest:
            problems.append(Problem(row.file, row.line, f"'{name}' is given twice"))
        manifest[name] = row.get("value")
    raw_version = manifest.get("oneroster.version", "")
    version = next((v for v in REQUIRED_FILES if raw_version in (v, f"{v}.0")), "")
    if not version:
        found = f"'{raw_version}'" if raw_version else "missing"
        problems.append(
            Problem("manifest.csv", None, f"oneroster.version is {found}; Haven reads 1.1 and 1.2")
        )
        raise RosterError(problems)
    tables: dict[str, list[Row]] = {}
    for name in FILES:
        if name == "roles" and version == "1.1":
            continue
        filename = f"{name}.csv"
        mode = manifest.get(f"file.{name}", "").lower()
        if mode == "absent":
            continue
        if mode == "delta":
            problems.append(
                Problem(
                    "manifest.csv",
                    None,
                    f"file.{name} is 'delta': Haven imports bulk exports only; export a full set",
                )
            )
        elif mode not in ("", "bulk"):
            problems.append(Problem("manifest.csv", None, f"file.{name} is '{mode}'"))
        elif filename in blobs:
            required = COLUMNS[name] + (
                USERS_11_COLUMNS if filename == "users.csv" and version == "1.1" else ()
            )
            tables[name] = _parse_csv(filename, blobs[filename], problems, required)
        elif mode == "bulk" or name in REQUIRED_FILES[version]:
            problems.append(Problem(filename, None, "the file is missing from the export"))
    if problems:
        raise RosterError(problems)
    return version, tables


def _open(path: Path) -> dict[str, bytes]:
    """The export's files by (lower-case) name, from a folder or a zip."""
    if not path.exists():
        raise RosterError([Problem(path.name, None, "no such folder or file")])
    try:
        if path.is_dir():
            blobs = {}
            for child in path.iterdir():
                if child.is_file() and child.suffix.lower() == ".csv":
                    if child.stat().st_size > MAX_FILE_BYTES:
                        raise RosterError([Problem(child.name, None, "the file is too large")])
                    blobs[_canonical_name(child.name)] = child.read_bytes()
            return blobs
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            manifest = next(
                (m for m in members if m.filename.rsplit("/", 1)[-1].lower() == "manifest.csv"),
                None,
            )
            folder = (
                manifest.filename.rsplit("/", 1)[0] + "/"
                if manifest and "/" in manifest.filename
                else ""
            )
            blobs = {}
            for member in members:
                inside = (
                    member.filename[len(folder) :] if member.filename.startswith(folder) else ""
                )
                if not inside or "/" in inside or not inside.lower().endswith(".csv"):
                    continue
                if member.file_size > MAX_FILE_BYTES:
                    raise RosterError([Problem(inside, None, "the file is too large")])
                blobs[_canonical_name(inside)] = archive.read(member)
            return blobs
    except zipfile.BadZipFile as exc:
        raise RosterError([Problem(path.name, None, "not a folder or a zip file")]) from exc
    except (OSError, EOFError, RuntimeError, ValueError, NotImplementedError, zlib.error) as exc:
        # unreadable, encrypted, corrupt or compressed in a way Python cannot read
        raise RosterError([Problem(path.name, None, f"cannot be read ({exc})")]) from exc


def _canonical_name(name: str) -> str:
    lowered = {f"{n.lower()}.csv": f"{n}.csv" for n in (*FILES, "manifest")}
    return lowered.get(name.lower(), name)


def _parse_csv(
    filename: str, data: bytes, problems: list[Problem], required: tuple[str, ...]
) -> list[Row]:
    """Rows of one CSV file (UTF-8, an optional BOM), each with the line it starts on."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(Problem(filename, line, "the file is not UTF-8 text"))
        return []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[Row] = []
    try:
        header = [h.strip() for h in next(reader, [])]
        if not any(header):
            problems.append(Problem(filename, 1, "the file is empty (no header row)"))
            return []
        for column in sorted({h for h in header if header.count(h) > 1}):
            problems.append(Problem(filename, 1, f"column '{column}' appears more than once"))
        for column in required:
            if column not in header:
                problems.append(Problem(filename, 1, f"missing required column '{column}'"))
        start = reader.line_num + 1
        for record in reader:
            line, start = start, reader.line_num + 1
            if not any(v.strip() for v in record):
                continue
            if len(record) != len(header):
                problems.append(
                    Problem(
                        filename,
                        line,
                        f"the row has {len(record)} values; the header has {len(header)} columns",
                    )
                )
                continue
            rows.append(Row(filename, line, dict(zip(header, record, strict=True))))
    except csv.Error as exc:
        problems.append(Problem(filename, reader.line_num, f"malformed CSV ({exc})"))
    return rows


# --- checking -------------------------------------------------------------------------------------


@dataclass
class _Org:
    sid: str
    row: Row
    name: str
    type: str
    identifier: str
    parent: str


@dataclass
class _Person:
    sid: str
    row: Row
    kind: str  # student | staff | guardian
    values: dict[str, Any]
    school: str = ""  # students
    schools: set[str] = field(default_factory=set)  # staff
    relationship: str = ""  # guardians
    agents: list[str] = field(default_factory=list)


@dataclass
class _Class:
    sid: str
    row: Row
    values: dict[str, Any]
    school: str
    course: str
    terms: list[str]


@dataclass
class _Enrollment:
    sid: str
    row: Row
    section: str
    user: str
    primary: bool


class _Import:
    def __init__(self, version: str, tables: dict[str, list[Row]], progress: Progress) -> None:
        self.version = version
        self.tables = tables
        self.progress = progress
        self.problems: list[Problem] = []
        self.orgs: dict[str, _Org] = {}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.courses: dict[str, tuple[Row, dict[str, Any], str]] = {}
        self.people: dict[str, _Person] = {}
        self.deleted_people: set[str] = set()
        self.birth_dates: dict[str, date | None] = {}
        self.classes: dict[str, _Class] = {}
        self.deleted_classes: set[str] = set()
        self.enrollments: dict[str, _Enrollment] = {}
        self.deleted_enrollments: set[str] = set()
        self.teaching: dict[str, set[str]] = defaultdict(set)
        self.not_teaching: dict[str, set[str]] = defaultdict(set)
        self.status: dict[str, dict[str, str]] = {kind: {} for kind in KINDS}
        self.roles: dict[str, list[tuple[Row, str, str, bool]]] = {}
        self.links: dict[tuple[str, str], str] = {}

    def run(self, dry_run: bool) -> ImportResult:
        self.load_database()
        self.check()
        if self.problems:
            raise RosterError(self.problems)
        self.write()
        result = ImportResult(self.version, dry_run, self.tallies())
        detail: dict[str, Any] = {"oneroster_version": self.version, **result.as_dict()}
        audit.record(None, "import", ("core.roster", ""), detail=detail)
        if dry_run:
            transaction.set_rollback(True)
        return result

    def bad(self, row: Row, reason: str) -> None:
        self.problems.append(Problem(row.file, row.line, reason))

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

    def row_is_sound(self, row: Row, sid: str) -> bool:
        if not sid:
            self.bad(row, "sourcedId is required")
            return False
        if any("\x00" in v for v in row.values.values()):
            self.bad(row, "the row contains a NUL character")
            return False
        status = row.get("status").lower()
        if status not in ("", "active", "tobedeleted"):
            self.bad(row, f"unknown status '{row.get('status')}'")
            return False
        return self.fits(row, "sourcedId", Student, "sourced_id") is not None

    @staticmethod
    def deleted(row: Row) -> bool:
        return row.get("status").lower() == "tobedeleted"

    def text(
        self, row: Row, column: str, model: type[models.Model], name: str, required: bool = False
    ) -> str:
        """The value of ``column``, checked against the length of ``model.name``."""
        value = self.fits(row, column, model, name)
        if required and value == "":
            self.bad(row, f"{column} is required")
        return value or ""

    def fits(self, row: Row, column: str, model: type[models.Model], name: str) -> str | None:
        value = row.get(column)
        limit = getattr(model._meta.get_field(name), "max_length", None)
        if limit and len(value) > limit:
            self.bad(row, f"{column} is longer than {limit} characters")
            return None
        return value

    def day(self, row: Row, column: str) -> date | None:
        value = row.get(column)
        if not value:
            return None
        try:
            if not DATE.fullmatch(value):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            self.bad(row, f"{column} '{value}' is not a date (YYYY-MM-DD)")
            return None

    # orgs
    def check_org(self, row: Row) -> None:
        if self.deleted(row):
            return
        sid, org_type = row.get("sourcedId"), row.get("type")
        if org_type.lower() not in ORG_TYPES and not org_type.lower().startswith("ext:"):
            self.bad(row, f"unknown org type '{org_type}'")
        name = self.text(row, "name", School, "name", required=True)
        identifier = self.text(row, "identifier", School, "identifier")
        self.orgs[sid] = _Org(
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
        person = _Person(
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
        self.classes[sid] = _Class(sid, row, values, school, course, sorted(set(terms)))

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
            self.enrollments[sid] = _Enrollment(sid, row, section, user, primary == "true")

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

    # --- writing ----------------------------------------------------------------------------------

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


def _by_sid(queryset: Any) -> dict[str, Any]:
    return {obj.sourced_id: obj for obj in queryset.filter(sourced_id__isnull=False)}


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
