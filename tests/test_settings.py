"""Production refuses to start without its secrets; the development defaults need nothing."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SETUP = "import django; django.setup(); print('started')"


def _start(tmp_path, **env: str) -> subprocess.CompletedProcess:
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HAVEN_", "DATABASE_URL", "REDIS_URL"))
    }
    environment.pop("SECRET_KEY", None)
    environment.update(
        {"DJANGO_SETTINGS_MODULE": "haven.settings", "HAVEN_DATA_DIR": str(tmp_path), **env}
    )
    return subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", SETUP],
        env=environment,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )


GOOD = {
    "HAVEN_ENV": "production",
    "SECRET_KEY": "s" * 50,
    "HAVEN_ENCRYPTION_KEYS": "k7XWm0bXv3Jr2y9Q3cN4m5eY8o1P2qR6sT0uV9wX1yA=",
    "HAVEN_AUDIT_KEY": "a" * 40,
    "HAVEN_PEPPERS": "p" * 40,
    "ALLOWED_HOSTS": "haven.example.org",
}


def test_development_starts_with_no_configuration(tmp_path):
    result = _start(tmp_path)
    assert result.stdout.strip() == "started", result.stderr


def test_production_starts_with_its_secrets(tmp_path):
    result = _start(tmp_path, **GOOD)
    assert result.stdout.strip() == "started", result.stderr


@pytest.mark.parametrize(
    "missing,message",
    [
        ("SECRET_KEY", "SECRET_KEY"),
        ("HAVEN_ENCRYPTION_KEYS", "HAVEN_ENCRYPTION_KEYS"),
        ("HAVEN_AUDIT_KEY", "HAVEN_AUDIT_KEY"),
        ("HAVEN_PEPPERS", "HAVEN_PEPPERS"),
    ],
)
def test_production_refuses_to_start_without_a_secret(tmp_path, missing, message):
    env = {k: v for k, v in GOOD.items() if k != missing}
    result = _start(tmp_path, **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_malformed_boolean_is_a_clear_error(tmp_path):
    result = _start(tmp_path, DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_secret_can_come_from_a_file(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("f" * 50)
    env = {k: v for k, v in GOOD.items() if k != "SECRET_KEY"}
    result = _start(tmp_path, SECRET_KEY_FILE=str(secret_file), **env)
    assert result.stdout.strip() == "started", result.stderr


def test_production_refuses_a_short_pepper(tmp_path):
    result = _start(tmp_path, **{**GOOD, "HAVEN_PEPPERS": f"{'n' * 40},short"})
    assert result.returncode != 0
    assert "HAVEN_PEPPERS (at least 32 random characters each" in result.stderr


def test_the_audit_key_is_never_also_a_pepper(tmp_path):
    result = _start(tmp_path, **{**GOOD, "HAVEN_PEPPERS": f"{'n' * 40},{GOOD['HAVEN_AUDIT_KEY']}"})
    assert result.returncode != 0
    assert "HAVEN_PEPPERS must not contain HAVEN_AUDIT_KEY" in result.stderr


def test_peppers_can_come_from_a_file(tmp_path):
    peppers = tmp_path / "peppers"
    peppers.write_text(f"{'n' * 40},{'o' * 40}\n")
    env = {k: v for k, v in GOOD.items() if k != "HAVEN_PEPPERS"}
    result = _start(tmp_path, HAVEN_PEPPERS_FILE=str(peppers), **env)
    assert result.stdout.strip() == "started", result.stderr
