"""``haven createadmin``: production's first administrator (the demo never loads there). The
password is typed twice at a prompt; the enrolment code for the second factor is printed."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from haven.accounts.models import Role, RoleAssignment, User
from haven.audit.models import AuditEvent
from haven.core.models import District
from tests.accounts.test_sign_in import current_code

GOOD = "a long and unusual passphrase 7"


def _typed(monkeypatch, *answers: str) -> list[str]:
    prompts: list[str] = []
    replies = iter(answers)

    def getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return next(replies)

    monkeypatch.setattr("getpass.getpass", getpass)
    return prompts


def test_createadmin_makes_a_district_admin_who_enrols_with_the_printed_code(
    settings, monkeypatch, db
):
    settings.PRODUCTION = True  # what it is for; nothing in it depends on the demo
    district = District.objects.create(name="Springfield Public Schools", slug="springfield")
    prompts = _typed(monkeypatch, GOOD, GOOD)
    out = StringIO()
    call_command("createadmin", "dana", "--email", "dana@example.org", stdout=out)
    assert prompts == ["Password: ", "Password (again): "]
    user = User.objects.get(username="dana")
    assert user.check_password(GOOD) and user.is_superuser and user.is_staff
    assignment = RoleAssignment.objects.get(user=user)
    assert (assignment.role, assignment.district, assignment.school) == (
        Role.DISTRICT_ADMIN,
        district,
        None,
    )
    assert AuditEvent.objects.filter(action="create", object_id=str(user.pk)).exists()
    printed = out.getvalue()
    assert GOOD not in printed
    code = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", printed)[0]
    # The way in: password, then the printed code, then the authenticator.
    client = Client()
    client.post("/accounts/sign-in/", {"username": "dana", "password": GOOD})
    assert client.post("/accounts/sign-in/set-up/", {"enrolment_code": code}).status_code == 302
    client.get("/accounts/sign-in/set-up/")
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user, confirmed=False)
    client.post("/accounts/sign-in/set-up/", {"code": current_code(device)})
    assert client.get("/accounts/people/").status_code == 200


def test_createadmin_refuses_passwords_that_differ(monkeypatch, db):
    District.objects.create(name="Springfield", slug="springfield")
    _typed(monkeypatch, GOOD, GOOD + "x")
    with pytest.raises(CommandError, match="the two passwords differ"):
        call_command("createadmin", "dana", stdout=StringIO())
    assert not User.objects.exists()


def test_createadmin_refuses_a_weak_password_with_the_reason(monkeypatch, db):
    District.objects.create(name="Springfield", slug="springfield")
    _typed(monkeypatch, "password", "password")
    with pytest.raises(CommandError, match=r"too common|too short"):
        call_command("createadmin", "dana", stdout=StringIO())
    assert not User.objects.exists()


def test_createadmin_makes_the_district_when_named(monkeypatch, db):
    _typed(monkeypatch, GOOD, GOOD)
    with pytest.raises(CommandError, match="name the district"):
        call_command("createadmin", "dana", stdout=StringIO())
    _typed(monkeypatch, GOOD, GOOD)
    call_command(
        "createadmin", "dana", "--district-name", "Springfield Public Schools", stdout=StringIO()
    )
    district = District.objects.get()
    assert (district.name, district.slug) == (
        "Springfield Public Schools",
        "springfield-public-schools",
    )
    assert RoleAssignment.objects.get().district == district


def test_createadmin_refuses_an_existing_username_or_unknown_district(monkeypatch, people):
    _typed(monkeypatch, GOOD, GOOD)
    with pytest.raises(CommandError, match="already exists"):
        call_command("createadmin", "admin", stdout=StringIO())
    _typed(monkeypatch, GOOD, GOOD)
    with pytest.raises(CommandError, match="no district with the slug 'nowhere'"):
        call_command("createadmin", "dana", "--district", "nowhere", stdout=StringIO())
    assert not User.objects.filter(username="dana").exists()
