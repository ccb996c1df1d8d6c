"""The contract other parts rely on: opening, listing and reading cases."""

from __future__ import annotations

import pytest
from django.utils import timezone

from haven.audit.models import AuditEvent
from haven.cases.models import Case, TeamMember
from haven.notify.models import Notification


def _tip(district, school, **extra):
    from haven.tips.models import Tip

    return Tip.objects.create(
        district=district,
        school=school,
        category="violence_threat",
        description="He said he would bring a gun.",
        receipt_digest=f"digest-{school.pk if school else 'd'}-{extra.pop('n', 1)}",
        created_at=timezone.now(),
        **extra,
    )


def test_opening_a_case_answers_201_with_the_case(people, roster, api):
    response = api(people["counselor"]).post(
        "/cases",
        {
            "student": roster["maya"].pk,
            "school": "northside-high",
            "type": "both",
            "summary": "Said she wanted to die and to hurt him.",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["student"]["id"] == roster["maya"].pk
    assert (body["school"], body["type"], body["status"], body["source"]) == (
        "northside-high",
        "both",
        "open",
        "staff",
    )
    assert body["summary"] == "Said she wanted to die and to hurt him."
    assert [m["username"] for m in body["team"]] == ["counselor"]
    readable = {c["compartment"] for c in body["compartments"] if c["readable"]}
    assert readable == {"team", "clinical"}


def test_a_case_from_a_tip_names_its_source(people, roster, district, northside, api):
    tip = _tip(district, northside)
    response = api(people["principal"]).post(
        "/cases",
        {
            "student": roster["maya"].pk,
            "school": "northside-high",
            "type": "threat",
            "summary": "From the tip line",
            "source_tip": tip.pk,
            "team": ["principal", "counselor", "sro"],
            "priority": "urgent",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["source"], body["source_tip"], body["priority"]) == ("tip", tip.pk, "urgent")


def test_a_tip_of_another_school_is_refused(people, roster, district, riverside, api):
    tip = _tip(district, riverside)
    response = api(people["admin"]).post(
        "/cases",
        {
            "student": roster["maya"].pk,
            "school": "northside-high",
            "type": "threat",
            "source_tip": tip.pk,
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "source_tip"


def _signal_body(roster, signal_id, school="northside-high"):  # type: ignore[no-untyped-def]
    student = roster["maya"] if school == "northside-high" else roster["sam"]
    return {
        "student": student.pk,
        "school": school,
        "type": "threat",
        "source_signal_id": signal_id,
    }


def test_a_case_from_a_signal_the_user_sees_names_its_source(people, roster, api):
    from tests.triage.world import HIGH, send

    signal = send(people["principal"], HIGH).signal
    response = api(people["counselor"]).post("/cases", _signal_body(roster, signal.pk))
    assert response.status_code == 201
    assert (response.json()["source"], response.json()["source_signal_id"]) == (
        "signal",
        signal.pk,
    )


def test_a_case_cannot_name_a_signal_the_user_may_not_see_or_of_another_school(
    people, roster, northside, api
):
    from haven.triage.models import DistrictTriageSettings
    from tests.triage.world import HIGH, send

    DistrictTriageSettings.objects.create(
        district=northside.district, sensitive_categories=["self_harm"]
    )
    sensitive = send(people["principal"], HIGH).signal  # the reviewers' only, not the SRO's
    for person, body in (
        ("sro", _signal_body(roster, sensitive.pk)),  # exists, at the school, not the SRO's
        ("counselor", _signal_body(roster, sensitive.pk + 1000)),  # no such signal
        ("admin", _signal_body(roster, sensitive.pk, "riverside-middle")),  # another school's
    ):
        response = api(people[person]).post("/cases", body)
        assert response.status_code == 422, person
        assert response.json()["errors"] == [
            {"field": "source_signal_id", "message": "No such signal for this school."}
        ]
    assert not Case.objects.exists() and not TeamMember.objects.exists()


def test_the_service_refuses_a_signal_the_user_may_not_see(people, roster, northside):
    from django.core.exceptions import ValidationError

    from haven.cases import services
    from tests.triage.world import ROUTINE, send

    routine = send(people["principal"], ROUTINE).signal  # the team sees high and imminent only
    with pytest.raises(ValidationError) as caught:
        services.open_case(
            people["sro"],
            school=northside,
            type="threat",
            student=roster["maya"],
            source_signal_id=routine.pk,
        )
    assert set(caught.value.message_dict) == {"source_signal_id"}
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"type": "bullying"}, "type"),
        ({"student": 999999}, "student"),
        ({"student": None}, "student"),
        ({"school": "nowhere"}, "school"),
        ({"priority": "whenever"}, "priority"),
        ({"team": ["counselor", "teacher"]}, "team"),
        ({"team": ["ghost"]}, "team"),
        ({"source_signal_id": 0}, "source_signal_id"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_nothing_is_written(
    people, roster, api, change, field
):
    body = {"student": roster["maya"].pk, "school": "northside-high", "type": "threat", **change}
    response = api(people["counselor"]).post("/cases", body)
    assert response.status_code == 422
    assert field in {e["field"] for e in response.json()["errors"]}
    assert not Case.objects.exists() and not TeamMember.objects.exists()


def test_a_student_of_another_school_is_refused(people, roster, api):
    response = api(people["admin"]).post(
        "/cases", {"student": roster["sam"].pk, "school": "northside-high", "type": "threat"}
    )
    assert response.status_code == 422
    assert "not at the school" in response.json()["errors"][0]["message"]


def test_an_unknown_person_can_be_the_subject(people, api):
    response = api(people["principal"]).post(
        "/cases",
        {"school": "northside-high", "type": "threat", "unknown_person": "Man seen at the gate"},
    )
    assert response.status_code == 201
    assert response.json()["subject"] == "Unknown person"
    assert response.json()["unknown_person"] == "Man seen at the gate"


def test_the_team_is_told(people, roster, api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        api(people["principal"]).post(
            "/cases",
            {
                "student": roster["maya"].pk,
                "school": "northside-high",
                "type": "threat",
                "team": ["principal", "counselor", "team_member"],
            },
        )
    told = Notification.objects.filter(kind="case_team").values_list("user__username", flat=True)
    assert set(told) == {"counselor", "team_member"}


def test_the_list_puts_what_needs_attention_first_and_is_audited(people, roster, northside, api):
    from haven.cases import services
    from tests.cases.conftest import open_case

    routine = open_case(people, northside, roster["maya"])
    urgent = open_case(people, northside, roster["eli"], priority=3)
    closed = open_case(people, northside, roster["eli"], priority=3)
    services.close_case(
        people["principal"], closed, criteria=list(services.CLOSURE_CRITERIA), summary="Done."
    )
    rows = api(people["sro"]).get("/cases").json()
    assert [r["id"] for r in rows] == [urgent.pk, routine.pk, closed.pk]
    event = AuditEvent.objects.filter(action="list").last()
    assert event.detail["ids"] == [urgent.pk, routine.pk, closed.pk]
    assert [r["id"] for r in api(people["sro"]).get("/cases", status="closed").json()] == [
        closed.pk
    ]


def test_the_summary_is_encrypted_at_rest(case):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT summary FROM cases_case")
        (raw,) = cursor.fetchone()
    assert raw.startswith("enc1:") and "TEAM-SUMMARY" not in raw


def test_reading_a_case_as_outsider_is_the_same_404_as_a_missing_one(case, people, api):
    outsider = api(people["outsider"])
    assert outsider.get(f"/cases/{case.pk}").json() == outsider.get("/cases/987654").json()
    assert outsider.get(f"/cases/{case.pk}").status_code == 404
