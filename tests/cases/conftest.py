"""A northside case with something in every compartment, for the stories in tests/cases.

The case's team: principal, counselor, sro and team_member (a safety-team member);
``team_member_off`` is a safety-team member at the same school who is not on it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from haven.access.models import Compartment
from haven.accounts.models import Role
from haven.cases import services
from tests.conftest import make_user, signed_in

SECRET = {
    Compartment.TEAM: "TEAM-SECRET-NOTE",
    Compartment.CLINICAL: "CLINICAL-SECRET-NOTE",
    Compartment.LAW_ENFORCEMENT: "LE-SECRET-NOTE",
}
REASON = "He told a teacher he has a gun in his locker right now."
EVALUATE = {
    "threat_words": "You'll be sorry.",
    "target": "A classmate",
    "context": "After a fight at lunch",
    "student_account": "Was angry, did not mean it",
    "weapon_mentioned": False,
}


class Api:
    """A signed-in JSON client for /api/v1."""

    def __init__(self, user: Any) -> None:
        self.client = signed_in(user)

    def get(self, path: str, **params: Any):  # type: ignore[no-untyped-def]
        return self.client.get(f"/api/v1{path}", params)

    def post(self, path: str, body: Any = None, method: str = "post"):  # type: ignore[no-untyped-def]
        send = getattr(self.client, method)
        return send(f"/api/v1{path}", json.dumps(body or {}), content_type="application/json")

    def put(self, path: str, body: Any = None):  # type: ignore[no-untyped-def]
        return self.post(path, body, method="put")


@pytest.fixture
def api():
    return Api


@pytest.fixture
def team_member_off(district, northside):
    return make_user("team_member_off", Role.SAFETY_TEAM, northside, district)


def open_case(people: dict[str, Any], school: Any, student: Any, **extra: Any):  # type: ignore[no-untyped-def]
    team = [people[n] for n in ("principal", "counselor", "sro", "team_member")]
    return services.open_case(
        people["principal"],
        school=school,
        type=extra.pop("type", "threat"),
        summary=extra.pop("summary", "TEAM-SUMMARY"),
        student=student,
        team=team,
        **extra,
    )


@pytest.fixture
def case(people, roster, northside):
    return open_case(people, northside, roster["maya"])


@pytest.fixture
def filled(case, people):
    """The case with one note in every compartment; returns {compartment: note}."""
    authors = {
        Compartment.TEAM: people["principal"],
        Compartment.CLINICAL: people["counselor"],
        Compartment.LAW_ENFORCEMENT: people["sro"],
    }
    return {
        part: services.add_note(author, case, part, SECRET[part])
        for part, author in authors.items()
    }


@pytest.fixture
def world(people, roster, northside, case, filled, team_member_off):
    """Everything the permission matrix calls an endpoint on."""
    principal = people["principal"]
    assessment = services.start_assessment(principal, case, "cstag")
    services.save_step(principal, assessment, "evaluate", answers=EVALUATE)
    view = services.assessment_view(principal, assessment)
    items = view.steps[0].actions
    for item in items:
        services.settle_action(principal, item, status="done")
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    item = services.add_plan_item(
        principal,
        case,
        kind="support",
        description="Weekly check-in",
        owner=people["counselor"],
        due_on=today + timedelta(days=7),
    )
    review = services.schedule_review(principal, case, due_on=today + timedelta(days=14))
    plain = open_case(people, northside, roster["eli"], summary="plain")
    closed = open_case(people, northside, roster["eli"], summary="closed")
    services.close_case(
        principal, closed, criteria=list(services.CLOSURE_CRITERIA), summary="All resolved."
    )
    referral = services.refer(
        people["teacher"], school=northside, student=roster["eli"], concern="Withdrawn lately."
    )
    return {
        **people,
        **roster,
        "team_member_off": team_member_off,
        "principal_glass": principal,
        "case": case,
        "notes": filled,
        "assessment": assessment,
        "action": items[0],
        "plan_item": item,
        "review": review,
        "plain_case": plain,
        "closed_case": closed,
        "referral": referral,
        "northside": northside,
    }
