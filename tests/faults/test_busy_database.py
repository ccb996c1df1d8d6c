"""A database that is busy, locked, full or gone: a token's last use is written at most once a
minute and never fails a request, and an OperationalError anywhere on the incident API or
sign-in is a 503 that says so, never a 500."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta

import pytest
import time_machine
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from haven.accounts.models import ApiToken
from haven.emergencies.alerts import services
from haven.emergencies.models import Incident
from haven.notify import tasks as notify_tasks
from tests.conftest import PASSWORD, signed_in


def _bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def _token_writes(queries: CaptureQueriesContext) -> int:
    return sum(
        'UPDATE "accounts_apitoken"' in q["sql"] and "last_used_at" in q["sql"]
        for q in queries.captured_queries
    )


def test_a_tokens_last_use_is_written_at_most_once_a_minute(teacher, northside):
    token, secret = ApiToken.issue(teacher)
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert client.get("/api/v1/incidents", **_bearer(secret)).status_code == 200
    assert _token_writes(queries) == 1
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/incidents", **_bearer(secret)).status_code == 200
        assert _token_writes(queries) == 1
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first


def test_a_locked_database_does_not_fail_a_token_request(teacher, northside, monkeypatch, caplog):
    _, secret = ApiToken.issue(teacher)

    def locked(self, **kwargs):  # type: ignore[no-untyped-def]
        if "last_used_at" in kwargs:
            raise OperationalError("database is locked")
        return original(self, **kwargs)

    from django.db.models import QuerySet

    original = QuerySet.update
    monkeypatch.setattr(QuerySet, "update", locked)
    response = Client().post(
        "/api/v1/incidents",
        json.dumps({"school": "northside-high", "protocol": "lockdown"}),
        content_type="application/json",
        **_bearer(secret),
    )
    assert response.status_code == 201, response.content
    assert Incident.objects.filter(protocol="lockdown").exists()
    assert "could not record the use of API token" in caplog.text


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a real row lock: PostgreSQL")
def test_a_token_row_locked_by_another_connection_does_not_hold_the_request(
    transactional_db, teacher, northside
):
    import psycopg

    token, secret = ApiToken.issue(teacher)
    params = connection.get_connection_params()
    other = psycopg.connect(**{k: v for k, v in params.items() if k != "cursor_factory"})
    try:
        other.execute("SELECT 1 FROM accounts_apitoken WHERE id = %s FOR UPDATE", [token.pk])
        response = Client().get("/api/v1/incidents", **_bearer(secret))
        assert response.status_code == 200
        assert ApiToken.objects.get(pk=token.pk).last_used_at is None  # skipped, not waited for
    finally:
        other.rollback()
        other.close()


@pytest.mark.parametrize(
    "error",
    [
        sqlite3.OperationalError("database or disk is full"),
        OperationalError("database is locked"),
        OperationalError("server closed the connection unexpectedly"),
    ],
    ids=["raw-sqlite-disk-full", "locked", "connection-lost"],
)
def test_an_unavailable_database_on_the_incident_api_is_a_clear_503(
    principal, northside, monkeypatch, error
):
    def fails(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise error

    monkeypatch.setattr(services, "raise_incident", fails)
    response = signed_in(principal).post(
        "/api/v1/incidents",
        json.dumps({"school": "northside-high", "protocol": "lockdown"}),
        content_type="application/json",
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Nothing was changed" in response.json()["detail"]


def test_a_queue_on_a_full_disk_does_not_fail_a_raise(principal, northside, monkeypatch):
    """The raw sqlite3 error of Huey's SQLite queue, raised after the commit, reaches no one:
    the incident is stored and answered 201, and its notifications wait for the sweep."""

    def full(ids):  # type: ignore[no-untyped-def]
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(notify_tasks, "deliver_outbox", full)
    response = signed_in(principal).post(
        "/api/v1/incidents",
        json.dumps({"school": "northside-high", "protocol": "lockdown"}),
        content_type="application/json",
    )
    assert response.status_code == 201


def test_sign_in_with_the_database_locked_is_a_503(teacher, monkeypatch):
    def locked(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("database is locked")

    monkeypatch.setattr("haven.accounts.views.authenticate", locked)
    response = Client().post("/accounts/sign-in/", {"username": "teacher", "password": PASSWORD})
    assert response.status_code == 503
    assert "try again in a minute" in response.content.decode()


def test_an_error_raised_in_a_middleware_is_a_503_too(teacher, monkeypatch):
    """Saving the session happens in a middleware, after the view: a full disk there too."""

    def full(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("database or disk is full")

    client = signed_in(teacher)
    client.raise_request_exception = False
    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.save", full)
    monkeypatch.setattr("django.contrib.sessions.backends.cached_db.SessionStore.save", full)
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/"})
    assert response.status_code == 503
    assert "try again in a minute" in response.content.decode()
