"""Safety plans, follow-up reviews with reminders, closing with criteria and reopening."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from haven.cases import services, tasks
from haven.cases.models import CaseEvent
from haven.notify.models import Notification


def _item(case, people, days=3, owner="counselor"):
    return services.add_plan_item(
        people["principal"],
        case,
        kind="supervision",
        description="Escort between classes",
        owner=people[owner],
        due_on=timezone.localdate() + timedelta(days=days),
    )


def test_plan_items_have_an_owner_who_sees_the_case(case, people):
    item = _item(case, people)
    assert item.owner == people["counselor"]
    with pytest.raises(ValidationError) as err:
        _item(case, people, owner="teacher")
    assert "owner" in err.value.message_dict


def test_due_items_reviews_and_tasks_are_reminded_once_a_day(
    case, people, django_capture_on_commit_callbacks
):
    _item(case, people, days=2)
    services.schedule_review(people["principal"], case, due_on=timezone.localdate())
    services.add_task(
        people["principal"],
        case,
        title="Call the parents",
        assignee=people["sro"],
        due_on=timezone.localdate() + timedelta(days=2),
    )
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_reminders(today) == 1  # the review, due today
        assert services.send_reminders(today) == 0  # not twice the same day
        assert services.send_reminders(today + timedelta(days=2)) == 3
    reminded = Notification.objects.filter(kind="case_reminder")
    titles = {(n.user.username, n.title) for n in reminded}
    assert ("counselor", f"A safety-plan item on case #{case.pk} is due") in titles
    assert ("sro", f"A task on case #{case.pk} is due") in titles
    review_told = {u for u, t in titles if "follow-up review" in t}
    assert review_told == {"principal", "counselor", "sro", "team_member"}
    assert all("Escort" not in n.title + n.body for n in reminded)  # no content leaves by e-mail


def test_the_worker_task_sends_the_reminders(case, people):
    _item(case, people, days=0)
    assert tasks.remind_due_items.call_local() == 1


def test_finished_items_and_closed_cases_are_not_reminded(case, people):
    item = _item(case, people, days=0)
    services.settle_plan_item(people["counselor"], item, status="done")
    assert services.send_reminders() == 0


def test_a_review_cannot_be_in_the_past(case, people):
    with pytest.raises(ValidationError) as err:
        services.schedule_review(
            people["principal"], case, due_on=timezone.localdate() - timedelta(days=1)
        )
    assert "due_on" in err.value.message_dict


def test_closing_needs_every_criterion_and_a_summary(case, people, api):
    principal = api(people["principal"])
    partial = principal.post(
        f"/cases/{case.pk}/close", {"criteria": ["risk_resolved"], "summary": "Done."}
    )
    assert partial.status_code == 422
    assert partial.json()["errors"][0]["field"] == "criteria"
    done = principal.post(
        f"/cases/{case.pk}/close",
        {"criteria": list(services.CLOSURE_CRITERIA), "summary": "Resolved with support."},
    )
    assert done.status_code == 200
    body = done.json()
    assert body["status"] == "closed" and body["closure_summary"] == "Resolved with support."
    assert body["closure_criteria"] == list(services.CLOSURE_CRITERIA)


def test_a_closed_case_takes_no_new_plan_until_reopened(case, people):
    principal = people["principal"]
    services.close_case(
        principal, case, criteria=list(services.CLOSURE_CRITERIA), summary="Resolved."
    )
    with pytest.raises(ValidationError) as err:
        _item(case, people)
    assert "case" in err.value.message_dict
    with pytest.raises(ValidationError):
        services.reopen_case(principal, case, "")
    services.reopen_case(principal, case, "A new threat was reported.")
    case.refresh_from_db()
    assert case.is_open and case.closed_at is None
    assert _item(case, people).pk
    reopened = CaseEvent.objects.get(case=case, kind="reopened")
    assert reopened.compartment == "team"


def test_only_the_schools_team_closes_a_case(case, people):
    with pytest.raises(PermissionDenied):
        services.close_case(
            people["team_member"], case, criteria=list(services.CLOSURE_CRITERIA), summary="x"
        )


def test_plan_through_the_api(case, people, api):
    client = api(people["sro"])
    due = (timezone.localdate() + timedelta(days=5)).isoformat()
    made = client.post(
        f"/cases/{case.pk}/plan/items",
        {"kind": "search", "description": "Locker search", "owner": "sro", "due_on": due},
    )
    assert made.status_code == 201
    assert client.post(f"/cases/{case.pk}/reviews", {"due_on": due}).status_code == 201
    plan = client.get(f"/cases/{case.pk}/plan").json()
    assert [i["description"] for i in plan["items"]] == ["Locker search"]
    assert [r["due_on"] for r in plan["reviews"]] == [due]
    bad = client.post(
        f"/cases/{case.pk}/plan/items",
        {"kind": "detention", "description": "x", "owner": "sro", "due_on": due},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "kind"
