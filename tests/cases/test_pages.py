"""The staff's case pages: who sees what, compartments kept apart in the HTML, break-glass from
the page, and forms that answer with their errors instead of a 500."""

from __future__ import annotations

import pytest

from haven.access.models import BreakGlassGrant, Compartment
from haven.audit.models import AuditEvent
from haven.cases import services
from tests.cases.conftest import REASON, SECRET
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


def page(user, case) -> str:  # type: ignore[no-untyped-def]
    response = signed_in(user).get(f"/cases/{case.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_list_shows_the_schools_cases_to_the_team(people, case):
    body = signed_in(people["counselor"]).get("/cases/").content.decode()
    assert f"/cases/{case.pk}/" in body
    assert "Maya" in body


def test_list_is_not_for_a_teacher(people, case):
    assert signed_in(people["teacher"]).get("/cases/").status_code == 404


def test_outsider_list_does_not_show_the_other_schools_cases(people, case):
    body = signed_in(people["outsider"]).get("/cases/?where=all").content.decode()
    assert f"/cases/{case.pk}/" not in body


def test_list_filters_by_type_and_puts_overdue_follow_ups_first(people, roster, case):
    from datetime import timedelta

    from django.utils import timezone

    from haven.cases.models import Review
    from tests.cases.conftest import open_case

    late = open_case(people, case.school, roster["eli"], type="self_harm")
    Review.objects.create(case=late, due_on=timezone.localdate() - timedelta(days=2))
    body = signed_in(people["counselor"]).get("/cases/").content.decode()
    assert body.index(f'data-case="{late.pk}"') < body.index(f'data-case="{case.pk}"')
    assert "Follow-up overdue" in body
    body = signed_in(people["counselor"]).get("/cases/?type=threat").content.decode()
    assert f'data-case="{late.pk}"' not in body and f'data-case="{case.pk}"' in body


def test_counselor_sees_clinical_notes_but_not_law_enforcement(people, case, filled):
    body = page(people["counselor"], case)
    assert SECRET[Compartment.TEAM] in body
    assert SECRET[Compartment.CLINICAL] in body
    assert SECRET[Compartment.LAW_ENFORCEMENT] not in body


def test_sro_cannot_read_clinical_notes(people, case, filled):
    body = page(people["sro"], case)
    assert SECRET[Compartment.LAW_ENFORCEMENT] in body
    assert SECRET[Compartment.CLINICAL] not in body
    assert 'data-compartment="clinical"' not in body


def test_team_member_sees_only_the_team_record(people, case, filled):
    body = page(people["team_member"], case)
    assert SECRET[Compartment.TEAM] in body
    assert SECRET[Compartment.CLINICAL] not in body
    assert SECRET[Compartment.LAW_ENFORCEMENT] not in body


def test_sro_is_offered_break_glass_into_the_clinical_record_only(people, case, filled):
    body = page(people["sro"], case)
    assert f"/cases/{case.pk}/break-glass/clinical/" in body
    assert f"/cases/{case.pk}/break-glass/law_enforcement/" not in body


def test_teacher_and_outsider_get_404_for_the_case(people, case):
    assert signed_in(people["teacher"]).get(f"/cases/{case.pk}/").status_code == 404
    assert signed_in(people["outsider"]).get(f"/cases/{case.pk}/").status_code == 404


def test_break_glass_form_requires_a_reason_and_says_it_is_logged(people, case, filled):
    client = signed_in(people["sro"])
    url = f"/cases/{case.pk}/break-glass/clinical/"
    form = client.get(url).content.decode()
    assert "logged as an emergency disclosure" in form
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert "field-error" in response.content.decode()
    assert not BreakGlassGrant.objects.filter(user=people["sro"]).exists()


def test_break_glass_opens_the_record_and_is_audited(people, case, filled):
    client = signed_in(people["sro"])
    response = client.post(f"/cases/{case.pk}/break-glass/clinical/", {"reason": REASON})
    assert response.status_code == 302
    grant = BreakGlassGrant.objects.get(user=people["sro"])
    assert grant.reason == REASON
    event = AuditEvent.objects.get(action="break_glass")
    assert (event.actor, event.compartment, event.reason) == (
        people["sro"],
        "clinical",
        REASON,
    )
    body = client.get(f"/cases/{case.pk}/").content.decode()
    assert SECRET[Compartment.CLINICAL] in body
    assert "Opened by break-glass until" in body
    assert "note-clinical-body" not in body  # read-only


def test_no_break_glass_into_a_compartment_one_owns(people, case):
    response = signed_in(people["counselor"]).get(f"/cases/{case.pk}/break-glass/clinical/")
    assert response.status_code == 404


def test_counselor_adds_a_clinical_note(people, case):
    client = signed_in(people["counselor"])
    response = client.post(
        f"/cases/{case.pk}/notes/clinical/", {"note-clinical-body": "Slept badly all week."}
    )
    assert response.status_code == 302
    assert [n.body for n in services.notes(people["counselor"], case, "clinical")] == [
        "Slept badly all week."
    ]


def test_sro_cannot_post_to_the_clinical_record(people, case):
    response = signed_in(people["sro"]).post(
        f"/cases/{case.pk}/notes/clinical/", {"note-clinical-body": "Sneaky."}
    )
    assert response.status_code == 404


def test_empty_note_comes_back_with_its_error(people, case):
    response = signed_in(people["counselor"]).post(
        f"/cases/{case.pk}/notes/team/", {"note-team-body": ""}
    )
    assert response.status_code == 200
    assert "field-error" in response.content.decode()


def test_counselor_publishes_a_summary_the_sro_then_reads(people, case, filled):
    note = filled[Compartment.CLINICAL]
    response = signed_in(people["counselor"]).post(
        f"/cases/{case.pk}/notes/{note.pk}/publish/", {"summary-body": "PUBLISHED-GIST"}
    )
    assert response.status_code == 302
    body = page(people["sro"], case)
    assert "PUBLISHED-GIST" in body
    assert SECRET[Compartment.CLINICAL] not in body


def test_sro_cannot_publish_a_clinical_note(people, case, filled):
    note = filled[Compartment.CLINICAL]
    response = signed_in(people["sro"]).post(
        f"/cases/{case.pk}/notes/{note.pk}/publish/", {"summary-body": "x"}
    )
    assert response.status_code == 404


def test_chat_and_tasks_from_the_page(people, case):
    client = signed_in(people["principal"])
    assert (
        client.post(f"/cases/{case.pk}/messages/", {"message-body": "Meet at 3?"}).status_code
        == 302
    )
    assert (
        client.post(
            f"/cases/{case.pk}/tasks/", {"task-title": "Call home", "task-due_on": "2030-01-01"}
        ).status_code
        == 302
    )
    task = services.tasks(people["principal"], case)[0]
    assert client.post(f"/cases/{case.pk}/tasks/{task.pk}/done/").status_code == 302
    body = page(people["counselor"], case)
    assert "Meet at 3?" in body and "Call home" in body
    task.refresh_from_db()
    assert task.done_at is not None


def test_bad_task_date_shows_an_error(people, case):
    response = signed_in(people["principal"]).post(
        f"/cases/{case.pk}/tasks/", {"task-title": "X", "task-due_on": "not a date"}
    )
    assert response.status_code == 200
    assert "field-error" in response.content.decode()


def test_timeline_hides_clinical_events_from_the_sro(people, case, filled):
    assert "Clinical note added" in page(people["counselor"], case)
    assert "Clinical note added" not in page(people["sro"], case)


def test_every_staff_member_refers_a_student_and_the_team_opens_a_case(people, roster):
    from haven.cases.models import Case, Referral

    teacher = signed_in(people["teacher"])
    form = teacher.get("/cases/refer/").content.decode()
    assert "Interest in weapons" in form and "Withdrawal from friends" in form
    response = teacher.post(
        "/cases/refer/",
        {
            "student": roster["maya"].pk,
            "warning_signs": ["grievance", "withdrawal"],
            "concern": "REFERRAL-CONCERN: she said they will all pay.",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/cases/refer/sent/"
    referral = Referral.objects.get()
    inbox = signed_in(people["principal"]).get("/cases/referrals/").content.decode()
    assert "REFERRAL-CONCERN" in inbox
    assert f"/cases/new/?referral={referral.pk}" in inbox
    response = signed_in(people["principal"]).post(
        "/cases/new/",
        {
            "referral": referral.pk,
            "student": roster["maya"].pk,
            "type": "threat",
            "priority": "2",
            "summary": "From a referral",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert case.source == "referral" and case.student == roster["maya"]
    referral.refresh_from_db()
    assert referral.status == Referral.Status.CASE_OPENED


def test_a_referral_without_a_concern_shows_the_error(people):
    response = signed_in(people["teacher"]).post("/cases/refer/", {"concern": ""})
    assert response.status_code == 200
    assert "field-error" in response.content.decode()


def test_a_referral_is_dismissed_with_a_reason(people, roster):
    from haven.cases.models import Referral

    referral = services.refer(
        people["teacher"], school=roster["maya"].school, student=roster["maya"], concern="Quiet."
    )
    client = signed_in(people["counselor"])
    client.post(f"/cases/referrals/{referral.pk}/dismiss/", {"reason": ""})
    referral.refresh_from_db()
    assert referral.status == Referral.Status.NEW
    client.post(f"/cases/referrals/{referral.pk}/dismiss/", {"reason": "Spoke to her: fine."})
    referral.refresh_from_db()
    assert referral.status == Referral.Status.DISMISSED


def test_teacher_cannot_open_a_case(people):
    assert signed_in(people["teacher"]).get("/cases/new/").status_code == 404


def test_referral_inbox_never_shows_another_schools_referrals(people, roster):
    services.refer(
        people["principal2"],
        school=roster["sam"].school,
        student=roster["sam"],
        concern="OTHER-SCHOOL-CONCERN",
    )
    body = signed_in(people["counselor"]).get("/cases/referrals/").content.decode()
    assert "OTHER-SCHOOL-CONCERN" not in body
    assert (
        "OTHER-SCHOOL-CONCERN"
        in signed_in(people["principal2"]).get("/cases/referrals/").content.decode()
    )


def test_tip_page_offers_a_case_and_the_form_opens_one_from_the_tip(people):
    from haven.cases.models import Case
    from haven.tips import services as tips

    tip, _ = tips.submit(
        tips.TipInput(
            category="bullying",
            description="Someone keeps pushing a kid in the hallway.",
            school="northside-high",
        )
    )
    client = signed_in(people["principal"])
    assert f"/cases/new/?source_tip={tip.pk}" in client.get(f"/tips/{tip.pk}/").content.decode()
    assert client.get(f"/cases/new/?source_tip={tip.pk}").status_code == 200
    response = client.post(
        "/cases/new/",
        {"source_tip": tip.pk, "type": "threat", "priority": "1", "unknown_person": "A boy"},
    )
    assert response.status_code == 302
    assert Case.objects.get().source_tip == tip
    assert signed_in(people["outsider"]).get(f"/cases/new/?source_tip={tip.pk}").status_code == 404


def test_assessment_step_shows_blockers_then_closes_when_settled(people, case):
    from haven.cases.models import StepRecord

    client = signed_in(people["counselor"])
    response = client.post(f"/cases/{case.pk}/assessments/start/")
    assessment = case.assessments.get()
    assert response["Location"] == f"/cases/{case.pk}/assessments/{assessment.pk}/"
    body = client.get(response["Location"]).content.decode()
    assert "What exactly was said, written or done?" in body
    assert "This step cannot close yet" in body
    url = f"/cases/{case.pk}/assessments/{assessment.pk}/steps/evaluate/"
    answers = {
        "a-threat_words": "You'll be sorry.",
        "a-target": "A classmate",
        "a-context": "After a fight at lunch",
        "a-student_account": "Was angry",
        "a-weapon_mentioned": "no",
        "rationale": "Words said in anger.",
    }
    refused = client.post(url, {**answers, "then": "close"})
    assert refused.status_code == 200  # the actions are not settled yet: said on the page
    assert "error-list" in refused.content.decode()
    view = services.assessment_view(people["counselor"], assessment)
    for item in view.steps[0].actions:
        settle = f"/cases/{case.pk}/assessments/{assessment.pk}/actions/{item.pk}/"
        assert client.post(settle, {"status": "done"}).status_code == 302
    assert client.post(url, {**answers, "then": "close"}).status_code == 302
    record = assessment.records.get(step__key="evaluate")
    assert record.status == StepRecord.Status.CLOSED
    assert record.answers["weapon_mentioned"] is False


def test_not_applicable_without_a_reason_is_refused_on_the_page(people, case):
    assessment = services.start_assessment(people["counselor"], case)
    item = services.assessment_view(people["counselor"], assessment).steps[0].actions[0]
    response = signed_in(people["counselor"]).post(
        f"/cases/{case.pk}/assessments/{assessment.pk}/actions/{item.pk}/",
        {"status": "not_applicable", "reason": ""},
    )
    assert response.status_code == 200
    assert "error-list" in response.content.decode()


def test_plan_items_reviews_close_and_reopen_from_the_plan_page(people, case):
    from datetime import timedelta

    from django.utils import timezone

    client = signed_in(people["principal"])
    due = (timezone.localdate() + timedelta(days=7)).isoformat()
    response = client.post(
        f"/cases/{case.pk}/plan/items/",
        {
            "kind": "support",
            "description": "PLAN-ITEM weekly check-in",
            "owner": people["counselor"].pk,
            "due_on": due,
        },
    )
    assert response.status_code == 302
    current = services.plan(people["principal"], case)
    item = current.items[0]
    assert item.owner == people["counselor"]
    assert "PLAN-ITEM weekly check-in" in client.get(f"/cases/{case.pk}/plan/").content.decode()
    client.post(f"/cases/{case.pk}/plan/items/{item.pk}/", {"status": "done"})
    item.refresh_from_db()
    assert item.status == "done"
    assert client.post(f"/cases/{case.pk}/plan/reviews/", {"due_on": due}).status_code == 302
    review = services.plan(people["principal"], case).reviews[0]
    empty = client.post(f"/cases/{case.pk}/plan/reviews/{review.pk}/", {"outcome": ""})
    assert empty.status_code == 200 and "error-list" in empty.content.decode()
    client.post(f"/cases/{case.pk}/plan/reviews/{review.pk}/", {"outcome": "Calmer now."})
    review.refresh_from_db()
    assert review.outcome == "Calmer now." and review.done_at is not None

    refused = client.post(f"/cases/{case.pk}/close/", {"criteria": ["risk_resolved"]})
    assert refused.status_code == 200 and "error-list" in refused.content.decode()
    case.refresh_from_db()
    assert case.is_open
    client.post(
        f"/cases/{case.pk}/close/",
        {"criteria": list(services.CLOSURE_CRITERIA), "summary": "Resolved with supports."},
    )
    case.refresh_from_db()
    assert not case.is_open
    client.post(f"/cases/{case.pk}/reopen/", {"reason": "New concern reported."})
    case.refresh_from_db()
    assert case.is_open


def test_plan_item_without_a_date_shows_the_error(people, case):
    response = signed_in(people["principal"]).post(
        f"/cases/{case.pk}/plan/items/",
        {"kind": "support", "description": "x", "owner": people["counselor"].pk, "due_on": ""},
    )
    assert response.status_code == 200
    assert "Give a due date." in response.content.decode()


def test_counselor_screens_with_skip_logic_and_the_sro_sees_only_the_level(people, case):
    client = signed_in(people["counselor"])
    form = client.get(f"/cases/{case.pk}/screening/").content.decode()
    assert "Answer only if Q2 is yes." in form
    skipped = client.post(f"/cases/{case.pk}/screening/", {"q1": "yes", "q2": "no", "q3": "yes"})
    assert skipped.status_code == 200 and "error-list" in skipped.content.decode()
    assert not services.screenings(people["counselor"], case)
    done = client.post(
        f"/cases/{case.pk}/screening/",
        {"q1": "yes", "q2": "yes", "q3": "no", "q4": "yes", "q5": "no", "q6": "no"},
    )
    assert done.status_code == 302
    assert services.screenings(people["counselor"], case)[0].risk_level == "high"
    sro_page = signed_in(people["sro"]).get(f"/cases/{case.pk}/screening/").content.decode()
    assert "High risk" in sro_page
    assert 'name="q1"' not in sro_page  # the answers are clinical: no form for the SRO


def test_pathway_warns_when_the_case_moves_forward(people, case):
    from datetime import timedelta

    from django.utils import timezone

    client = signed_in(people["principal"])
    url = f"/cases/{case.pk}/pathway/"
    today = timezone.localdate()
    future = client.post(
        url, {"stage": "grievance", "source": "staff", "observed_on": str(today + timedelta(1))}
    )
    assert future.status_code == 200 and "future" in future.content.decode()
    for stage, days in (("grievance", 10), ("preparation", 1)):
        observed = (today - timedelta(days)).isoformat()
        response = client.post(url, {"stage": stage, "source": "staff", "observed_on": observed})
        assert response.status_code == 302
    body = client.get(url).content.decode()
    assert 'data-testid="moved-forward"' in body
    assert body.index("Grievance") < body.index("Preparation")


def _pdf_text(user, case) -> str:  # type: ignore[no-untyped-def]
    response = signed_in(user).get(f"/cases/{case.pk}/export.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response.content.decode("latin-1")


def test_counselors_export_has_the_clinical_note_and_the_sros_does_not(people, case, filled):
    counselor = _pdf_text(people["counselor"], case)
    sro = _pdf_text(people["sro"], case)
    assert SECRET[Compartment.CLINICAL] in counselor
    assert SECRET[Compartment.LAW_ENFORCEMENT] not in counselor
    assert SECRET[Compartment.CLINICAL] not in sro
    assert "Clinical" not in sro  # not even the compartment's name
    assert SECRET[Compartment.LAW_ENFORCEMENT] in sro
    assert SECRET[Compartment.TEAM] in sro and SECRET[Compartment.TEAM] in counselor


def test_export_is_audited_as_an_export(people, case, filled):
    _pdf_text(people["sro"], case)
    event = AuditEvent.objects.get(action="export")
    assert event.actor == people["sro"]
    assert event.detail["compartments"] == ["team", "law_enforcement"]


def test_teacher_cannot_export(people, case):
    assert signed_in(people["teacher"]).get(f"/cases/{case.pk}/export.pdf").status_code == 404


def test_equity_view_compares_case_share_with_enrolment_for_the_district_admin(
    people, roster, case
):
    body = signed_in(people["admin"]).get("/cases/equity/").content.decode()
    assert 'data-testid="missing-fields"' in body
    assert "race/ethnicity" in body and "disability status" in body
    assert f"{case.school.name}|{roster['maya'].grade}" in body
    assert "Over-represented" in body  # the only case is in Maya's grade
    assert AuditEvent.objects.filter(action="view", detail__report="case_equity").exists()


def test_equity_view_is_only_for_district_admins(people):
    assert signed_in(people["principal"]).get("/cases/equity/").status_code == 404


def test_home_shows_open_cases_and_due_follow_ups_to_the_team(people, case):
    from django.utils import timezone

    services.schedule_review(people["principal"], case, due_on=timezone.localdate())
    body = signed_in(people["counselor"]).get("/").content.decode()
    assert "Open cases" in body
    assert "1 follow-up due." in body
    assert 'href="/cases/"' in body  # the navigation's "Cases"
    assert "Open cases" not in signed_in(people["teacher"]).get("/").content.decode()


def test_every_staff_member_has_refer_a_student_in_the_navigation(people):
    body = signed_in(people["teacher"]).get("/").content.decode()
    assert 'href="/cases/refer/"' in body
    assert 'href="/cases/"' not in body
