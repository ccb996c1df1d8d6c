"""Shared fixtures: a small district with named people, so that a test reads like a story.

northside-high: principal, counselor, sro, teacher, frontdesk, coordinator, team member
riverside-middle: outsider (a counsellor there), principal2
district-wide: admin (district_admin), auditor
"""

from __future__ import annotations

import os
from datetime import date

import pytest
from django.test import Client
from hypothesis import HealthCheck, settings

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

PASSWORD = "correct horse battery"

# Property tests judge what a function does, never how fast the machine is: CI machines are shared
# and noisy, so Hypothesis's timing checks (a deadline per example, "data generation too slow")
# would fail tests that are right.
settings.register_profile("haven", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("haven")


@pytest.fixture(autouse=True)
def _isolated_data_dir(settings, tmp_path):
    """Each test gets its own data directory (dev encryption keys, files)."""
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(settings.DATA_DIR / "files")},
        },
    }
    settings.AUDIT_KEY = "test-audit-key-0123456789abcdef0123456789"
    settings.HAVEN_DEMO_SKIP_2FA = False
    # Production hashes with scrypt; tests need not spend a tenth of a second per sign-in.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.core.cache import cache

    cache.clear()  # Redis in the PostgreSQL run: no throttle or lock-out leaks between tests


@pytest.fixture
def district(db):
    return District.objects.create(name="Test District", slug="test-district")


@pytest.fixture
def northside(district):
    return School.objects.create(
        district=district, name="Northside High School", slug="northside-high"
    )


@pytest.fixture
def riverside(district):
    return School.objects.create(
        district=district, name="Riverside Middle School", slug="riverside-middle"
    )


def make_user(username: str, role: str | None, school: School | None, district: District) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, email=f"{username}@example.org"
    )
    if role:
        RoleAssignment.objects.create(user=user, role=role, school=school, district=district)
    return user


@pytest.fixture
def people(district, northside, riverside):
    """Every named person, by name."""
    cast = {
        "principal": (Role.SCHOOL_ADMIN, northside),
        "counselor": (Role.COUNSELOR, northside),
        "sro": (Role.SRO, northside),
        "teacher": (Role.STAFF, northside),
        "frontdesk": (Role.FRONT_DESK, northside),
        "coordinator": (Role.VOLUNTEER_COORDINATOR, northside),
        "team_member": (Role.SAFETY_TEAM, northside),
        "outsider": (Role.COUNSELOR, riverside),
        "principal2": (Role.SCHOOL_ADMIN, riverside),
        "admin": (Role.DISTRICT_ADMIN, None),
        "auditor": (Role.AUDITOR, None),
        "nobody": (None, None),
    }
    return {name: make_user(name, role, school, district) for name, (role, school) in cast.items()}


@pytest.fixture
def counselor(people):
    return people["counselor"]


@pytest.fixture
def sro(people):
    return people["sro"]


@pytest.fixture
def principal(people):
    return people["principal"]


@pytest.fixture
def teacher(people):
    return people["teacher"]


@pytest.fixture
def frontdesk(people):
    return people["frontdesk"]


@pytest.fixture
def auditor(people):
    return people["auditor"]


@pytest.fixture
def outsider(people):
    return people["outsider"]


@pytest.fixture
def roster(northside, riverside, teacher):
    """A few students with guardians and two classes (one per school)."""
    maya = Student.objects.create(
        school=northside,
        given_name="Maya",
        family_name="Lopez",
        grade="10",
        sourced_id="stu-maya",
        birth_date=date(2010, 3, 4),
    )
    eli = Student.objects.create(
        school=northside, given_name="Eli", family_name="Brooks", grade="11", sourced_id="stu-eli"
    )
    sam = Student.objects.create(
        school=riverside, given_name="Sam", family_name="Reyes", grade="7", sourced_id="stu-sam"
    )
    mother = Guardian.objects.create(given_name="Rosa", family_name="Lopez", sourced_id="g-rosa")
    father = Guardian.objects.create(given_name="Carl", family_name="Lopez", sourced_id="g-carl")
    GuardianLink.objects.create(student=maya, guardian=mother, relationship="parent")
    GuardianLink.objects.create(
        student=maya,
        guardian=father,
        relationship="parent",
        can_pick_up=False,
        custody_restriction=True,
        custody_note="Protective order",
    )
    staff = Staff.objects.create(
        given_name="Hannah", family_name="Kim", user=teacher, sourced_id="t-kim"
    )
    staff.schools.add(northside)
    english = Section.objects.create(school=northside, title="English 10", sourced_id="sec-eng")
    english.teachers.add(staff)
    Enrollment.objects.create(section=english, student=maya)
    Enrollment.objects.create(section=english, student=eli)
    science = Section.objects.create(school=riverside, title="Science 7", sourced_id="sec-sci")
    Enrollment.objects.create(section=science, student=sam)
    return {
        "maya": maya,
        "eli": eli,
        "sam": sam,
        "english": english,
        "science": science,
        "mother": mother,
        "father": father,
    }


def signed_in(user: User) -> Client:
    """A client signed in as ``user`` with the second factor already presented (unit tests of
    pages; the sign-in flow itself has its own tests)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="test", defaults={"confirmed": True}
    )
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def client_for():
    return signed_in


def pytest_configure(config):
    _one_redis_database_per_worker()


def _one_redis_database_per_worker() -> None:
    """Under pytest-xdist every worker flushes its Redis database before each test (see
    `_isolated_data_dir`); workers sharing one would clear each other's throttles and hear each
    other's alerts. Worker gwN uses the database N below the one REDIS_URL names. Django builds its
    cache and channel layer from these settings on first use, after this hook."""
    from urllib.parse import urlsplit

    from django.conf import settings

    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not (worker and settings.REDIS_URL):
        return
    parts = urlsplit(settings.REDIS_URL)
    database = int(parts.path.strip("/") or 0) - int(worker.removeprefix("gw"))
    if database < 0:
        raise pytest.UsageError("REDIS_URL's database number is too low for this many workers")
    url = parts._replace(path=f"/{database}").geturl()
    settings.REDIS_URL = url
    settings.CACHES["default"]["LOCATION"] = url
    settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]["address"] = url
    settings.HUEY["url"] = url


def pytest_report_header(config):
    url = os.environ.get("DATABASE_URL", "")
    return f"haven database: {'PostgreSQL' if url.startswith('postgres') else 'SQLite'}"


def pytest_collection_modifyitems(config, items):
    """Browser tests run last: Playwright's sync API keeps an event loop running in the main thread
    for the rest of the session, and the Channels tests (async_to_sync) cannot run beside it.
    (pytest-xdist hands each worker its tests in this order.) Every one of them is marked `e2e`,
    so that `-m "not e2e"` leaves them all out."""
    for item in items:
        if item.nodeid.startswith("tests/e2e/"):
            item.add_marker(pytest.mark.e2e)
    items.sort(key=lambda item: item.nodeid.startswith("tests/e2e/"))


def cache_text() -> str:
    """The cache's keys and values, from the in-memory cache or Redis (the throttles' counters
    and their key live there), for tests that prove nothing about a caller is kept."""
    from django.core.cache import cache

    store = getattr(cache, "_cache", None)
    if isinstance(store, dict):  # the in-memory cache
        return "\n".join(f"{key} {value!r}" for key, value in store.items())
    client = cache._cache.get_client()  # Redis
    return "\n".join(
        f"{key!r} {client.get(key)!r}"
        for key in client.scan_iter("*")
        if client.type(key) == b"string"
    )
