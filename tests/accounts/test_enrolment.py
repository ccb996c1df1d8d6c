"""Setting up the second factor: a password alone is not enough (a one-time enrolment code from a
district administrator is), the authenticator's secret is fresh per enrolment and bound to the
session that shows it, and administrators reset a lost device — all audited."""

from __future__ import annotations

import io
import re
import time
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.accounts import services
from haven.accounts.models import EnrolmentCode
from haven.audit.models import AuditEvent
from tests.accounts.test_sign_in import current_code, sign_in
from tests.conftest import signed_in

ENROL = "/accounts/sign-in/set-up/"


def _secret(page) -> str:
    match = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page.content.decode())
    assert match, "the page shows no secret"
    return match.group(1)


def _pending(user) -> TOTPDevice:
    return TOTPDevice.objects.get(user=user, confirmed=False)


def _enrolling(user, code: str) -> Client:
    client = Client()
    sign_in(client, user.username)
    response = client.post(ENROL, {"enrolment_code": code})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def test_a_password_alone_cannot_enrol_a_second_factor(counselor):
    client = Client()
    assert sign_in(client, "counselor")["Location"].startswith(ENROL)
    page = client.get(ENROL).content.decode()
    assert "enrolment code" in page.lower()
    assert "totp-secret" not in page
    # No secret was made for this session, and a posted TOTP code confirms nothing.
    assert not TOTPDevice.objects.filter(user=counselor).exists()
    client.post(ENROL, {"code": "123456"})
    assert not TOTPDevice.objects.filter(user=counselor).exists()
    wrong = client.post(ENROL, {"enrolment_code": "AAAA-BBBB-CCCC"})
    assert wrong.status_code == 400
    assert "not right, has expired or was already used" in wrong.content.decode()
    assert AuditEvent.objects.filter(action="enrol_code_refused", actor=counselor).exists()
    assert client.get(reverse("core:students"))["Location"] == ENROL


def test_an_enrolment_code_opens_set_up_once(counselor):
    issued = services.issue_enrolment_code(counselor)
    client = _enrolling(counselor, issued.code.lower().replace("-", " "))  # typing is forgiving
    page = client.get(ENROL)
    assert b"<svg" in page.content
    device = _pending(counselor)
    response = client.post(ENROL, {"code": current_code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("home")).status_code == 200
    event = AuditEvent.objects.get(action="second_factor_enrolled", actor=counselor)
    code = EnrolmentCode.objects.get(user=counselor)
    assert code.used_at is not None and event.detail == {"code": code.pk}
    # Spent: after a reset it is not accepted again (only the new code is).
    TOTPDevice.objects.filter(user=counselor).delete()
    again = Client()
    sign_in(again, "counselor")
    assert again.post(ENROL, {"enrolment_code": issued.code}).status_code == 400


def test_each_enrolment_has_its_own_secret_bound_to_its_session(counselor):
    issued = services.issue_enrolment_code(counselor)
    first = _enrolling(counselor, issued.code)
    first_secret = _secret(first.get(ENROL))
    assert _secret(first.get(ENROL)) == first_secret  # a reload keeps it: the person is scanning
    first_device = _pending(counselor)
    second = _enrolling(counselor, issued.code)  # the same person, another browser
    second_secret = _secret(second.get(ENROL))
    assert second_secret != first_secret
    # The secret shown to the first session can no longer be confirmed, from anywhere.
    assert not TOTPDevice.objects.filter(pk=first_device.pk).exists()
    refused = first.post(ENROL, {"code": current_code(first_device)})
    assert refused.status_code == 302 and refused["Location"].startswith(ENROL)
    assert not TOTPDevice.objects.filter(user=counselor, confirmed=True).exists()
    second.post(ENROL, {"code": current_code(_pending(counselor))})
    device = TOTPDevice.objects.get(user=counselor)
    assert device.confirmed and device.key != first_device.key


def test_a_secret_made_for_one_user_is_never_shown_again_after_enrolment(counselor):
    """The old flaw: the unconfirmed device (and its secret) was the same in every session."""
    issued = services.issue_enrolment_code(counselor)
    client = _enrolling(counselor, issued.code)
    seen = _secret(client.get(ENROL))
    later = services.issue_enrolment_code(counselor)  # say the person gets a new code
    other = _enrolling(counselor, later.code)
    assert _secret(other.get(ENROL)) != seen


def test_an_enrolment_code_expires_and_a_newer_one_replaces_it(settings, counselor):
    settings.HAVEN_ENROL_CODE_HOURS = 2
    with time_machine.travel(time.time(), tick=False) as clock:
        old = services.issue_enrolment_code(counselor)
        new = services.issue_enrolment_code(counselor)
        client = Client()
        sign_in(client, "counselor")
        assert client.post(ENROL, {"enrolment_code": old.code}).status_code == 400
        clock.shift(timedelta(hours=2, minutes=1))
        client = Client()
        sign_in(client, "counselor")
        assert client.post(ENROL, {"enrolment_code": new.code}).status_code == 400


def test_a_code_that_expires_between_the_steps_does_not_confirm(settings, counselor):
    settings.HAVEN_ENROL_CODE_HOURS = 1
    settings.HAVEN_SESSION_IDLE_MINUTES = 120
    with time_machine.travel(time.time(), tick=False) as clock:
        client = _enrolling(counselor, services.issue_enrolment_code(counselor).code)
        client.get(ENROL)
        device = _pending(counselor)
        clock.shift(timedelta(hours=1, minutes=1))
        response = client.post(ENROL, {"code": current_code(device)})
    assert not TOTPDevice.objects.filter(user=counselor, confirmed=True).exists()
    assert response.status_code == 200
    assert "no longer valid" in response.content.decode()
    assert "totp-secret" not in response.content.decode()


def test_staff_whose_role_needs_no_second_factor_may_add_one_without_a_code(teacher):
    client = Client()
    sign_in(client, "teacher")
    page = client.get(ENROL)
    assert b"totp-secret" in page.content
    client.post(ENROL, {"code": current_code(_pending(teacher))})
    assert TOTPDevice.objects.get(user=teacher).confirmed


# --- the district administrator's page ------------------------------------------------------------


def test_district_admin_issues_a_code_that_the_person_then_uses(people):
    admin, counselor = people["admin"], people["counselor"]
    listing = signed_in(admin).get(reverse("accounts:people")).content.decode()
    assert 'data-testid="person-counselor"' in listing and "Not set up" in listing
    page = signed_in(admin).post(reverse("accounts:enrol_code", args=[counselor.pk]))
    code = re.search(r'data-testid="enrolment-code">([0-9A-Z-]+)<', page.content.decode())[1]
    event = AuditEvent.objects.get(action="enrol_code_issued")
    assert (event.actor, event.object_id) == (admin, str(counselor.pk))
    assert code not in str(event.detail)
    stored = EnrolmentCode.objects.get(user=counselor)
    assert code not in stored.digest and code.replace("-", "") not in stored.digest
    assert stored.issued_by == admin
    client = _enrolling(counselor, code)
    client.get(ENROL)
    client.post(ENROL, {"code": current_code(_pending(counselor))})
    assert TOTPDevice.objects.get(user=counselor).confirmed


def test_district_admin_resets_a_lost_device_and_the_person_must_enrol_again(people):
    admin, counselor = people["admin"], people["counselor"]
    lost_phone = signed_in(counselor)  # a session verified with the device now lost
    assert lost_phone.get(reverse("core:students")).status_code == 200
    page = signed_in(admin).post(reverse("accounts:reset_second_factor", args=[counselor.pk]))
    assert page.status_code == 200
    assert not TOTPDevice.objects.filter(user=counselor).exists()
    assert lost_phone.get(reverse("core:students"))["Location"] == ENROL
    event = AuditEvent.objects.get(action="second_factor_reset")
    assert (event.actor, event.object_id) == (admin, str(counselor.pk))
    assert event.detail == {"devices": 1}
    code = re.search(r'data-testid="enrolment-code">([0-9A-Z-]+)<', page.content.decode())[1]
    _enrolling(counselor, code)


@pytest.mark.parametrize("who", ["principal", "counselor", "auditor", "outsider"])
def test_only_district_admins_see_the_people_page(people, who):
    client = signed_in(people[who])
    assert client.get(reverse("accounts:people")).status_code == 404
    target = people["teacher"]
    assert client.post(reverse("accounts:enrol_code", args=[target.pk])).status_code == 404
    assert not EnrolmentCode.objects.exists()


def test_an_administrator_cannot_reissue_their_own_second_factor(people):
    admin = people["admin"]
    client = signed_in(admin)
    assert client.post(reverse("accounts:reset_second_factor", args=[admin.pk])).status_code == 403
    assert client.post(reverse("accounts:enrol_code", args=[admin.pk])).status_code == 403
    assert TOTPDevice.objects.filter(user=admin).exists()


def test_an_administrator_of_another_district_cannot_see_or_reset_anyone_here(people):
    from haven.accounts.models import Role, RoleAssignment, User
    from haven.core.models import District

    elsewhere = District.objects.create(name="Far Away", slug="far-away")
    far_admin = User.objects.create_user(username="far-admin", password="x" * 12)
    RoleAssignment.objects.create(user=far_admin, role=Role.DISTRICT_ADMIN, district=elsewhere)
    client = signed_in(far_admin)
    listing = client.get(reverse("accounts:people")).content.decode()
    assert "counselor" not in listing
    counselor = people["counselor"]
    assert client.post(reverse("accounts:enrol_code", args=[counselor.pk])).status_code == 404


def test_the_people_page_needs_a_verified_second_factor(people):
    client = Client()
    sign_in(client, "admin")
    assert client.get(reverse("accounts:people"))["Location"] == ENROL


# --- the command line -----------------------------------------------------------------------------


def test_enrol_code_command_prints_a_working_code(counselor):
    out, err = io.StringIO(), io.StringIO()
    call_command("enrol_code", "counselor", stdout=out, stderr=err)
    code = out.getvalue().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code)
    assert "One use, until" in err.getvalue()
    _enrolling(counselor, code)
    event = AuditEvent.objects.get(action="enrol_code_issued")
    assert event.actor is None and event.actor_label == "system"


def test_enrol_code_command_resets_a_lost_device(counselor):
    TOTPDevice.objects.create(user=counselor, name="lost", confirmed=True)
    call_command("enrol_code", "counselor", "--reset", stdout=io.StringIO(), stderr=io.StringIO())
    assert not TOTPDevice.objects.filter(user=counselor).exists()
    assert AuditEvent.objects.filter(action="second_factor_reset", actor=None).exists()


def test_enrol_code_command_names_an_unknown_user(db):
    with pytest.raises(CommandError, match="no user named 'ghost'"):
        call_command("enrol_code", "ghost", stdout=io.StringIO())


def test_codes_are_stored_only_as_a_keyed_hash(counselor):
    issued = services.issue_enrolment_code(counselor)
    row = EnrolmentCode.objects.values().get()
    raw = issued.code.replace("-", "")
    assert all(raw not in str(value) and issued.code not in str(value) for value in row.values())
    assert row["expires_at"] > timezone.now()


def test_the_enrolment_code_step_speaks_spanish(counselor):
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    sign_in(client, "counselor")
    page = client.get(ENROL).content.decode()
    assert "Código de alta" in page and "la contraseña sola no basta" in page


def test_the_people_page_reads_a_fixed_number_of_queries(people, northside):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from haven.accounts.models import Role, RoleAssignment, User

    def count() -> int:
        client = signed_in(people["admin"])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("accounts:people")).status_code == 200
        return len(queries)

    few = count()
    for n in range(20):
        user = User.objects.create_user(username=f"staff{n}", password="x" * 12)
        RoleAssignment.objects.create(
            user=user, role=Role.STAFF, school=northside, district=northside.district
        )
    assert count() == few
