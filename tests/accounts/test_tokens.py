"""API tokens: created on the command line, used as Bearer tokens, revoked, expired."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from haven.accounts.models import ApiToken
from haven.audit.models import AuditEvent


def create(username: str, *args: str) -> str:
    out = StringIO()
    call_command("token", "create", username, *args, stdout=out)
    return out.getvalue().strip()


def bearer(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_token_create_prints_a_token_that_opens_the_api(principal):
    token = create("principal")
    assert token.startswith("hvn_")
    response = bearer(token).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["username"] == "principal"
    assert response.json()["roles"] == [{"role": "school_admin", "school": "northside-high"}]


def test_only_a_digest_of_the_token_is_stored(principal):
    token = create("principal")
    stored = ApiToken.objects.get(user=principal)
    assert token not in (stored.digest, stored.hint)
    assert len(stored.digest) == 64


def test_token_creation_is_audited(principal):
    create("principal", "--name", "SIS sync")
    event = AuditEvent.objects.get(action="token_created")
    assert event.detail["user"] == principal.pk
    assert "hvn_" not in str(event.detail.get("token", ""))


def test_unknown_user_is_a_clear_command_error(db):
    with pytest.raises(CommandError, match="no user named 'ghost'"):
        create("ghost")


@pytest.mark.parametrize(
    "header",
    ["Bearer hvn_forged-token-value", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 5000],
)
def test_forged_or_malformed_tokens_get_401_json(db, header):
    response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/me")
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]


def test_expired_token_is_refused(principal):
    token = create("principal", "--days", "1")
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert bearer(token).get("/api/v1/me").status_code == 401


def test_revoked_token_is_refused(principal):
    token = create("principal")
    out = StringIO()
    call_command("token", "revoke", token[:8], stdout=out)
    assert "revoked 1" in out.getvalue()
    assert bearer(token).get("/api/v1/me").status_code == 401


def test_token_of_a_deactivated_user_is_refused(principal):
    token = create("principal")
    principal.is_active = False
    principal.save()
    assert bearer(token).get("/api/v1/me").status_code == 401
