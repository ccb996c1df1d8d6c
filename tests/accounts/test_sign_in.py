"""Signing in: password, then a TOTP code for roles that see sensitive records; lock-out; expiry."""

from __future__ import annotations

import time

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.audit.models import AuditEvent
from tests.conftest import PASSWORD


def sign_in(client: Client, username: str, password: str = PASSWORD, next_url: str = ""):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("accounts:login"), data)


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_counselor_without_device_must_enrol_before_reaching_any_page(counselor):
    client = Client()
    response = sign_in(client, "counselor")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:enroll"))
    # Every staff page sends them back to enrolment until they confirm a code.
    assert client.get(reverse("core:students"))["Location"] == reverse("accounts:enroll")
    assert client.get("/api/v1/me").status_code == 401


def test_enrolment_confirms_a_device_and_opens_the_app(counselor):
    from haven.accounts import services

    client = Client()
    sign_in(client, "counselor")
    code = services.issue_enrolment_code(counselor).code
    client.post(reverse("accounts:enroll"), {"enrolment_code": code})
    page = client.get(reverse("accounts:enroll"))
    assert b"<svg" in page.content  # the QR code is drawn inline, not fetched
    device = TOTPDevice.objects.get(user=counselor, confirmed=False)
    response = client.post(reverse("accounts:enroll"), {"code": current_code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(actor=counselor, action="second_factor_enrolled").exists()


def test_enrolled_user_must_give_a_valid_code(counselor):
    device = TOTPDevice.objects.create(user=counselor, name="phone", confirmed=True)
    client = Client()
    with time_machine.travel(time.time(), tick=False) as clock:
        response = sign_in(client, "counselor")
        assert response["Location"].startswith(reverse("accounts:verify"))
        wrong_code = "000000" if current_code(device) != "000000" else "111111"
        wrong = client.post(reverse("accounts:verify"), {"code": wrong_code})
        assert wrong.status_code == 200
        assert "not right" in wrong.content.decode()
        assert client.get(reverse("home")).status_code == 302
        # django-otp slows guessing down after a failure; a real user retries a moment later.
        clock.shift(5)
        ok = client.post(reverse("accounts:verify"), {"code": current_code(device)})
    assert ok.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_guessing_codes_is_throttled(counselor):
    device = TOTPDevice.objects.create(user=counselor, name="phone", confirmed=True)
    client = Client()
    with time_machine.travel(time.time(), tick=False):
        sign_in(client, "counselor")
        good = current_code(device)
        wrong_code = "000000" if good != "000000" else "111111"
        client.post(reverse("accounts:verify"), {"code": wrong_code})
        # Right away, even the right code is refused until the back-off has passed.
        response = client.post(reverse("accounts:verify"), {"code": good})
    assert response.status_code == 200
    assert client.get(reverse("home")).status_code == 302


def test_malformed_code_is_a_form_error_not_a_crash(counselor):
    TOTPDevice.objects.create(user=counselor, name="phone", confirmed=True)
    client = Client()
    sign_in(client, "counselor")
    response = client.post(reverse("accounts:verify"), {"code": "12ab<script>"})
    assert response.status_code == 200
    assert "Enter the 6 digits" in response.content.decode()


def test_teacher_signs_in_without_a_second_factor(teacher):
    client = Client()
    response = sign_in(client, "teacher")
    assert response["Location"] == "/"
    assert client.get(reverse("home")).status_code == 200


def test_demo_users_skip_the_second_factor_only_when_configured(settings, counselor):
    counselor.is_demo = True
    counselor.save()
    settings.HAVEN_DEMO_SKIP_2FA = True
    client = Client()
    assert sign_in(client, "counselor")["Location"] == "/"
    settings.HAVEN_DEMO_SKIP_2FA = False
    other = Client()
    assert sign_in(other, "counselor")["Location"].startswith(reverse("accounts:enroll"))


def test_wrong_password_says_so_without_revealing_which_part(counselor):
    response = sign_in(Client(), "counselor", "wrong-password")
    assert response.status_code == 200
    assert "do not match" in response.content.decode()
    unknown = sign_in(Client(), "no-such-user", "wrong-password")
    assert "do not match" in unknown.content.decode()
    failures = AuditEvent.objects.filter(action="sign_in_failed").order_by("seq")
    assert [e.detail["matched"] for e in failures] == [True, False]


def test_account_locks_after_repeated_failures_even_with_the_right_password(settings, teacher):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        sign_in(Client(), "teacher", "wrong-password")
    response = sign_in(Client(), "teacher")
    assert response.status_code == 403
    assert "Too many failed sign-ins" in response.content.decode()
    assert AuditEvent.objects.filter(action="locked_out", object_id=str(teacher.pk)).exists()


def test_other_accounts_are_not_locked_by_someone_elses_failures(settings, teacher, frontdesk):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        sign_in(Client(), "teacher", "wrong-password")
    assert sign_in(Client(), "frontdesk").status_code == 302


def test_idle_session_expires(settings, teacher):
    settings.HAVEN_SESSION_IDLE_MINUTES = 30
    client = Client()
    with time_machine.travel(time.time(), tick=False) as clock:
        sign_in(client, "teacher")
        assert client.get(reverse("home")).status_code == 200
        clock.shift(31 * 60)
        response = client.get(reverse("home"))
    assert response.status_code == 302
    assert "expired=1" in response["Location"]


def test_sign_out_needs_post_and_ends_the_session(teacher):
    client = Client()
    sign_in(client, "teacher")
    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("home")).status_code == 302


def test_next_parameter_cannot_redirect_off_site(teacher):
    response = sign_in(Client(), "teacher", next_url="https://evil.example/")
    assert response["Location"] == "/"


def test_tampered_session_cookie_is_treated_as_signed_out(teacher):
    client = Client()
    sign_in(client, "teacher")
    client.cookies["sessionid"] = client.cookies["sessionid"].value[:-4] + "abcd"
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("lang,word", [("es", "Iniciar"), ("en", "Sign in")])
def test_sign_in_page_speaks_the_browsers_language(db, lang, word):
    response = Client().get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE=lang)
    assert word in response.content.decode()
