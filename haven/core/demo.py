"""The demo district: two schools, several hundred students with guardians and classes, and one
sign-in per role. Deterministic (a fixed seed) and idempotent (keyed by ``sourced_id``/username):
running it twice changes nothing."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction

from haven.accounts.models import Role, RoleAssignment, User
from haven.core.models import (
    District,
    Enrollment,
    Guardian,
    GuardianLink,
    School,
    Section,
    Staff,
    Student,
)

PASSWORD = "haven-demo"  # noqa: S105 - the documented demo password

REFUSED_IN_PRODUCTION = (
    "The demo district never loads in production (HAVEN_ENV=production): its sign-ins have "
    "published passwords. Create the first administrator with `haven createadmin USERNAME`."
)


class DemoRefused(Exception):
    """The demo district was asked for in production."""


#: username -> (role, school slug or None for district-wide, display name)
USERS: dict[str, tuple[str, str | None, str]] = {
    "admin": (Role.DISTRICT_ADMIN, None, "Dana Whitfield"),
    "principal": (Role.SCHOOL_ADMIN, "northside-high", "Marcus Bell"),
    "counselor": (Role.COUNSELOR, "northside-high", "Priya Raman"),
    "sro": (Role.SRO, "northside-high", "Officer Luis Ortega"),
    "teacher": (Role.STAFF, "northside-high", "Hannah Kim"),
    "frontdesk": (Role.FRONT_DESK, "northside-high", "Gloria Estes"),
    "coordinator": (Role.VOLUNTEER_COORDINATOR, "northside-high", "Tom Baker"),
    "principal2": (Role.SCHOOL_ADMIN, "riverside-middle", "Angela Moss"),
    "counselor2": (Role.COUNSELOR, "riverside-middle", "Samuel Okafor"),
    "sro2": (Role.SRO, "riverside-middle", "Officer Rita Vance"),
    "teacher2": (Role.STAFF, "riverside-middle", "Diego Flores"),
    "auditor": (Role.AUDITOR, None, "Irene Novak"),
}
SIGN_INS = list(USERS)

SCHOOLS = [
    ("northside-high", "Northside High School", ["9", "10", "11", "12"], 240),
    ("riverside-middle", "Riverside Middle School", ["6", "7", "8"], 180),
]

GIVEN = [
    "Aaliyah",
    "Aiden",
    "Amara",
    "Andre",
    "Ava",
    "Benjamin",
    "Camila",
    "Carlos",
    "Chloe",
    "Daniel",
    "Deja",
    "Elena",
    "Elijah",
    "Emma",
    "Ethan",
    "Fatima",
    "Gabriel",
    "Grace",
    "Hana",
    "Isaac",
    "Isabella",
    "Jada",
    "Jamal",
    "Jasmine",
    "Javier",
    "Jayden",
    "Kai",
    "Kayla",
    "Leah",
    "Liam",
    "Lucas",
    "Maya",
    "Mateo",
    "Mia",
    "Noah",
    "Nia",
    "Olivia",
    "Omar",
    "Priya",
    "Rosa",
    "Ryan",
    "Sofia",
    "Tariq",
    "Tyler",
    "Valeria",
    "Wei",
    "Xavier",
    "Yara",
    "Zoe",
    "Malik",
]
FAMILY = [
    "Adams",
    "Alvarez",
    "Brooks",
    "Chen",
    "Cruz",
    "Davis",
    "Diaz",
    "Edwards",
    "Evans",
    "Flores",
    "Garcia",
    "Gomez",
    "Green",
    "Hall",
    "Harris",
    "Hernandez",
    "Hill",
    "Jackson",
    "Johnson",
    "Kim",
    "Lee",
    "Lopez",
    "Martin",
    "Martinez",
    "Miller",
    "Moore",
    "Nguyen",
    "Nelson",
    "Ortiz",
    "Patel",
    "Perez",
    "Ramirez",
    "Reyes",
    "Rivera",
    "Robinson",
    "Rodriguez",
    "Sanchez",
    "Scott",
    "Singh",
    "Smith",
    "Taylor",
    "Thomas",
    "Thompson",
    "Torres",
    "Walker",
    "Washington",
    "White",
    "Williams",
    "Wilson",
    "Young",
]
ADULT_GIVEN = [
    "Maria",
    "James",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Ana",
    "Jose",
    "Karen",
    "Thomas",
    "Nancy",
    "Luis",
    "Sandra",
    "Kevin",
    "Monique",
    "Ahmed",
]
SUBJECTS = [
    "English",
    "Algebra",
    "Biology",
    "World History",
    "Spanish",
    "Art",
    "Physical Education",
    "Chemistry",
    "Geometry",
    "Music",
]


@transaction.atomic
def load() -> dict[str, int]:
    """Create or complete the demo district. Returns counts of what exists afterwards. Refused in
    production (:class:`DemoRefused`), whoever asks."""
    if settings.PRODUCTION:
        raise DemoRefused(REFUSED_IN_PRODUCTION)
    rng = random.Random(20261129)  # fixed: the same district every time
    district, _ = District.objects.get_or_create(
        slug="demo-unified",
        defaults={"name": "Demo Unified School District", "sourced_id": "demo-district"},
    )
    schools = {}
    for slug, name, grades, size in SCHOOLS:
        school, _ = School.objects.get_or_create(
            slug=slug, defaults={"district": district, "name": name, "sourced_id": f"demo-{slug}"}
        )
        schools[slug] = school
        _load_school(rng, school, grades, size)
    _load_users(district, schools)
    from haven.tips import demo as tips_demo  # last: the demo tips are answered by the users

    tips = tips_demo.load(district)
    from haven.cases import demo as cases_demo  # after the users: they are the cases' teams

    cases_demo.load()
    from haven.visitors import demo as visitors_demo  # after the users: the front desk checks in

    visitors_demo.load(district)
    from haven.volunteers import demo as volunteers_demo  # after visitors: volunteers check in

    volunteers_demo.load(district)
    from haven.emergencies import demo as emergencies_demo  # after the roster and the users

    emergencies_demo.load(district)
    from haven.training import demo as training_demo  # after the users: they are the learners

    training_demo.load(district)
    return {
        "schools": School.objects.filter(district=district).count(),
        "students": Student.objects.filter(school__district=district).count(),
        "guardians": Guardian.objects.filter(students__school__district=district)
        .distinct()
        .count(),
        "sections": Section.objects.filter(school__district=district).count(),
        "users": User.objects.filter(is_demo=True).count(),
        "tips": tips,
    }


def _load_school(rng: random.Random, school: School, grades: list[str], size: int) -> None:
    students = []
    for n in range(size):
        grade = grades[n % len(grades)]
        age = int(grade) + 5
        born = date(2026 - age, 9, 1) - timedelta(days=rng.randrange(365))
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        student, _ = Student.objects.get_or_create(
            sourced_id=f"demo-{school.slug}-s{n:04d}",
            defaults={
                "school": school,
                "given_name": given,
                "family_name": family,
                "grade": grade,
                "birth_date": born,
                "student_number": f"{school.pk}{n:05d}",
            },
        )
        students.append(student)
        _load_guardians(rng, school, n, student)
    teachers = []
    for t in range(len(SUBJECTS)):
        teacher, _ = Staff.objects.get_or_create(
            sourced_id=f"demo-{school.slug}-t{t:02d}",
            defaults={
                "given_name": rng.choice(ADULT_GIVEN),
                "family_name": rng.choice(FAMILY),
                "kind": Staff.Kind.TEACHER,
            },
        )
        teacher.schools.add(school)
        teachers.append(teacher)
    for t, subject in enumerate(SUBJECTS):
        section, _ = Section.objects.get_or_create(
            sourced_id=f"demo-{school.slug}-c{t:02d}",
            defaults={
                "school": school,
                "title": f"{subject} — period {t % 7 + 1}",
                "periods": str(t % 7 + 1),
                "location": f"Room {100 + t}",
            },
        )
        section.teachers.add(teachers[t])
        for student in students[t :: len(SUBJECTS)] + rng.sample(students, 8):
            Enrollment.objects.get_or_create(section=section, student=student)


def _load_guardians(rng: random.Random, school: School, n: int, student: Student) -> None:
    count = 1 if n % 3 == 0 else 2
    for g in range(count):
        guardian, _ = Guardian.objects.get_or_create(
            sourced_id=f"demo-{school.slug}-s{n:04d}-g{g}",
            defaults={
                "given_name": rng.choice(ADULT_GIVEN),
                "family_name": student.family_name if g == 0 or n % 4 else rng.choice(FAMILY),
                "phone": f"555-01{n % 100:02d}",
                "email": f"guardian{n}-{g}@example.org",
            },
        )
        # Every 17th family has a second adult who may not collect the child; every 41st a court
        # order restricting one adult's access.
        restricted = g == 1 and n % 41 == 0
        GuardianLink.objects.get_or_create(
            student=student,
            guardian=guardian,
            defaults={
                "relationship": GuardianLink.Relationship.PARENT
                if g == 0
                else GuardianLink.Relationship.RELATIVE,
                "can_pick_up": not (g == 1 and (n % 17 == 0 or restricted)),
                "custody_restriction": restricted,
                "custody_note": "Protective order on file: do not release to this adult."
                if restricted
                else "",
            },
        )


def _load_users(district: District, schools: dict[str, School]) -> None:
    for username, (role, slug, name) in USERS.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            given, _, family = name.rpartition(" ")
            user = User(
                username=username,
                display_name=name,
                first_name=given,
                last_name=family,
                email=f"{username}@demo.haven.invalid",
                is_demo=True,
            )
            user.set_password(PASSWORD)
            user.save()
        RoleAssignment.objects.get_or_create(
            user=user,
            role=role,
            school=schools[slug] if slug else None,
            defaults={"district": district},
        )
        if role == Role.STAFF and slug:
            staff, _ = Staff.objects.get_or_create(
                sourced_id=f"demo-user-{username}",
                defaults={
                    "given_name": name.split()[0],
                    "family_name": name.split()[-1],
                    "user": user,
                },
            )
            staff.schools.add(schools[slug])
            first = Section.objects.filter(school=schools[slug]).order_by("sourced_id").first()
            if first is not None:
                first.teachers.add(staff)
