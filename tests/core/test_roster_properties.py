"""Properties of the OneRoster import: what comes from outside never breaks it."""

from __future__ import annotations

import csv
import random
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haven.core.models import Enrollment, GuardianLink, School, Section, Staff, Student
from haven.core.roster import RosterError, import_roster

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "oneroster"
EXAMPLES = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Any text a spreadsheet could hold: everything but NUL (refused) and lone surrogates (not UTF-8).
NAME = st.text(
    alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
    min_size=1,
    max_size=100,
).filter(str.strip)

pytestmark = pytest.mark.django_db


@contextmanager
def export(version: str) -> Iterator[Path]:
    """A scratch copy of an export, and a transaction rolled back after each example."""
    with tempfile.TemporaryDirectory() as scratch, transaction.atomic():
        yield Path(shutil.copytree(FIXTURES / version, Path(scratch) / version))
        transaction.set_rollback(True)


def read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as csv_file:
        return list(csv.reader(csv_file))


def write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as csv_file:
        csv.writer(csv_file).writerows(rows)


def state() -> dict[str, Any]:
    """The roster in sourcedId terms, so that two imports can be compared."""
    return {
        "schools": sorted(School.objects.values_list("sourced_id", "slug", "name")),
        "students": sorted(
            Student.objects.values_list(
                "sourced_id", "given_name", "school__sourced_id", "grade", "birth_date"
            )
        ),
        "staff": sorted(
            (s.sourced_id, s.kind, tuple(sorted(s.schools.values_list("sourced_id", flat=True))))
            for s in Staff.objects.all()
        ),
        "links": sorted(
            GuardianLink.objects.values_list(
                "student__sourced_id", "guardian__sourced_id", "relationship"
            )
        ),
        "sections": sorted(
            (
                s.sourced_id,
                tuple(sorted(s.teachers.values_list("sourced_id", flat=True))),
                tuple(sorted(s.sessions.values_list("sourced_id", flat=True))),
            )
            for s in Section.objects.all()
        ),
        "enrollments": sorted(
            Enrollment.objects.values_list(
                "sourced_id", "section__sourced_id", "student__sourced_id", "primary"
            )
        ),
    }


@EXAMPLES
@given(given_name=NAME, family_name=NAME, version=st.sampled_from(["v1p1", "v1p2"]))
def test_any_text_in_a_name_is_stored_as_given(db, given_name, family_name, version):
    with export(version) as folder:
        rows = read(folder / "users.csv")
        header = rows[0]
        rows[1][header.index("givenName")] = given_name
        rows[1][header.index("familyName")] = family_name
        write(folder / "users.csv", rows)

        import_roster(folder)

        student = Student.objects.get(sourced_id=rows[1][header.index("sourcedId")])
        assert (student.given_name, student.family_name) == (
            given_name.strip(),
            family_name.strip(),
        )


PROBLEM = re.compile(r"[\w.]+(:\d+)?: \S.*", re.DOTALL)
FILES = ["manifest.csv", "orgs.csv", "users.csv", "roles.csv", "classes.csv", "enrollments.csv"]


@EXAMPLES
@given(
    filename=st.sampled_from(FILES),
    content=st.one_of(
        st.binary(max_size=400),
        st.text(max_size=400).map(lambda text: text.encode("utf-8", "surrogatepass")),
        st.lists(st.lists(st.text(max_size=12), max_size=8), max_size=8).map(
            lambda rows: "\n".join(",".join(row) for row in rows).encode("utf-8", "surrogatepass")
        ),
    ),
    keep_header=st.booleans(),
)
def test_garbage_in_any_file_raises_only_roster_error(db, filename, content, keep_header):
    with export("v1p2") as folder:
        path = folder / filename
        if keep_header:
            content = path.read_bytes().splitlines(keepends=True)[0] + content
        path.write_bytes(content)
        students = Student.objects.count()

        try:
            import_roster(folder)
        except RosterError as exc:
            assert exc.problems
            for problem in exc.problems:
                assert PROBLEM.fullmatch(str(problem)), str(problem)
            assert Student.objects.count() == students


@EXAMPLES
@given(content=st.binary(max_size=300))
def test_garbage_instead_of_a_zip_raises_only_roster_error(db, tmp_path_factory, content):
    archive = tmp_path_factory.mktemp("zip") / "export.zip"
    archive.write_bytes(b"PK\x03\x04" + content)

    with pytest.raises(RosterError):
        import_roster(archive)


@EXAMPLES
@given(seed=st.integers(min_value=0, max_value=2**32), version=st.sampled_from(["v1p1", "v1p2"]))
def test_the_order_of_the_rows_does_not_change_the_result(db, seed, version):
    with export(version) as folder:
        import_roster(folder)
        expected = state()
    shuffle = random.Random(seed)
    with export(version) as folder:
        for path in folder.iterdir():
            if path.name != "manifest.csv":
                header, *rows = read(path)
                shuffle.shuffle(rows)
                write(path, [header, *rows])

        import_roster(folder)

        assert state() == expected
