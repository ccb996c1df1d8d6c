"""The demo district: deterministic, idempotent, with the sign-ins the README promises."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from haven.accounts.models import RoleAssignment, User
from haven.core import demo
from haven.core.models import GuardianLink, School, Section, Student
from haven.home import demo as whole_demo


def _snapshot() -> list[tuple]:
    return sorted(Student.objects.values_list("sourced_id", "given_name", "family_name", "grade"))


def test_demo_is_idempotent_and_deterministic(db):
    first = whole_demo.load()
    snapshot = _snapshot()
    second = whole_demo.load()
    assert first == second
    assert _snapshot() == snapshot
    assert first["students"] >= 300


def test_demo_has_two_schools_and_every_sign_in(db):
    out = StringIO()
    call_command("demo", stdout=out)
    assert set(School.objects.values_list("slug", flat=True)) == {
        "northside-high",
        "riverside-middle",
    }
    roles = {
        (a.user.username, a.role, a.school.slug if a.school else None)
        for a in RoleAssignment.objects.select_related("user", "school")
    }
    for username, (role, slug, _name) in demo.USERS.items():
        assert (username, role, slug) in roles
    assert User.objects.get(username="counselor").check_password(demo.PASSWORD)
    assert "haven-demo" in out.getvalue()
    assert User.objects.filter(is_demo=True).count() == len(demo.USERS)


def test_demo_has_restricted_guardians(db):
    whole_demo.load()
    assert GuardianLink.objects.filter(can_pick_up=False, custody_restriction=False).exists()
    assert GuardianLink.objects.filter(custody_restriction=True, can_pick_up=False).exists()


def test_demo_teacher_has_a_class(db):
    whole_demo.load()
    assert Section.objects.filter(teachers__user__username="teacher").exists()


def test_demo_is_refused_in_production_with_the_way_forward(settings, db):
    import pytest
    from django.core.management.base import CommandError

    settings.PRODUCTION = True
    with pytest.raises(CommandError, match=r"never loads in production.*haven createadmin"):
        call_command("demo", stdout=StringIO())
    assert not School.objects.exists()
    assert not User.objects.exists()


def test_run_never_loads_the_demo_in_production(settings, db, monkeypatch, tmp_path):
    settings.PRODUCTION = True
    settings.STATIC_ROOT = tmp_path / "static"
    served: list[dict] = []
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: served.append(kwargs))
    out = StringIO()
    call_command("run", "--no-worker", stdout=out)
    assert served, "the server was not started"
    assert not School.objects.exists()
    assert not User.objects.exists()
    printed = out.getvalue()
    assert "haven createadmin" in printed
    assert demo.PASSWORD not in printed and "Demo sign-ins" not in printed
