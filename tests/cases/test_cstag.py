"""CSTAG as data: the shipped models, the step rules (no skipping, checklists settled, "when in
doubt, substantive", a rationale), and a district's own model loaded without code."""

from __future__ import annotations

import copy
import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from haven.cases import cstag, services
from haven.cases.models import AssessmentModel, Case, StepRecord
from tests.cases.conftest import EVALUATE


def _steps(principal, assessment):
    return {s.step.key: s for s in services.assessment_view(principal, assessment).steps}


def _settle_all(user, assessment, key):
    for item in _steps(user, assessment)[key].actions:
        services.settle_action(user, item, status="done")


def _close(user, assessment, key, **fields):
    services.save_step(user, assessment, key, **fields)
    _settle_all(user, assessment, key)
    services.close_step(user, assessment, key)


@pytest.fixture
def principal(people):
    return people["principal"]


@pytest.fixture
def assessment(case, principal):
    return services.start_assessment(principal, case)


def test_shipped_models_are_installed_as_rows(db):
    cstag_model = AssessmentModel.objects.get(slug="cstag")
    assert [s.title for s in cstag_model.steps.order_by("number")] == [
        "Evaluate the threat",
        "Attempt to resolve the threat as transient",
        "Respond to a substantive threat",
        "Conduct a safety evaluation",
        "Implement and monitor the safety plan",
    ]
    assert list(cstag_model.classifications.values_list("key", flat=True)) == [
        "transient",
        "serious_substantive",
        "very_serious_substantive",
    ]
    ntac = AssessmentModel.objects.get(slug="ntac")
    themes = list(ntac.steps.values_list("key", flat=True))
    for theme in ("motives", "communications", "weapons_access", "planning", "protective_factors"):
        assert theme in themes
    assert not ntac.sequential


def test_first_step_is_open_and_the_rest_wait(assessment, principal):
    steps = _steps(principal, assessment)
    assert steps["evaluate"].record.status == StepRecord.Status.OPEN
    assert {s.record.status for k, s in steps.items() if k != "evaluate"} == {"pending"}
    assert Case.objects.get(pk=assessment.case_id).stage == "Step 1: Evaluate the threat"


@pytest.mark.parametrize("call", ["save", "close"])
def test_skipping_a_step_is_refused_with_a_clear_message(assessment, principal, call):
    with pytest.raises(ValidationError) as err:
        if call == "save":
            services.save_step(principal, assessment, "respond_substantive", rationale="x")
        else:
            services.close_step(principal, assessment, "respond_substantive")
    assert err.value.message_dict["step"] == [
        'Close step 1 ("Evaluate the threat") first: steps are taken in order, none skipped.'
    ]


def test_required_questions_must_be_answered_to_close(assessment, principal):
    _settle_all(principal, assessment, "evaluate")
    with pytest.raises(ValidationError) as err:
        services.close_step(principal, assessment, "evaluate")
    assert "answers.threat_words" in err.value.message_dict
    assert "answers.witness_account" not in err.value.message_dict  # optional


def test_checklist_must_be_settled_before_the_step_closes(assessment, principal):
    services.save_step(principal, assessment, "evaluate", answers=EVALUATE)
    with pytest.raises(ValidationError) as err:
        services.close_step(principal, assessment, "evaluate")
    assert "The student who made the threat was interviewed" in err.value.message_dict["actions"][0]
    first, second, third = _steps(principal, assessment)["evaluate"].actions
    services.settle_action(principal, first, status="done")
    with pytest.raises(ValidationError) as err:
        services.settle_action(principal, second, status="not_applicable")
    assert "reason" in err.value.message_dict
    services.settle_action(principal, second, status="not_applicable", reason="No witnesses.")
    services.settle_action(principal, third, status="done")
    services.close_step(principal, assessment, "evaluate")
    assert _steps(principal, assessment)["resolve_transient"].record.status == "open"


def test_when_in_doubt_the_threat_is_treated_as_substantive(assessment, principal):
    _close(principal, assessment, "evaluate", answers=EVALUATE)
    step2 = _steps(principal, assessment)["resolve_transient"]
    assert step2.record.classification == "serious_substantive"  # pre-chosen
    _close(
        principal,
        assessment,
        "resolve_transient",
        answers={"resolution": "He would not explain."},
        rationale="Could not be resolved; in doubt.",
    )
    assessment.refresh_from_db()
    assert assessment.classification == "serious_substantive"
    steps = _steps(principal, assessment)
    assert steps["respond_substantive"].record.status == "open"
    case = Case.objects.get(pk=assessment.case_id)
    assert case.classification == "serious_substantive"


def test_a_classification_needs_its_rationale(assessment, principal):
    _close(principal, assessment, "evaluate", answers=EVALUATE)
    services.save_step(
        principal, assessment, "resolve_transient", answers={"resolution": "Apologised."}
    )
    with pytest.raises(ValidationError) as err:
        services.close_step(principal, assessment, "resolve_transient")
    assert "rationale" in err.value.message_dict


def test_transient_threat_ends_the_assessment_at_step_two(assessment, principal):
    _close(principal, assessment, "evaluate", answers=EVALUATE)
    services.save_step(principal, assessment, "resolve_transient", classification="transient")
    labels = [i.action.label for i in _steps(principal, assessment)["resolve_transient"].actions]
    assert labels[0] == "The threat was resolved (explanation, apology or making amends)"
    _close(
        principal,
        assessment,
        "resolve_transient",
        answers={"resolution": "Apologised."},
        rationale="A joke between friends, resolved at once.",
    )
    steps = _steps(principal, assessment)
    assert [steps[k].record.status for k in steps] == [
        "closed",
        "closed",
        "not_applicable",
        "not_applicable",
        "not_applicable",
    ]
    assessment.refresh_from_db()
    assert assessment.completed_at is not None
    assert Case.objects.get(pk=assessment.case_id).stage == "Assessment complete"


@pytest.mark.parametrize(
    ("classification", "next_open", "not_applicable"),
    [
        ("serious_substantive", "safety_plan", "safety_evaluation"),
        ("very_serious_substantive", "safety_evaluation", None),
    ],
)
def test_step_four_is_for_very_serious_threats_only(
    assessment, principal, classification, next_open, not_applicable
):
    _close(principal, assessment, "evaluate", answers=EVALUATE)
    _close(
        principal,
        assessment,
        "resolve_transient",
        answers={"resolution": "No."},
        classification=classification,
        rationale="Specific and repeated.",
    )
    step3 = _steps(principal, assessment)["respond_substantive"]
    assert step3.record.classification == classification  # carried forward as the default
    very = [i.action.key for i in step3.actions if i.action.classification]
    assert bool(very) is (classification == "very_serious_substantive")
    _close(
        principal,
        assessment,
        "respond_substantive",
        answers={"protective_actions": "Supervised."},
        rationale="As classified.",
    )
    steps = _steps(principal, assessment)
    assert steps[next_open].record.status == "open"
    if not_applicable:
        assert steps[not_applicable].record.status == "not_applicable"


def test_changing_the_classification_changes_the_checklist(assessment, principal):
    _close(principal, assessment, "evaluate", answers=EVALUATE)
    _close(
        principal,
        assessment,
        "resolve_transient",
        answers={"resolution": "No."},
        rationale="Substantive.",
    )
    services.save_step(
        principal, assessment, "respond_substantive", classification="very_serious_substantive"
    )
    keys = {i.action.key for i in _steps(principal, assessment)["respond_substantive"].actions}
    assert {"supervise", "law_enforcement"} <= keys
    services.save_step(
        principal, assessment, "respond_substantive", classification="serious_substantive"
    )
    keys = {i.action.key for i in _steps(principal, assessment)["respond_substantive"].actions}
    assert "supervise" not in keys
    with pytest.raises(ValidationError) as err:
        services.save_step(principal, assessment, "respond_substantive", classification="transient")
    assert "classification" in err.value.message_dict


def test_reopening_a_step_sends_the_later_ones_back(assessment, principal):
    _close(principal, assessment, "evaluate", answers=EVALUATE)
    _close(
        principal,
        assessment,
        "resolve_transient",
        answers={"resolution": "No."},
        classification="transient",
        rationale="Resolved.",
    )
    services.reopen_step(principal, assessment, "resolve_transient", "He repeated the threat.")
    assessment.refresh_from_db()
    steps = _steps(principal, assessment)
    assert steps["resolve_transient"].record.status == "open"
    assert steps["respond_substantive"].record.status == "pending"
    assert assessment.classification == "" and assessment.completed_at is None


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"nope": "x"}, "answers.nope"),
        ({"weapon_mentioned": "maybe"}, "answers.weapon_mentioned"),
        ({"target": 12}, "answers.target"),
    ],
)
def test_bad_answers_are_refused_by_name(assessment, principal, answers, field):
    with pytest.raises(ValidationError) as err:
        services.save_step(principal, assessment, "evaluate", answers=answers)
    assert field in err.value.message_dict


def test_closing_the_case_waits_for_the_assessment(assessment, principal, case):
    with pytest.raises(ValidationError) as err:
        services.close_case(
            principal, case, criteria=list(services.CLOSURE_CRITERIA), summary="Done."
        )
    assert "Evaluate the threat" in err.value.message_dict["assessment"][0]


def test_step_rules_through_the_api(case, people, api):
    client = api(people["counselor"])
    started = client.post(f"/cases/{case.pk}/assessments", {"model": "cstag"})
    assert started.status_code == 201
    body = started.json()
    skipped = client.post(f"/cases/{case.pk}/assessments/{body['id']}/steps/safety_plan/close")
    assert skipped.status_code == 422
    assert skipped.json()["errors"][0]["field"] == "step"
    step1 = body["steps"][0]
    assert {b["field"] for b in step1["blockers"]} >= {"answers.threat_words", "actions"}


# --- a district's own model, without code ---------------------------------------------------------

SALEM_KEIZER = {
    "format": 1,
    "slug": "salem-keizer",
    "version": "2024",
    "name": "Salem-Keizer Student Threat Assessment",
    "kind": "decision_tree",
    "sequential": True,
    "default_classification": "level_2",
    "classifications": [
        {"key": "level_1", "label": "Level 1: low risk", "severity": 1},
        {"key": "level_2", "label": "Level 2: team screening", "severity": 2},
    ],
    "steps": [
        {
            "key": "screen",
            "title": "Level 1 screening",
            "questions": [{"key": "summary", "prompt": "What happened?", "required": True}],
            "classifications": ["level_1", "level_2"],
            "default_classification": "level_2",
            "actions": [{"when": "level_1", "key": "document", "label": "Documented"}],
        },
        {
            "key": "team",
            "title": "Level 2 team assessment",
            "applies_to": ["level_2"],
            "actions": [{"key": "community", "label": "Community partners consulted"}],
        },
    ],
}


def test_a_district_adds_its_own_model_as_data(case, principal, tmp_path):
    path = tmp_path / "salem.json"
    path.write_text(json.dumps(SALEM_KEIZER))
    out = StringIO()
    call_command("load_assessment_model", str(path), stdout=out)
    call_command("load_assessment_model", str(path), stdout=out)  # idempotent
    assert "Already installed" in out.getvalue()
    assessment = services.start_assessment(principal, case, "salem-keizer")
    _close(principal, assessment, "screen", answers={"summary": "A threat."}, rationale="Why.")
    steps = _steps(principal, assessment)
    assert steps["team"].record.status == "open"
    assert [i.action.label for i in steps["team"].actions] == ["Community partners consulted"]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d.update(format=2), "format: must be 1"),
        (lambda d: d["steps"][1].update(applies_to=["level_9"]), "unknown classification"),
        (lambda d: d["steps"][0].update(default_classification="x"), "default_classification"),
        (lambda d: d["steps"][0]["questions"][0].update(kind="essay"), "questions[0].kind"),
        (lambda d: d["steps"].reverse(), "no earlier step decides"),
        (lambda d: d.pop("slug"), "model.slug"),
    ],
)
def test_a_bad_definition_is_refused_naming_the_problem(change, problem):
    doc = copy.deepcopy(SALEM_KEIZER)
    change(doc)
    with pytest.raises(cstag.DefinitionError) as err:
        cstag.parse(doc)
    assert any(problem in p for p in err.value.problems), err.value.problems


def test_a_model_in_use_is_not_replaced(case, principal):
    definition = cstag.parse(SALEM_KEIZER)
    cstag.install(definition)
    services.start_assessment(principal, case, "salem-keizer")
    with pytest.raises(cstag.DefinitionError, match="new version"):
        cstag.install(definition, replace=True)
