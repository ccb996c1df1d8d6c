"""Signing in through a Redis outage: staff can still sign in (a lockdown is exactly when they
must), and the lock-out still counts — in this process's memory until Redis answers again."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from django.test import Client

from haven.accounts.lockout import LockoutHandler
from tests.accounts.test_sign_in import sign_in
from tests.faults.conftest import free_port


@pytest.fixture
def redis_gone(settings) -> Iterator[None]:
    """The cache on a loopback port where nothing listens: every call is refused."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    LockoutHandler.counts.reset()
    yield
    LockoutHandler.counts.reset()


def test_staff_sign_in_with_redis_unreachable(redis_gone, teacher, caplog):
    caplog.set_level(logging.WARNING)
    client = Client()
    response = sign_in(client, "teacher")
    assert response.status_code == 302, response.content[:300]
    assert client.get("/").status_code == 200
    assert any("sign-in lock-out counts" in r.getMessage() for r in caplog.records)


def test_the_lock_out_still_counts_with_redis_unreachable(redis_gone, settings, teacher):
    settings.AXES_FAILURE_LIMIT = 3
    assert sign_in(Client(), "teacher", "wrong-password").status_code == 200  # counted, not a 503
    for _ in range(2):
        sign_in(Client(), "teacher", "wrong-password")
    response = sign_in(Client(), "teacher")
    assert response.status_code == 403
    assert "Too many failed sign-ins" in response.content.decode()
