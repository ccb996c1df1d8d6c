"""The OneRoster import: 1.1 and 1.2 exports, folders and zips, re-imports, bad rows, the CLI."""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from haven.audit.models import AuditEvent
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
from haven.core.roster import RosterError, import_roster

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "oneroster"
MODELS = (
    District,
    School,
    AcademicSession,
    Course,
    Student,
    Staff,
    Guardian,
    GuardianLink,
    Section,
    Enrollment,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def v11(tmp_path) -> Path:
    """A copy of the 1.1 export that a test may edit."""
    return Path(shutil.copytree(FIXTURES / "v1p1", tmp_path / "v1p1"))


@pytest.fixture
def v12(tmp_path) -> Path:
    return Path(shutil.copytree(FIXTURES / "v1p2", tmp_path / "v1p2"))


def edit(folder: Path, filename: str, old: str, new: str) -> None:
    path = folder / filename
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {filename}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def problems_of(path: Path) -> list[str]:
    with pytest.raises(RosterError) as caught:
        import_roster(path)
    return [str(p) for p in caught.value.problems]


def totals(result, outcome: str) -> int:
    return sum(getattr(tally, outcome) for tally in result.counts.values())


def cli(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_roster", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- importing ------------------------------------------------------------------------------------


def test_a_1_1_export_creates_schools_people_classes_and_enrollments(v11):
    result = import_roster(v11)

    assert result.version == "1.1"
    created = {kind: tally.created for kind, tally in result.counts.items()}
    assert created == {
        "districts": 1,
        "schools": 2,
        "sessions": 3,
        "courses": 3,
        "students": 3,
        "staff": 3,
        "guardians": 4,
        "guardian_links": 4,
        "sections": 3,
        "enrollments": 4,
    }
    district = District.objects.get(sourced_id="org-lv-d")
    assert district.slug == "lakeview-unified-school-district"
    high = School.objects.get(sourced_id="org-lv-hs")
    assert (high.name, high.slug, high.identifier) == (
        "Lakeview High School",
        "lakeview-high-school",
        "061234500001",
    )
    assert high.district == district
    ava = Student.objects.get(sourced_id="stu-ava")
    assert (ava.given_name, ava.middle_name, ava.family_name) == ("Ava", "Marie", "Brooks")
    assert (ava.school, ava.grade, ava.student_number) == (high, "10", "100001")
    assert ava.email == "ava.brooks@students.lakeview.example"
    assert str(ava.birth_date) == "2010-03-04"
    zoe = Student.objects.get(sourced_id="stu-zoe")
    assert (zoe.given_name, zoe.family_name, zoe.grade) == ("Zoë", "Nguyễn", "07")
    assert zoe.school.slug == "cedar-middle-school"
    haddad = Staff.objects.get(sourced_id="tch-haddad")
    assert haddad.kind == Staff.Kind.TEACHER
    assert sorted(s.slug for s in haddad.schools.all()) == [
        "cedar-middle-school",
        "lakeview-high-school",
    ]
    assert Staff.objects.get(sourced_id="adm-bell").kind == Staff.Kind.ADMINISTRATOR
    assert Staff.objects.get(sourced_id="tch-kim").phone == "555-0101"
    english = Section.objects.get(sourced_id="cls-eng10-p1")
    assert (english.title, english.class_code, english.location, english.periods) == (
        "English 10 - Period 1",
        "ENG10-1",
        "Room 204",
        "1",
    )
    assert english.course == Course.objects.get(sourced_id="crs-eng10")
    assert english.school == high
    assert sorted(english.sessions.values_list("sourced_id", flat=True)) == [
        "as-2026-fall",
        "as-2026-spring",
    ]
    assert list(english.teachers.values_list("sourced_id", flat=True)) == ["tch-kim"]
    assert sorted(english.students.values_list("sourced_id", flat=True)) == ["stu-ava", "stu-noah"]
    assert Enrollment.objects.get(sourced_id="enr-002").student == ava
    # an administrator's enrollment is not a student's, and does not make a teacher
    biology = Section.objects.get(sourced_id="cls-bio-p3")
    assert list(biology.teachers.values_list("sourced_id", flat=True)) == ["tch-haddad"]
    fall = AcademicSession.objects.get(sourced_id="as-2026-fall")
    assert (fall.kind, str(fall.start_date), fall.school_year) == ("semester", "2025-08-18", "2026")


def test_a_1_2_export_takes_roles_and_orgs_from_roles_csv(v12):
    result = import_roster(v12)

    assert result.version == "1.2"
    assert result.counts["staff"].created == 4
    elementary = School.objects.get(sourced_id="8f1c0d2a-0002")
    middle = School.objects.get(sourced_id="8f1c0d2a-0003")
    raman = Staff.objects.get(
        sourced_id="u-tch-raman"
    )  # primary at one school, secondary at another
    assert set(raman.schools.all()) == {elementary, middle}
    flores = Staff.objects.get(
        sourced_id="u-tch-flores"
    )  # org is a department of the middle school
    assert list(flores.schools.all()) == [middle]
    okafor = Staff.objects.get(sourced_id="u-cns-okafor")
    assert (okafor.kind, okafor.preferred_name) == (Staff.Kind.COUNSELOR, "Sam")
    assert Staff.objects.get(sourced_id="u-prn-moss").kind == Staff.Kind.ADMINISTRATOR
    jon = Student.objects.get(sourced_id="u-stu-park")
    assert (jon.given_name, jon.preferred_name, jon.full_name) == ("Jonathan", "Jon", "Jon Park")
    assert (jon.school, jon.grade, str(jon.birth_date)) == (elementary, "05", "2015-05-17")
    assert Student.objects.get(sourced_id="u-stu-silva").birth_date is None
    science = Section.objects.get(sourced_id="cls-sci7-p4")
    assert set(science.teachers.values_list("sourced_id", flat=True)) == {
        "u-tch-flores",
        "u-tch-raman",
    }
    assert set(science.students.values_list("sourced_id", flat=True)) == {
        "u-stu-osei",
        "u-stu-silva",
    }
    assert not School.objects.filter(name__contains="Department").exists()


def test_a_zip_export_imports_like_the_folder_even_inside_a_folder_of_the_zip(v11, tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(v11.iterdir()):
            zipped.write(path, f"lakeview-export/{path.name}")

    result = import_roster(archive)

    assert result.counts["students"].created == 3
    assert result.counts["enrollments"].created == 4
    assert Student.objects.get(sourced_id="stu-zoe").family_name == "Nguyễn"


def test_a_1_2_zip_with_files_at_the_top_imports(v12, tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for path in v12.iterdir():
            zipped.write(path, path.name)

    assert import_roster(archive).counts["guardian_links"].created == 3


# --- re-importing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["v1p1", "v1p2"])
def test_reimporting_the_same_export_creates_and_updates_nothing(version):
    first = import_roster(FIXTURES / version)
    before = counts()

    again = import_roster(FIXTURES / version)

    assert totals(again, "created") == totals(again, "updated") == totals(again, "removed") == 0
    for kind, tally in again.counts.items():
        assert tally.unchanged == first.counts[kind].created, kind
    assert counts() == before


def test_a_changed_name_is_counted_as_updated(v11):
    import_roster(v11)
    edit(v11, "users.csv", "Noah,Castillo", "Noé,Castillo")

    result = import_roster(v11)

    assert vars(result.counts["students"]) == {
        "created": 0,
        "updated": 1,
        "unchanged": 2,
        "removed": 0,
    }
    assert Student.objects.get(sourced_id="stu-noah").given_name == "Noé"
    assert result.counts["staff"].updated == 0


def test_a_renamed_school_keeps_its_slug(v11):
    import_roster(v11)
    edit(v11, "orgs.csv", "Cedar Middle School", "Cedar Grove Middle School")

    result = import_roster(v11)

    assert result.counts["schools"].updated == 1
    school = School.objects.get(sourced_id="org-cedar-ms")
    assert (school.name, school.slug) == ("Cedar Grove Middle School", "cedar-middle-school")


def test_a_school_made_by_hand_is_adopted_by_name_not_duplicated(district):
    made = School.objects.create(district=district, name="Lakeview High School", slug="lhs")

    result = import_roster(FIXTURES / "v1p1")

    assert result.counts["schools"].created == 1
    assert result.counts["schools"].updated == 1
    made.refresh_from_db()
    assert (made.sourced_id, made.slug) == ("org-lv-hs", "lhs")
    assert Student.objects.get(sourced_id="stu-ava").school == made


def test_a_new_school_whose_slug_is_taken_gets_another(district):
    School.objects.create(
        district=district, name="Old Lakeview", slug="lakeview-high-school", sourced_id="x"
    )

    import_roster(FIXTURES / "v1p1")

    assert School.objects.get(sourced_id="org-lv-hs").slug == "lakeview-high-school-2"


def test_an_enrollment_made_by_hand_is_adopted_not_duplicated(v11):
    import_roster(v11)
    enrollment = Enrollment.objects.get(sourced_id="enr-002")
    enrollment.sourced_id = None
    enrollment.save()

    result = import_roster(v11)

    assert result.counts["enrollments"].updated == 1
    assert Enrollment.objects.get(pk=enrollment.pk).sourced_id == "enr-002"
    assert Enrollment.objects.count() == 4


def test_two_new_schools_with_one_name_get_slugs_in_sourced_id_order(v11):
    edit(v11, "orgs.csv", "Cedar Middle School", "Lakeview High School")
    rows = (v11 / "orgs.csv").read_text(encoding="utf-8").splitlines()
    (v11 / "orgs.csv").write_text("\n".join([rows[0], rows[3], rows[2], rows[1]]) + "\n")

    import_roster(v11)

    slugs = dict(School.objects.values_list("sourced_id", "slug"))
    assert slugs == {"org-cedar-ms": "lakeview-high-school", "org-lv-hs": "lakeview-high-school-2"}


def test_a_school_name_without_latin_letters_still_gets_a_slug(v11):
    edit(v11, "orgs.csv", "Cedar Middle School", "杉中学校")

    import_roster(v11)

    assert School.objects.get(sourced_id="org-cedar-ms").slug == "school"


def test_staff_schools_follow_the_export(v11):
    import_roster(v11)
    edit(v11, "users.csv", '"org-lv-hs,org-cedar-ms",teacher', "org-cedar-ms,teacher")

    result = import_roster(v11)

    haddad = Staff.objects.get(sourced_id="tch-haddad")
    assert list(haddad.schools.values_list("sourced_id", flat=True)) == ["org-cedar-ms"]
    assert result.counts["staff"].updated == 1


def test_a_1_2_student_with_two_schools_belongs_to_the_primary_org(v12):
    with (v12 / "roles.csv").open("a", encoding="utf-8") as roles:
        roles.write(
            "r-012,active,2025-07-01T08:00:00.000Z,u-stu-silva,secondary,student,,,"
            "8f1c0d2a-0002,\r\n"
        )
    import_roster(v12)
    assert Student.objects.get(sourced_id="u-stu-silva").school.sourced_id == "8f1c0d2a-0003"
    edit(v12, "users.csv", ",,,,,,,8f1c0d2a-0003,\nu-tch", ",,,,,,,8f1c0d2a-0002,\nu-tch")

    result = import_roster(v12)

    assert Student.objects.get(sourced_id="u-stu-silva").school.sourced_id == "8f1c0d2a-0002"
    assert result.counts["students"].updated == 1


def test_a_1_2_user_with_primary_roles_of_two_kinds_is_refused(v12):
    with (v12 / "roles.csv").open("a", encoding="utf-8") as roles:
        roles.write(
            "r-012,active,2025-07-01T08:00:00.000Z,u-par-park,primary,teacher,,,8f1c0d2a-0002,\r\n"
        )

    problems = problems_of(v12)

    assert problems == [
        "users.csv:9: user 'u-par-park' has primary roles of different kinds: guardian, staff"
    ]


# --- guardians ------------------------------------------------------------------------------------


def test_guardian_links_come_from_agents_on_either_side():
    import_roster(FIXTURES / "v1p1")

    links = {
        (link.student.sourced_id, link.guardian.sourced_id): link.relationship
        for link in GuardianLink.objects.select_related("student", "guardian")
    }
    assert links == {
        ("stu-ava", "par-rosa"): "parent",  # both list each other
        ("stu-ava", "par-carl"): "parent",  # only the student lists the guardian
        ("stu-zoe", "gdn-linh"): "guardian",
        ("stu-noah", "rel-maria"): "relative",  # only the relative lists the student
    }
    assert all(link.can_pick_up for link in GuardianLink.objects.all())
    assert not any(link.custody_restriction for link in GuardianLink.objects.all())


def test_pick_up_and_custody_set_by_hand_survive_a_reimport(v11):
    import_roster(v11)
    GuardianLink.objects.filter(guardian__sourced_id="par-carl").update(
        can_pick_up=False, custody_restriction=True, custody_note="Protective order 2025-114"
    )
    edit(v11, "users.csv", "org-lv-hs,parent,cbrooks", "org-lv-hs,guardian,cbrooks")

    result = import_roster(v11)

    assert result.counts["guardian_links"].updated == 1
    link = GuardianLink.objects.get(guardian__sourced_id="par-carl")
    assert link.relationship == "guardian"
    assert (link.can_pick_up, link.custody_restriction, link.custody_note) == (
        False,
        True,
        "Protective order 2025-114",
    )


# --- tobedeleted and rows that leave the export ---------------------------------------------------


def test_tobedeleted_deactivates_people_and_deletes_enrollments(v11):
    import_roster(v11)
    edit(v11, "users.csv", "stu-noah,,,true", "stu-noah,tobedeleted,2025-09-01,true")
    edit(v11, "users.csv", "par-carl,,,true", "par-carl,tobedeleted,2025-09-01,true")
    edit(v11, "users.csv", "tch-kim,,,true", "tch-kim,tobedeleted,2025-09-01,true")
    edit(v11, "enrollments.csv", "enr-003,,", "enr-003,tobedeleted,2025-09-01")

    result = import_roster(v11)

    assert result.counts["students"].removed == 1
    assert result.counts["guardians"].removed == 1
    assert result.counts["staff"].removed == 1
    assert result.counts["enrollments"].removed == 1
    assert not Student.objects.get(sourced_id="stu-noah").active
    assert Student.objects.get(sourced_id="stu-ava").active
    assert not Guardian.objects.get(sourced_id="par-carl").active
    assert not Staff.objects.get(sourced_id="tch-kim").active
    assert not Enrollment.objects.filter(sourced_id="enr-003").exists()
    again = import_roster(v11)
    assert totals(again, "removed") == 0


def test_a_tobedeleted_class_loses_its_enrollments_and_teachers_but_stays(v11):
    import_roster(v11)
    edit(v11, "classes.csv", "cls-bio-p3,,", "cls-bio-p3,tobedeleted,2025-12-20")
    edit(v11, "enrollments.csv", "enr-004,", "enr-004,tobedeleted")
    edit(v11, "enrollments.csv", "enr-005,", "enr-005,tobedeleted")
    edit(v11, "enrollments.csv", "enr-008,", "enr-008,tobedeleted")

    result = import_roster(v11)

    biology = Section.objects.get(sourced_id="cls-bio-p3")
    assert not biology.teachers.exists()
    assert not biology.enrollments.exists()
    assert result.counts["sections"].removed == 1
    assert result.counts["enrollments"].removed == 1


def test_a_student_who_moved_class_is_no_longer_enrolled_in_the_old_one(v11):
    import_roster(v11)
    noah = Student.objects.get(sourced_id="stu-noah")
    english = Section.objects.get(sourced_id="cls-eng10-p1")
    hand_made = Enrollment.objects.create(
        section=Section.objects.get(sourced_id="cls-bio-p3"), student=noah
    )
    edit(v11, "enrollments.csv", "enr-003,,,cls-eng10-p1", "enr-009,,,cls-bio-p3")

    result = import_roster(v11)

    assert not Enrollment.objects.filter(section=english, student=noah).exists()
    adopted = Enrollment.objects.get(pk=hand_made.pk)
    assert adopted.sourced_id == "enr-009"
    assert result.counts["enrollments"].removed == 1


def test_a_teacher_no_longer_listed_for_a_class_is_removed_from_it(v11):
    import_roster(v11)
    edit(v11, "enrollments.csv", "cls-bio-p3,org-lv-hs,tch-haddad", "cls-bio-p3,org-lv-hs,tch-kim")

    result = import_roster(v11)

    biology = Section.objects.get(sourced_id="cls-bio-p3")
    assert list(biology.teachers.values_list("sourced_id", flat=True)) == ["tch-kim"]
    assert result.counts["sections"].updated == 1


# --- bad rows: all or nothing ---------------------------------------------------------------------


def test_an_enrollment_with_an_unknown_class_fails_with_its_line_and_writes_nothing(v11):
    import_roster(v11)
    before = counts()
    events = AuditEvent.objects.count()
    edit(v11, "users.csv", "Noah,Castillo", "Noé,Castillo")  # a good change in the same export
    edit(v11, "enrollments.csv", "enr-006,,,cls-math7-p2", "enr-006,,,cls-gone")

    problems = problems_of(v11)

    assert problems == ["enrollments.csv:7: unknown class 'cls-gone'"]
    assert counts() == before
    assert Student.objects.get(sourced_id="stu-noah").given_name == "Noah"
    assert AuditEvent.objects.count() == events


def test_a_bad_row_in_a_first_import_leaves_the_database_empty(v11):
    edit(v11, "enrollments.csv", "enr-006,,,cls-math7-p2", "enr-006,,,cls-gone")

    with pytest.raises(RosterError):
        import_roster(v11)

    assert set(counts().values()) == {0}


def test_every_bad_row_is_reported_with_its_file_and_line(v11):
    edit(v11, "users.csv", "org-lv-hs,student,abrooks", "org-nowhere,student,abrooks")
    edit(v11, "users.csv", "Noah,Castillo", ",Castillo")
    edit(v11, "users.csv", "org-lv-hs,administrator", "org-lv-hs,janitor")
    edit(v11, "users.csv", "rosa.brooks@example.com", "rosa.brooks(at)example.com")
    edit(v11, "demographics.csv", "2010-07-21", "21/07/2010")
    edit(v11, "courses.csv", "crs-math7,", "crs-bio,")
    edit(v11, "enrollments.csv", "org-cedar-ms,stu-zoe", "org-cedar-ms,stu-ghost")
    edit(v11, "academicSessions.csv", ",semester,2025-08-18", ",quarter,2025-08-18")

    problems = problems_of(v11)

    assert sorted(problems) == sorted(
        {
            "users.csv:2: unknown org 'org-nowhere'",
            "users.csv:3: givenName is required",
            "users.csv:7: unknown role 'janitor'",
            "users.csv:8: email 'rosa.brooks(at)example.com' is not an email address",
            "demographics.csv:3: birthDate '21/07/2010' is not a date (YYYY-MM-DD)",
            "courses.csv:4: sourcedId 'crs-bio' is used again (first on line 3)",
            "enrollments.csv:8: unknown user 'stu-ghost'",
            "academicSessions.csv:3: unknown academic session type 'quarter'",
            "classes.csv:4: unknown course 'crs-math7'",  # its row now says crs-bio
        }
    )


def test_an_enrollment_of_a_teacher_as_a_student_is_refused(v11):
    edit(
        v11, "enrollments.csv", "cls-eng10-p1,org-lv-hs,stu-noah", "cls-eng10-p1,org-lv-hs,tch-kim"
    )

    problems = problems_of(v11)

    assert "enrollments.csv:4: user 'tch-kim' is a staff, not a student" in problems


def test_the_same_student_twice_in_a_class_is_refused(v11):
    edit(
        v11, "enrollments.csv", "cls-eng10-p1,org-lv-hs,stu-noah", "cls-eng10-p1,org-lv-hs,stu-ava"
    )

    problems = problems_of(v11)

    assert problems == [
        "enrollments.csv:4: student 'stu-ava' is already enrolled in class 'cls-eng10-p1' (line 3)"
    ]


def test_a_student_cannot_become_staff_by_reimport(v11):
    import_roster(v11)
    edit(v11, "users.csv", "org-lv-hs,student,ncastillo", "org-lv-hs,teacher,ncastillo")
    edit(
        v11,
        "enrollments.csv",
        "enr-003,,,cls-eng10-p1,org-lv-hs,stu-noah,student",
        "enr-003,,,cls-eng10-p1,org-lv-hs,stu-noah,teacher",
    )

    problems = problems_of(v11)

    assert (
        "users.csv:3: user 'stu-noah' is a student in Haven but has a staff role here" in problems
    )


def test_a_1_2_user_without_a_role_is_reported(v12):
    edit(
        v12,
        "roles.csv",
        "r-003,active,2025-07-01T08:00:00.000Z,u-stu-silva",
        "r-003,tobedeleted,2025-07-01T08:00:00.000Z,u-stu-silva",
    )

    problems = problems_of(v12)

    assert "users.csv:4: user 'u-stu-silva' has no role in roles.csv" in problems


def test_a_1_2_role_for_an_unknown_user_is_reported_on_its_roles_line(v12):
    edit(
        v12,
        "roles.csv",
        "r-011,active,2025-07-01T08:00:00.000Z,u-rel-silva",
        "r-011,active,2025-07-01T08:00:00.000Z,u-rel-nobody",
    )

    problems = problems_of(v12)

    assert "roles.csv:12: unknown user 'u-rel-nobody' (not in users.csv)" in problems


def test_a_missing_required_column_is_reported_on_the_header_line(v11):
    path = v11 / "users.csv"
    with path.open(encoding="utf-8", newline="") as csv_file:
        rows = list(csv.reader(csv_file))
    index = rows[0].index("role")
    with path.open("w", encoding="utf-8", newline="") as csv_file:
        csv.writer(csv_file).writerows([v for i, v in enumerate(row) if i != index] for row in rows)

    assert problems_of(v11) == ["users.csv:1: missing required column 'role'"]


def test_a_row_with_too_many_values_is_reported(v11):
    edit(v11, "orgs.csv", "Cedar Middle School,", "Cedar, Middle School,")

    assert problems_of(v11) == ["orgs.csv:4: the row has 8 values; the header has 7 columns"]


def test_malformed_quoting_is_reported_not_raised(v11):
    edit(v11, "orgs.csv", "Cedar Middle School", '"Cedar" Middle School')

    problems = problems_of(v11)

    assert len(problems) == 1
    assert problems[0].startswith("orgs.csv:4: malformed CSV")


def test_a_file_that_is_not_a_zip_is_refused(tmp_path):
    fake = tmp_path / "export.zip"
    fake.write_bytes(b"this is not a zip file at all")

    assert problems_of(fake) == ["export.zip: not a folder or a zip file"]


def test_a_missing_path_is_refused(tmp_path):
    assert problems_of(tmp_path / "nowhere") == ["nowhere: no such folder or file"]


def test_a_file_that_is_not_utf8_is_refused_with_its_line(v11):
    path = v11 / "users.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1", errors="replace"))

    assert problems_of(v11) == ["users.csv:4: the file is not UTF-8 text"]


def test_a_utf8_byte_order_mark_is_accepted(v11):
    for path in v11.iterdir():
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())

    result = import_roster(v11)

    assert result.counts["students"].created == 3
    assert Student.objects.get(sourced_id="stu-ava").given_name == "Ava"


def test_an_empty_file_is_refused(v11):
    (v11 / "classes.csv").write_bytes(b"")

    assert problems_of(v11) == ["classes.csv:1: the file is empty (no header row)"]


# --- the manifest ---------------------------------------------------------------------------------


def test_a_delta_export_is_refused_clearly(v11):
    edit(v11, "manifest.csv", "file.users,bulk", "file.users,delta")

    assert problems_of(v11) == [
        "manifest.csv: file.users is 'delta': Haven imports bulk exports only; export a full set"
    ]


def test_files_marked_absent_are_not_required(v11):
    for name in ("classes", "enrollments", "demographics", "courses", "academicSessions"):
        (v11 / f"{name}.csv").unlink()
        edit(v11, "manifest.csv", f"file.{name},bulk", f"file.{name},absent")

    result = import_roster(v11)

    assert result.counts["students"].created == 3
    assert Section.objects.count() == 0
    assert Student.objects.get(sourced_id="stu-ava").birth_date is None


def test_a_required_file_missing_from_the_export_is_reported(v12):
    (v12 / "roles.csv").unlink()

    assert problems_of(v12) == ["roles.csv: the file is missing from the export"]


def test_references_to_a_file_marked_absent_are_found_in_haven(v11):
    import_roster(v11)
    for name in ("orgs", "users"):
        (v11 / f"{name}.csv").unlink()
        edit(v11, "manifest.csv", f"file.{name},bulk", f"file.{name},absent")

    result = import_roster(v11)

    assert result.counts["enrollments"].unchanged == 4
    assert result.counts["students"].updated == 0


def test_an_unsupported_oneroster_version_is_refused(v11):
    edit(v11, "manifest.csv", "oneroster.version,1.1", "oneroster.version,1.0")

    assert problems_of(v11) == ["manifest.csv: oneroster.version is '1.0'; Haven reads 1.1 and 1.2"]


def test_an_export_without_a_manifest_is_refused(v11):
    (v11 / "manifest.csv").unlink()

    assert problems_of(v11) == ["v1p1: manifest.csv is missing"]


# --- dry run and audit ----------------------------------------------------------------------------


def test_a_dry_run_counts_but_writes_nothing(v11):
    result = import_roster(v11, dry_run=True)

    assert result.dry_run
    assert result.counts["students"].created == 3
    assert set(counts().values()) == {0}
    assert AuditEvent.objects.count() == 0


def test_an_import_records_one_audit_event_with_counts_and_no_names(v11):
    import_roster(v11)

    event = AuditEvent.objects.get()
    assert (event.action, event.object_type, event.actor_label) == (
        "import",
        "core.roster",
        "system",
    )
    assert event.detail["students"] == {"created": 3, "updated": 0, "unchanged": 0, "removed": 0}
    assert event.detail["oneroster_version"] == "1.1"
    text = json.dumps(event.detail)
    assert "Ava" not in text
    assert "stu-ava" not in text


def test_progress_is_reported_to_the_caller(v11):
    seen: list[tuple[str, int, int]] = []

    import_roster(v11, progress=lambda stage, done, total: seen.append((stage, done, total)))

    assert ("checking users", 10, 10) in seen
    assert seen[-1] == ("writing", 6, 6)


# --- the command ----------------------------------------------------------------------------------


def test_cli_json_prints_exactly_one_object_with_the_counts(v11):
    out, _ = cli(str(v11), "--json")

    data = json.loads(out)
    assert data["students"] == {"created": 3, "updated": 0, "unchanged": 0, "removed": 0}
    assert data["enrollments"]["created"] == 4
    assert data["oneroster_version"] == "1.1"
    assert data["dry_run"] is False


def test_cli_json_on_failure_prints_the_errors_and_exits_non_zero(v11):
    edit(v11, "enrollments.csv", "enr-006,,,cls-math7-p2", "enr-006,,,cls-gone")
    out = StringIO()

    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_roster", str(v11), "--json", stdout=out, stderr=StringIO())

    assert json.loads(out.getvalue()) == {
        "errors": ["enrollments.csv:7: unknown class 'cls-gone'"],
        "error_count": 1,
    }
    assert Student.objects.count() == 0


def test_cli_prints_a_summary_table(v12):
    out, _ = cli(str(v12))

    lines = out.splitlines()
    assert lines[0].split() == ["created", "updated", "unchanged", "removed"]
    assert [line.split() for line in lines if line.startswith("guardian links")] == [
        ["guardian", "links", "3", "0", "0", "0"]
    ]
    assert lines[-1] == "OneRoster 1.2 export imported."


def test_cli_dry_run_says_nothing_was_written(v12):
    out, _ = cli(str(v12), "--dry-run")

    assert "Dry run: nothing was written." in out
    assert Student.objects.count() == 0


def test_cli_lists_at_most_fifty_problems_and_counts_the_rest(v11):
    rows = [f"enr-x{n:03},,,cls-gone,org-lv-hs,stu-ava,student,false,," for n in range(60)]
    with (v11 / "enrollments.csv").open("a", encoding="utf-8") as csv_file:
        csv_file.write("\n".join(rows) + "\n")
    err = StringIO()

    with pytest.raises(CommandError, match=r"\(60 problems\)"):
        call_command("import_roster", str(v11), stdout=StringIO(), stderr=err)

    listed = err.getvalue().splitlines()
    assert len(listed) == 51
    assert listed[0] == "enrollments.csv:10: unknown class 'cls-gone'"
    assert listed[-1] == "… and 10 more problems"


def test_cli_refuses_a_file_that_is_not_a_zip_without_a_traceback(tmp_path):
    fake = tmp_path / "roster.zip"
    fake.write_text("name,grade\nAva,10\n")
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("import_roster", str(fake), stdout=StringIO(), stderr=err)

    assert err.getvalue() == "roster.zip: not a folder or a zip file\n"
