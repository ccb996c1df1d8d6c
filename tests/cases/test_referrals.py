"""Staff referrals: any staff member refers; the team opens a case from it or dismisses it."""

from __future__ import annotations

import pytest

from haven.cases import services
from haven.cases.models import Referral
from haven.notify.models import Notification


def _refer(api, people, roster, person="teacher", **extra):
    body = {
        "school": "northside-high",
        "student": roster["maya"].pk,
        "concern": "She gave away her things and said goodbye.",
        "warning_signs": ["hopelessness", "withdrawal"],
        **extra,
    }
    return api(people[person]).post("/cases/referrals", body)


def test_a_teacher_refers_and_the_team_is_told_without_the_content(
    people, roster, api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _refer(api, people, roster)
    assert response.status_code == 201
    assert response.json()["concern"] is None  # the referrer is not the team
    told = Notification.objects.filter(kind="case_referral")
    assert {n.user.username for n in told} == {"principal", "counselor", "sro", "admin"}
    assert all("goodbye" not in n.body for n in told)


def test_the_team_reads_it_and_the_referrer_follows_only_its_status(people, roster, api):
    _refer(api, people, roster)
    team_view = api(people["counselor"]).get("/cases/referrals").json()
    assert team_view[0]["concern"] == "She gave away her things and said goodbye."
    assert team_view[0]["warning_signs"] == ["hopelessness", "withdrawal"]
    own = api(people["teacher"]).get("/cases/referrals").json()
    assert own[0]["status"] == "new" and own[0]["concern"] is None
    assert api(people["frontdesk"]).get("/cases/referrals").json() == []


def test_a_case_opened_from_a_referral_takes_its_subject(people, roster, api):
    referral_id = _refer(api, people, roster).json()["id"]
    response = api(people["principal"]).post(
        "/cases", {"school": "northside-high", "type": "self_harm", "referral": referral_id}
    )
    assert response.status_code == 201
    assert response.json()["source"] == "referral"
    assert response.json()["student"]["id"] == roster["maya"].pk
    referral = Referral.objects.get(pk=referral_id)
    assert referral.status == "case_opened" and referral.case_id == response.json()["id"]
    again = api(people["principal"]).post(
        "/cases", {"school": "northside-high", "type": "self_harm", "referral": referral_id}
    )
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "referral"


def test_dismissing_needs_a_reason(people, roster, api):
    referral_id = _refer(api, people, roster).json()["id"]
    counselor = api(people["counselor"])
    empty = counselor.post(f"/cases/referrals/{referral_id}/dismiss", {"reason": " "})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "reason"
    done = counselor.post(
        f"/cases/referrals/{referral_id}/dismiss", {"reason": "Spoke with her and her mother."}
    )
    assert done.status_code == 200 and done.json()["status"] == "dismissed"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"warning_signs": ["moody"]}, "warning_signs"),
        ({"concern": ""}, "concern"),
        ({"student": None}, "student"),
    ],
)
def test_bad_referrals_are_422_naming_the_field(people, roster, api, extra, field):
    response = _refer(api, people, roster, **extra)
    assert response.status_code == 422
    assert field in {e["field"] for e in response.json()["errors"]}
    assert not Referral.objects.exists()


def test_staff_who_cannot_see_the_roster_refer_by_description(people, roster, api):
    by_id = _refer(api, people, roster, person="coordinator")
    assert by_id.status_code == 422 and by_id.json()["errors"][0]["field"] == "student"
    described = _refer(
        api, people, roster, person="coordinator", student=None, unknown_person="Girl, grade 10"
    )
    assert described.status_code == 201


def test_the_auditor_does_not_refer(people, roster):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.refer(
            people["auditor"],
            school=roster["maya"].school,
            concern="x",
            student=roster["maya"],
        )
