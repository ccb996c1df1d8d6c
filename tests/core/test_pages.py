"""Staff pages of the roster: scoped, audited, and the school switcher."""

from __future__ import annotations

from haven.audit.models import AuditEvent
from tests.conftest import signed_in


def test_student_page_shows_pickup_and_custody_to_the_front_desk(people, roster):
    body = (
        signed_in(people["frontdesk"])
        .get(f"/roster/students/{roster['maya'].pk}/")
        .content.decode()
    )
    assert "Carl Lopez" in body
    assert "Protective order" in body


def test_teacher_sees_the_student_but_not_guardians(people, roster):
    body = (
        signed_in(people["teacher"]).get(f"/roster/students/{roster['maya'].pk}/").content.decode()
    )
    assert "Maya Lopez" in body
    assert "Carl Lopez" not in body


def test_opening_a_student_page_is_audited(people, roster):
    signed_in(people["counselor"]).get(f"/roster/students/{roster['maya'].pk}/")
    event = AuditEvent.objects.get(action="view", object_type="core.student")
    assert (event.actor_label, event.object_id) == ("counselor", str(roster["maya"].pk))
    assert event.school_id == roster["maya"].school_id


def test_student_search_matches_every_word(people, roster):
    body = signed_in(people["counselor"]).get("/roster/students/?q=maya+lop").content.decode()
    assert "Lopez" in body and "Brooks" not in body


def test_htmx_search_returns_only_rows(people, roster):
    client = signed_in(people["counselor"])
    body = client.get("/roster/students/?q=eli", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in body
    assert "Brooks" in body


def test_teacher_can_list_only_their_own_classes(people, roster):
    body = signed_in(people["teacher"]).get("/roster/classes/?mine=1").content.decode()
    assert "English 10" in body


def test_switching_school_changes_the_roster_in_view(people, roster):
    client = signed_in(people["admin"])
    client.post("/accounts/school/", {"school": "riverside-middle", "next": "/roster/students/"})
    body = client.get("/roster/students/").content.decode()
    assert "Reyes" in body and "Lopez" not in body
    client.post("/accounts/school/", {"school": "northside-high"})
    assert "Lopez" in client.get("/roster/students/").content.decode()


def test_switching_to_a_school_without_a_role_is_refused(people, roster):
    client = signed_in(people["counselor"])
    client.post("/accounts/school/", {"school": "riverside-middle"})
    body = client.get("/roster/students/").content.decode()
    assert "Reyes" not in body and "Lopez" in body


def test_audit_log_page_lists_events_and_records_its_own_reading(people, roster):
    signed_in(people["counselor"]).get(f"/roster/students/{roster['maya'].pk}/")
    body = signed_in(people["auditor"]).get("/audit/?actor=counselor").content.decode()
    assert "core.student" in body
    assert AuditEvent.objects.filter(actor=people["auditor"], action="list").exists()


def test_home_shows_a_teachers_classes(people, roster):
    body = signed_in(people["teacher"]).get("/").content.decode()
    assert "/roster/classes/?mine=1" in body


def test_pages_send_a_strict_content_security_policy(people):
    response = signed_in(people["teacher"]).get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert response["Referrer-Policy"] == "same-origin"
