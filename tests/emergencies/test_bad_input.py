"""Bodies and queries of the wrong shape or type, sent to the response's endpoints and pages: a
clear 4xx every time, never a 500."""

import json

import pytest

from haven.emergencies.alerts import services
from tests.conftest import signed_in

BODIES = [
    None,
    [],
    "x",
    {"section": None},
    {"section": "abc", "statuses": "x"},
    {"section": 10**20, "statuses": [{"student": [], "status": 5}]},
    {"student": {"a": 1}},
    {"student": 10**20, "id_barcode": 7},
    {"student": "\x00"},
    {"message": 5, "protocol": []},
    {"protocol": "LOCKDOWN"},
]


@pytest.mark.django_db
def test_malformed_bodies_and_queries_never_reach_a_500(principal, roster):
    inc = services.raise_incident(principal, principal.role_assignments.get().school, "lockdown")
    c = signed_in(principal)
    for path in ("roll-call", "releases", "updates"):
        for b in BODIES:
            r = c.post(
                f"/api/v1/incidents/{inc.pk}/{path}", json.dumps(b), content_type="application/json"
            )
            assert r.status_code < 500, (path, b, r.status_code, r.content[:300])
    for q in ("?status=zz", "?type=zz&priority=qq&page=-1", "?page=abc", "?school=%00"):
        r = c.get("/cases/" + q)
        assert r.status_code < 500, (q, r.status_code)
        r = c.get("/api/v1/volunteers/hours" + q.replace("status", "from"))
        assert r.status_code < 500, (q, r.status_code)
    for q in ("?from=2026-13-01", "?from=x&to=y", "?school=nope"):
        assert c.get("/volunteers/hours/" + q).status_code < 500
        assert c.get("/api/v1/volunteers/hours" + q).status_code < 500
        assert c.get("/emergencies/drills/" + q.replace("from", "year")).status_code < 500
