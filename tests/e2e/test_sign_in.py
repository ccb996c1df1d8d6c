"""Signing in with a password and a second factor, switching school, signing out, languages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import (
    code_at,
    current_step,
    key_from_page,
    sign_in,
    sign_in_with_password,
)

pytestmark = pytest.mark.e2e


def sign_out(page) -> None:
    page.locator("details.account summary").click()
    page.get_by_role("button", name="Sign out").click()


def test_counsellor_enrols_an_authenticator_then_signs_in_with_its_codes(page, live_server, people):
    # First sign-in: the password is not enough for a counsellor; Haven asks to set up an app,
    # which needs the one-time code the district administrator gave them.
    from haven.accounts import services

    enrolment_code = services.issue_enrolment_code(people["counselor"]).code
    sign_in_with_password(page, "counselor", PASSWORD)
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/set-up/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-step sign-in")
    expect(page.locator(".qr svg")).to_have_count(0)
    page.get_by_label("Enrolment code").fill("WRONG-CODE-000")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".field-error")).to_contain_text("Ask your district administrator")
    page.get_by_label("Enrolment code").fill(enrolment_code)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".qr svg")).to_be_visible()
    key = key_from_page(page)
    step = current_step()
    page.get_by_label("6-digit code").fill(code_at(key, step))
    page.get_by_role("button", name="Confirm").click()

    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("status")).to_contain_text("Your authenticator is set up.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, counselor")

    sign_out(page)
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/$"))

    # Second sign-in: password, then the code the app shows now (the one used above is spent).
    sign_in_with_password(page, "counselor", PASSWORD)
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/code/"))
    page.get_by_label("6-digit code").fill(code_at(key, step + 1))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Students")

    sign_out(page)

    # A wrong code is refused with a message, and the pages stay shut.
    sign_in_with_password(page, "counselor", PASSWORD)
    valid = {code_at(key, s) for s in range(step - 2, step + 6)}
    wrong = next(c for c in ("000000", "123456", "999999", "246810") if c not in valid)
    page.get_by_label("6-digit code").fill(wrong)
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/code/"))
    expect(page.locator(".field-error")).to_contain_text("That code is not right")
    expect(page.get_by_label("6-digit code")).to_have_attribute("aria-invalid", "true")
    page.goto("/roster/students/")
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/code/"))


def test_district_admin_switches_school_without_javascript_help(page, people, riverside):
    sign_in(page, people["admin"], PASSWORD)
    switcher = page.get_by_label("School")
    expect(switcher).to_have_value("northside-high")
    expect(page.locator(".greeting")).to_contain_text("Northside High School")

    switcher.select_option(label=riverside.name)
    page.get_by_role("button", name="Switch").click()

    expect(page.get_by_label("School")).to_have_value("riverside-middle")
    expect(page.locator(".greeting")).to_contain_text("Riverside Middle School")
    page.goto("/roster/students/")
    expect(page.locator(".page-head")).to_contain_text("Riverside Middle School")


def test_a_member_of_one_school_sees_its_name_instead_of_a_switcher(page, people):
    sign_in(page, people["teacher"], PASSWORD)
    expect(page.get_by_test_id("school-name")).to_have_text("Northside High School")
    expect(page.locator("#school-switch")).to_have_count(0)


def test_signing_out_returns_to_sign_in_and_shuts_every_page(page, people):
    sign_in(page, people["principal"], PASSWORD)
    sign_out(page)
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Haven")
    for path in ("/", "/roster/students/", "/roster/classes/", "/notifications/", "/audit/"):
        page.goto(path)
        expect(page).to_have_url(re.compile(r"/accounts/sign-in/\?next=" + re.escape(path) + "$"))


def test_wrong_password_says_so_and_keeps_the_username(page, people):
    sign_in_with_password(page, "teacher", "not the password")
    expect(page.get_by_role("alert")).to_contain_text("That username and password do not match.")
    expect(page.get_by_label("Username")).to_have_value("teacher")


def test_sign_in_page_is_in_spanish_for_a_spanish_browser(new_context):
    page = new_context(locale="es-ES").new_page()
    page.goto("/accounts/sign-in/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inicia sesión en Haven")
    expect(page.get_by_label("Nombre de usuario")).to_be_visible()
    expect(page.get_by_role("button", name="Iniciar sesión")).to_be_visible()


def test_language_switcher_changes_the_language_of_the_pages(page, people):
    page.goto("/accounts/sign-in/")
    page.get_by_label("Language").select_option("es")
    page.get_by_role("button", name="Change").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inicia sesión en Haven")

    sign_in_with_password(page, "teacher", PASSWORD)  # a teacher needs no second factor
    nav = page.get_by_role("navigation", name="Principal")
    expect(nav).to_contain_text("Estudiantes")
    page.locator("details.account summary").click()
    page.get_by_label("Idioma").select_option("en")
    page.get_by_role("button", name="Cambiar").click()
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Students")
