"""A NUL character in a request's address (path or query) gets a clear 400 before any view runs:
no parameter takes one and PostgreSQL refuses it, so it must never surface as a server error."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.test import Client

from haven.tips.models import Tip
from tests.conftest import signed_in


def test_a_nul_in_an_api_query_is_a_json_400(principal, roster):
    r = signed_in(principal).get("/api/v1/volunteers/hours?school=%00")
    assert r.status_code == 400
    assert "NUL" in r.json()["detail"]


def test_a_nul_in_a_page_query_is_a_400(principal, roster):
    r = signed_in(principal).get("/cases/?q=a%00b")
    assert r.status_code == 400
    assert b"NUL" in r.content


def test_a_nul_in_the_path_is_a_400(principal):
    assert signed_in(principal).get("/roster/students/%00/").status_code == 400


def test_a_form_refuses_a_nul_field_by_field_and_writes_nothing(northside):
    body = urlencode({"school": northside.slug, "description": "a\x00b" * 20})
    r = Client().post("/report/", body, content_type="application/x-www-form-urlencoded")
    assert r.status_code == 400 and "Null characters are not allowed" in r.content.decode()
    assert not Tip.objects.exists()


def test_a_nul_in_a_json_body_is_a_400_that_says_so(principal, roster):
    client = signed_in(principal)
    for body in (
        '{"school": "north\\u0000side", "protocol": "hold"}',
        '{"school": "northside", "protocol": "hold", "note": ["\\u0000"]}',
        '{"school\\u0000": "northside", "protocol": "hold"}',
    ):
        r = client.post("/api/v1/incidents", body, "application/json")
        assert r.status_code == 400, (body, r.content)
        assert "NUL" in r.json()["detail"]
    assert client.post("/api/v1/incidents", "{nope", "application/json").status_code == 400


def test_ordinary_requests_pass(principal, roster, northside):
    client = signed_in(principal)
    assert client.get("/cases/?q=maya").status_code == 200
    body = {"school": northside.slug, "protocol": "hold", "drill": True}
    r = client.post("/api/v1/incidents", json.dumps(body), "application/json")
    assert r.status_code == 201, r.content
