"""The pathway to violence as a dated history, with a warning when a case moves forward."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from haven.cases import pathway, services
from haven.cases.models import PathwayObservation
from haven.notify.models import Notification


def _observe(user, case, stage, days_ago, source="staff"):
    return services.observe(
        user,
        case,
        stage=stage,
        observed_on=timezone.localdate() - timedelta(days=days_ago),
        source=source,
        summary="",
    )


def test_forward_movement_warns_the_team(case, people, django_capture_on_commit_callbacks):
    counselor = people["counselor"]
    with django_capture_on_commit_callbacks(execute=True):
        first = _observe(counselor, case, "grievance", 20)
        again = _observe(counselor, case, "grievance", 10)
        further = _observe(counselor, case, "ideation", 5)
    assert (first.forward, again.forward, further.forward) == (True, False, True)
    warned = Notification.objects.filter(kind="case_pathway")
    assert warned.count() == 2 * 3  # two forward moves, told to the team but not the recorder
    assert {n.user.username for n in warned} == {"principal", "sro", "team_member"}
    case.refresh_from_db()
    assert case.pathway_stage == "ideation"


def test_late_stages_are_urgent(case, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _observe(people["sro"], case, "preparation", 1, "online")
    assert all(n.urgent for n in Notification.objects.filter(kind="case_pathway"))


def test_a_backdated_observation_further_along_still_warns(case, people):
    _observe(people["counselor"], case, "ideation", 2)
    older = _observe(people["counselor"], case, "research_planning", 30)
    assert older.forward
    history = services.pathway_history(people["principal"], case)
    assert [o.stage for o in history] == ["research_planning", "ideation"]  # by date


def test_a_date_in_the_future_is_refused_and_nothing_is_written(case, people, api):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = api(people["counselor"]).post(
        f"/cases/{case.pk}/pathway",
        {"stage": "grievance", "observed_on": tomorrow, "source": "staff"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "observed_on"
    assert not PathwayObservation.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"stage": "anger", "observed_on": "2024-01-01", "source": "staff"}, "stage"),
        ({"stage": "grievance", "observed_on": "yesterday", "source": "staff"}, "observed_on"),
        ({"stage": "grievance", "observed_on": "2024-01-01", "source": "rumour"}, "source"),
    ],
)
def test_bad_observations_are_422_naming_the_field(case, people, api, body, field):
    response = api(people["counselor"]).post(f"/cases/{case.pk}/pathway", body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_stages_are_ordered_along_the_path():
    assert [pathway.rank(s) for s in pathway.Stage] == [1, 2, 3, 4, 5, 6]
    assert pathway.furthest(["ideation", "grievance"]) == "ideation"
    assert pathway.is_forward([], "grievance")
    assert not pathway.is_forward(["preparation"], "ideation")
