"""One row on its own: the :class:`Row` read from a file, what its OneRoster words mean in Haven
(roles, org and session types), the checks of its own values (:class:`RowChecks`), and the records
the checks make of it for the writing.

Nothing here looks at other rows or at the database; :mod:`.checking` does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import models

from haven.core.models import GuardianLink, Staff, Student
from haven.core.problems import Problem


@dataclass
class Row:
    """One data row: its file, the line it starts on (the header is line 1), values by column."""

    file: str
    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "").strip()

    def list(self, column: str) -> list[str]:
        return [v.strip() for v in self.get(column).split(",") if v.strip()]


# --- OneRoster's words, in Haven's ----------------------------------------------------------------

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
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


# --- the checks of a row's own values -------------------------------------------------------------


class RowChecks:
    """Checks of one row's values; every problem is collected in ``problems``, none raised."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def bad(self, row: Row, reason: str) -> None:
        self.problems.append(Problem(row.file, row.line, reason))

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


# --- what the checks make of rows, for the writing ------------------------------------------------


@dataclass
class OrgRecord:
    sid: str
    row: Row
    name: str
    type: str
    identifier: str
    parent: str


@dataclass
class PersonRecord:
    sid: str
    row: Row
    kind: str  # student | staff | guardian
    values: dict[str, Any]
    school: str = ""  # students
    schools: set[str] = field(default_factory=set)  # staff
    relationship: str = ""  # guardians
    agents: list[str] = field(default_factory=list)


@dataclass
class ClassRecord:
    sid: str
    row: Row
    values: dict[str, Any]
    school: str
    course: str
    terms: list[str]


@dataclass
class EnrollmentRecord:
    sid: str
    row: Row
    section: str
    user: str
    primary: bool
