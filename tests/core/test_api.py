"""The roster API: scoped by the access policy, audited, and clear about bad input."""

from __future__ import annotations

from haven.audit.models import AuditEvent
from tests.conftest import signed_in


def test_openapi_document_is_served(db):
    from django.test import Client

    spec = Client().get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/students/{student_id}" in spec["paths"]


def test_student_detail_lists_guardians_with_pickup_and_custody(people, roster):
    body = signed_in(people["frontdesk"]).get(f"/api/v1/students/{roster['maya'].pk}").json()
    guardians = {g["name"]: g for g in body["guardians"]}
    assert guardians["Rosa Lopez"]["can_pick_up"] is True
    assert guardians["Carl Lopez"]["can_pick_up"] is False
    assert guardians["Carl Lopez"]["custody_restriction"] is True
    assert guardians["Carl Lopez"]["relationship"] == "parent"


def test_teacher_sees_the_student_but_not_the_guardians(people, roster):
    body = signed_in(people["teacher"]).get(f"/api/v1/students/{roster['maya'].pk}").json()
    assert body["given_name"] == "Maya"
    assert body["guardians"] is None


def test_reading_a_student_is_audited(people, roster):
    signed_in(people["counselor"]).get(f"/api/v1/students/{roster['maya'].pk}")
    event = AuditEvent.objects.get(action="view", object_type="core.student")
    assert event.actor == people["counselor"]
    assert event.object_id == str(roster["maya"].pk)


def test_student_search_by_school_and_name(people, roster):
    client = signed_in(people["admin"])
    names = [
        s["given_name"] for s in client.get("/api/v1/students?school=northside-high&q=lop").json()
    ]
    assert names == ["Maya"]


def test_unknown_school_and_other_schools_look_the_same(people, roster):
    client = signed_in(people["outsider"])
    assert client.get("/api/v1/students?school=no-such-school").status_code == 404
    assert client.get("/api/v1/students?school=northside-high").status_code == 404


def test_bad_query_parameter_is_a_422_naming_the_field(people, roster):
    response = signed_in(people["counselor"]).get("/api/v1/students?limit=lots")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "limit"


def test_non_numeric_id_is_a_422_not_a_500(people, roster):
    response = signed_in(people["counselor"]).get("/api/v1/students/abc")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "student_id"


def test_sections_include_their_rosters(people, roster):
    body = signed_in(people["teacher"]).get("/api/v1/sections?school=northside-high").json()
    assert [s["title"] for s in body] == ["English 10"]
    assert {s["given_name"] for s in body[0]["students"]} == {"Maya", "Eli"}


def test_me_lists_roles_per_school(people):
    body = signed_in(people["admin"]).get("/api/v1/me").json()
    assert body["roles"] == [{"role": "district_admin", "school": None}]


def test_audit_api_filters_by_actor_and_object(people, roster):
    signed_in(people["counselor"]).get(f"/api/v1/students/{roster['maya'].pk}")
    client = signed_in(people["auditor"])
    rows = client.get(
        f"/api/v1/audit?actor=counselor&object_type=core.student&object_id={roster['maya'].pk}"
    )
    assert [(r["actor"], r["action"]) for r in rows.json()] == [("counselor", "view")]


def test_session_api_post_requires_csrf(people):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(people["teacher"], backend="django.contrib.auth.backends.ModelBackend")
    assert client.post("/api/v1/me").status_code in (403, 405)
