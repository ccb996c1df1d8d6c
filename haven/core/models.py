"""People and places: the district, its schools, and the roster (students, staff, guardians,
sections and enrollments) that roll calls, reunification and cases need.

Rows that come from a student information system carry the OneRoster ``sourced_id`` they were
imported with, so that a re-import updates them instead of duplicating them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from haven.access.querysets import VisibleQuerySet
from haven.core.fields import EncryptedTextField


class District(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    sourced_id = models.CharField(max_length=255, unique=True, null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="schools")
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    sourced_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    identifier = models.CharField(
        max_length=100, blank=True, help_text=_("State or NCES school id")
    )

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AcademicSession(models.Model):
    sourced_id = models.CharField(max_length=255, unique=True)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=40, blank=True)  # schoolYear, term, semester, gradingPeriod
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    school_year = models.CharField(max_length=10, blank=True)

    def __str__(self) -> str:
        return self.title


class Course(models.Model):
    sourced_id = models.CharField(max_length=255, unique=True)
    title = models.CharField(max_length=200)
    code = models.CharField(max_length=100, blank=True)
    district = models.ForeignKey(District, on_delete=models.PROTECT, null=True, blank=True)

    def __str__(self) -> str:
        return self.title


class PersonName(models.Model):
    """Fields every person on the roster has."""

    sourced_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    middle_name = models.CharField(max_length=100, blank=True)
    preferred_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        abstract = True
        ordering = ["family_name", "given_name"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        first = self.preferred_name or self.given_name
        return f"{first} {self.family_name}".strip()


class Student(PersonName):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="students")
    grade = models.CharField(max_length=10, blank=True)
    student_number = models.CharField(max_length=100, blank=True)
    birth_date = models.DateField(null=True, blank=True)

    objects = VisibleQuerySet.as_manager()

    class Meta(PersonName.Meta):
        indexes = [models.Index(fields=["school", "family_name", "given_name"])]


class Staff(PersonName):
    class Kind(models.TextChoices):
        TEACHER = "teacher", _("Teacher")
        ADMINISTRATOR = "administrator", _("Administrator")
        AIDE = "aide", _("Aide")
        COUNSELOR = "counselor", _("Counsellor")
        OTHER = "other", _("Other staff")

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.TEACHER)
    schools = models.ManyToManyField(School, related_name="staff", blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff",
    )

    class Meta(PersonName.Meta):
        verbose_name_plural = "staff"


class Guardian(PersonName):
    """A parent, guardian or other adult related to one or more students."""

    students: models.ManyToManyField[Student, GuardianLink] = models.ManyToManyField(
        Student, through="GuardianLink", related_name="guardians"
    )


class GuardianLink(models.Model):
    """How a guardian relates to one student, and whether they may collect that student."""

    class Relationship(models.TextChoices):
        PARENT = "parent", _("Parent")
        GUARDIAN = "guardian", _("Guardian")
        RELATIVE = "relative", _("Relative")
        STEP_PARENT = "step_parent", _("Step-parent")
        FOSTER = "foster", _("Foster parent")
        EMERGENCY_CONTACT = "emergency_contact", _("Emergency contact")
        OTHER = "other", _("Other")

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="guardian_links")
    guardian = models.ForeignKey(Guardian, on_delete=models.CASCADE, related_name="student_links")
    relationship = models.CharField(
        max_length=20, choices=Relationship.choices, default=Relationship.PARENT
    )
    can_pick_up = models.BooleanField(default=True)
    custody_restriction = models.BooleanField(
        default=False, help_text=_("A court order restricts this adult's access to the student.")
    )
    custody_note = EncryptedTextField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["student", "guardian"], name="unique_guardian_link")
        ]

    def __str__(self) -> str:
        return f"{self.guardian} → {self.student} ({self.relationship})"


class Section(models.Model):
    """A class: a group of students with one or more teachers, the unit of a roll call."""

    sourced_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="sections")
    title = models.CharField(max_length=200)
    class_code = models.CharField(max_length=100, blank=True)
    location = models.CharField(max_length=100, blank=True)
    periods = models.CharField(max_length=100, blank=True)
    course = models.ForeignKey(Course, on_delete=models.SET_NULL, null=True, blank=True)
    sessions = models.ManyToManyField(AcademicSession, blank=True)
    teachers = models.ManyToManyField(Staff, related_name="sections", blank=True)
    students: models.ManyToManyField[Student, Enrollment] = models.ManyToManyField(
        Student, through="Enrollment", related_name="sections"
    )

    class Meta:
        ordering = ["school", "title"]

    def __str__(self) -> str:
        return self.title


class Enrollment(models.Model):
    sourced_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="enrollments")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="enrollments")
    primary = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["section", "student"], name="unique_enrollment")
        ]

    def __str__(self) -> str:
        return f"{self.student} in {self.section}"
