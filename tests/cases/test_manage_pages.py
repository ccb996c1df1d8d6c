"""Changing a case from its pages: the team, the details, documents per compartment, reopening an
assessment step; and the whole timeline, a page at a time."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from haven.access.models import Compartment
from haven.audit.models import AuditEvent
from haven.cases import services
from haven.cases.models import CaseEvent, Document, TeamMember
from haven.cases.views import manage
from haven.notify.models import Notification
from tests.cases.conftest import EVALUATE, REASON, SECRET
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


def team_of(case) -> set[str]:  # type: ignore[no-untyped-def]
    return set(TeamMember.objects.filter(case=case).values_list("user__username", flat=True))


# --- the team -------------------------------------------------------------------------------------


def test_team_page_offers_the_schools_team_roles_only(people, case, team_member_off):
    body = signed_in(people["principal"]).get(f"/cases/{case.pk}/team/").content.decode()
    assert f'value="{team_member_off.pk}"' in body
    assert f'value="{people["counselor"].pk}"' in body and "checked" in body
    assert f'value="{people["teacher"].pk}"' not in body
    assert f'value="{people["outsider"].pk}"' not in body


def test_principal_adds_and_removes_members_who_are_told(people, case, team_member_off):
    keep = [people[n].pk for n in ("principal", "counselor", "sro")]
    response = signed_in(people["principal"]).post(
        f"/cases/{case.pk}/team/", {"members": [*keep, team_member_off.pk]}
    )
    assert response.status_code == 302
    assert team_of(case) == {"principal", "counselor", "sro", "team_member_off"}
    added = Notification.objects.get(user=team_member_off)
    assert f"#{case.pk}" in added.title and "Maya" not in added.title + added.body
    told = Notification.objects.filter(user=people["team_member"])
    assert any("no longer" in n.title for n in told)
    entry = AuditEvent.objects.filter(action="update", object_id=str(case.pk)).latest("seq")
    assert entry.detail["added"] == [team_member_off.pk]
    assert entry.detail["removed"] == [people["team_member"].pk]
    assert CaseEvent.objects.filter(case=case, kind="team").exists()
    # Removed, the safety-team member no longer sees the case.
    assert signed_in(people["team_member"]).get(f"/cases/{case.pk}/").status_code == 404


def test_an_empty_team_is_refused_and_nothing_changes(people, case):
    response = signed_in(people["principal"]).post(f"/cases/{case.pk}/team/", {})
    assert response.status_code == 200
    assert "A case needs at least one team member." in response.content.decode()
    assert team_of(case) == {"principal", "counselor", "sro", "team_member"}


def test_someone_without_a_team_role_cannot_be_added(people, case):
    response = signed_in(people["principal"]).post(
        f"/cases/{case.pk}/team/", {"members": [people["principal"].pk, people["teacher"].pk]}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert "teacher" not in team_of(case)


def test_a_team_member_sees_the_case_but_may_not_change_its_team(people, case):
    client = signed_in(people["team_member"])
    assert client.get(f"/cases/{case.pk}/team/").status_code == 403
    assert f"/cases/{case.pk}/team/" not in client.get(f"/cases/{case.pk}/").content.decode()
    assert client.post(f"/cases/{case.pk}/team/", {"members": []}).status_code == 403


# --- the case's details ---------------------------------------------------------------------------


def test_counselor_changes_type_priority_and_summary(people, case):
    response = signed_in(people["counselor"]).post(
        f"/cases/{case.pk}/edit/", {"type": "both", "priority": "3", "summary": "New facts."}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.type, case.priority, case.summary) == ("both", 3, "New facts.")
    entry = AuditEvent.objects.filter(action="update", object_id=str(case.pk)).latest("seq")
    assert set(entry.detail["fields"]) == {"type", "priority", "summary"}
    assert "New facts." not in str(entry.detail)


def test_a_bad_priority_comes_back_with_its_error(people, case):
    response = signed_in(people["counselor"]).post(
        f"/cases/{case.pk}/edit/", {"type": "threat", "priority": "9", "summary": ""}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    case.refresh_from_db()
    assert case.priority == 1


def test_a_team_member_sees_the_case_but_may_not_change_its_details(people, case):
    client = signed_in(people["team_member"])
    assert client.get(f"/cases/{case.pk}/").status_code == 200
    assert f"/cases/{case.pk}/edit/" not in client.get(f"/cases/{case.pk}/").content.decode()
    assert client.get(f"/cases/{case.pk}/edit/").status_code == 403
    response = client.post(
        f"/cases/{case.pk}/edit/", {"type": "both", "priority": "1", "summary": "Nothing."}
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert (case.type, case.priority, case.summary) == ("threat", 1, "TEAM-SUMMARY")
    with pytest.raises(PermissionDenied):
        services.update_case(people["team_member"], case, priority=3)
    case.refresh_from_db()
    assert case.priority == 1
    assert not AuditEvent.objects.filter(
        action="update", object_id=str(case.pk), actor=people["team_member"]
    ).exists()


def test_edit_form_shows_the_current_values(people, case):
    body = signed_in(people["counselor"]).get(f"/cases/{case.pk}/edit/").content.decode()
    assert "TEAM-SUMMARY" in body and 'value="threat" selected' in body


# --- documents ------------------------------------------------------------------------------------


def _upload(client, case, part: str, data: bytes, name: str = "minutes.txt"):  # type: ignore[no-untyped-def]
    return client.post(
        f"/cases/{case.pk}/documents/{part}/",
        {f"doc-{part}-file": SimpleUploadedFile(name, data)},
    )


def test_counselor_uploads_a_clinical_document_only_mental_health_reads(people, case):
    counselor = signed_in(people["counselor"])
    response = _upload(counselor, case, "clinical", b"Session summary.", "session.txt")
    assert response.status_code == 302
    document = Document.objects.get(case=case)
    assert document.compartment == Compartment.CLINICAL
    assert "session.txt" in counselor.get(f"/cases/{case.pk}/").content.decode()
    assert "session.txt" not in signed_in(people["sro"]).get(f"/cases/{case.pk}/").content.decode()

    download = counselor.get(f"/cases/{case.pk}/documents/{document.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"Session summary."  # type: ignore[attr-defined]
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"].startswith("attachment;")
    assert "session.txt" not in download["Content-Disposition"]
    entry = AuditEvent.objects.filter(action="view", object_type="cases.document").latest("seq")
    assert entry.compartment == "clinical" and entry.actor == people["counselor"]

    for person in ("sro", "principal", "team_member", "teacher", "outsider"):
        got = signed_in(people[person]).get(f"/cases/{case.pk}/documents/{document.pk}/")
        assert got.status_code == 404, person


def test_a_record_opened_by_break_glass_is_read_not_written(people, case):
    _upload(signed_in(people["counselor"]), case, "clinical", b"Notes.")
    principal = signed_in(people["principal"])
    assert _upload(principal, case, "clinical", b"Mine.").status_code == 404
    services.break_glass(people["principal"], case, Compartment.CLINICAL, REASON)
    assert _upload(principal, case, "clinical", b"Mine.").status_code == 403
    document = Document.objects.get(case=case)
    assert principal.get(f"/cases/{case.pk}/documents/{document.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, "tool.exe", "Upload a PDF, an image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "broken.png", "The picture could not be read."),
    ],
)
def test_a_refused_file_comes_back_with_a_clear_error(people, case, data, name, message):
    response = _upload(signed_in(people["counselor"]), case, "team", data, name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Document.objects.exists()


def test_a_file_over_the_limit_is_refused(people, case, monkeypatch):
    from haven.cases.services import records

    monkeypatch.setattr(records, "MAX_DOCUMENT_BYTES", 10)
    response = _upload(signed_in(people["counselor"]), case, "team", b"x" * 11)
    assert response.status_code == 200
    assert "larger than 10 MB" in response.content.decode()
    assert not Document.objects.exists()


def test_posting_without_a_file_names_the_field(people, case):
    response = signed_in(people["counselor"]).post(f"/cases/{case.pk}/documents/team/", {})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_documents_of_another_case_are_not_reached_through_this_one(people, case, roster):
    from tests.cases.conftest import open_case

    other = open_case(people, case.school, roster["eli"])
    _upload(signed_in(people["counselor"]), other, "team", b"Other.")
    document = Document.objects.get(case=other)
    got = signed_in(people["counselor"]).get(f"/cases/{case.pk}/documents/{document.pk}/")
    assert got.status_code == 404


# --- reopening an assessment step -----------------------------------------------------------------


@pytest.fixture
def closed_step(people, case):
    principal = people["principal"]
    assessment = services.start_assessment(principal, case, "cstag")
    services.save_step(principal, assessment, "evaluate", answers=EVALUATE)
    for item in services.assessment_view(principal, assessment).steps[0].actions:
        services.settle_action(principal, item, status="done")
    services.close_step(principal, assessment, "evaluate")
    return assessment


def test_a_closed_step_is_reopened_with_a_reason(people, case, closed_step):
    client = signed_in(people["counselor"])
    url = f"/cases/{case.pk}/assessments/{closed_step.pk}/"
    assert "Reopen this step" in client.get(url).content.decode()
    response = client.post(f"{url}steps/evaluate/reopen/", {"reason": "He said it again."})
    assert response.status_code == 302
    record = closed_step.records.get(step__key="evaluate")
    assert record.status == "open"
    entry = AuditEvent.objects.filter(action="update", object_type="cases.steprecord").latest("seq")
    assert entry.reason == "He said it again."
    assert CaseEvent.objects.filter(case=case, kind="assessment_step_reopened").exists()


def test_reopening_without_a_reason_is_refused(people, case, closed_step):
    url = f"/cases/{case.pk}/assessments/{closed_step.pk}/steps/evaluate/reopen/"
    response = signed_in(people["counselor"]).post(url, {"reason": "  "})
    assert response.status_code == 200
    assert "Say why the step is reopened." in response.content.decode()
    assert closed_step.records.get(step__key="evaluate").status == "closed"


def test_an_open_step_cannot_be_reopened(people, case, closed_step):
    url = f"/cases/{case.pk}/assessments/{closed_step.pk}/steps/resolve_transient/reopen/"
    response = signed_in(people["counselor"]).post(url, {"reason": "Why not."})
    assert response.status_code == 200
    assert "Only a closed step can be reopened." in response.content.decode()


def test_an_unknown_step_is_404(people, case, closed_step):
    url = f"/cases/{case.pk}/assessments/{closed_step.pk}/steps/nope/reopen/"
    assert signed_in(people["counselor"]).post(url, {"reason": "x"}).status_code == 404


# --- the timeline ---------------------------------------------------------------------------------


def test_timeline_page_pages_newest_first_and_hides_what_one_may_not_read(
    people, case, filled, monkeypatch
):
    monkeypatch.setattr(manage, "TIMELINE_PAGE", 2)
    for n in range(3):
        services.add_task(people["principal"], case, title=f"Task {n}")
    sro = signed_in(people["sro"])
    body = sro.get(f"/cases/{case.pk}/timeline/").content.decode()
    assert "Page 1 of" in body and body.count("<time ") == 2
    assert "Task added" in body
    every = "".join(
        sro.get(f"/cases/{case.pk}/timeline/?page={n}").content.decode() for n in range(1, 6)
    )
    assert "Law enforcement note added" in every
    assert "Clinical note added" not in every
    assert SECRET[Compartment.CLINICAL] not in every
    counselor = signed_in(people["counselor"]).get(f"/cases/{case.pk}/timeline/?page=9")
    assert counselor.status_code == 200  # past the end: the last page
