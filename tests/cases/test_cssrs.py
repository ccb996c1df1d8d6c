"""The C-SSRS screener: skip logic, the mapping to a risk level, and what the team may see."""

from __future__ import annotations

import itertools
import json
from functools import cache

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from haven.audit.models import AuditEvent
from haven.cases import cssrs, services
from haven.cases.models import Screening
from haven.notify.models import Notification

ALL_NO = {"q1": False, "q2": False, "q6": False}


def answers(*yes: str, recent: bool | None = None) -> dict[str, bool]:
    """A valid set of answers with a yes to each of ``yes`` (follow-ups asked as the logic says)."""
    out = {"q1": "q1" in yes, "q2": "q2" in yes}
    if out["q2"]:
        out |= {k: k in yes for k in ("q3", "q4", "q5")}
    out["q6"] = "q6" in yes
    if out["q6"]:
        out["q6_recent"] = bool(recent)
    return out


@pytest.mark.parametrize(
    ("given", "level"),
    [
        (answers("q1"), "low"),
        (answers("q1", "q2"), "low"),
        (answers("q2", "q3"), "moderate"),
        (answers("q6", recent=False), "moderate"),
        (answers("q2", "q4"), "high"),
        (answers("q2", "q5"), "high"),
        (answers("q6", recent=True), "high"),
        (answers("q1", "q2", "q3", "q4", "q5", "q6", recent=True), "high"),
    ],
)
def test_risk_level_follows_the_standard_triage(given, level):
    result = cssrs.assess(given)
    assert result.risk_level == level
    assert result.positive
    assert result.required_actions == list(cssrs.mapping().actions[level])


def test_all_no_is_low_without_the_positive_screen_actions():
    result = cssrs.assess(ALL_NO)
    assert (result.risk_level, result.positive) == ("low", False)
    assert result.required_actions == list(cssrs.mapping().actions["none"])


def test_high_risk_requires_the_immediate_actions():
    actions = " ".join(cssrs.assess(answers("q2", "q4")).required_actions)
    for words in ("Do not leave the student alone", "safety evaluation", "parent or guardian"):
        assert words in actions
    assert "unless contraindicated" in actions
    assert "988" in actions


@pytest.mark.parametrize(
    ("given", "field", "words"),
    [
        ({"q1": True, "q2": False, "q3": True, "q6": False}, "answers.q3", "contradict"),
        ({"q1": True, "q2": True, "q6": False}, "answers.q3", "Ask question 3"),
        ({"q1": True, "q2": False, "q6": True}, "answers.q6_recent", "Ask question 6"),
        ({"q1": True, "q2": False, "q6": False, "q6_recent": True}, "answers.q6_recent", "only"),
        ({"q2": False, "q6": False}, "answers.q1", "must be answered"),
        ({"q1": "yes", "q2": False, "q6": False}, "answers.q1", "yes (true) or no"),
        ({"q1": 1, "q2": False, "q6": False}, "answers.q1", "yes (true) or no"),
        ({**ALL_NO, "q7": True}, "answers.q7", "Not a question"),
    ],
)
def test_answers_against_the_skip_logic_are_refused_by_name(given, field, words):
    with pytest.raises(ValidationError) as err:
        cssrs.assess(given)
    assert words in " ".join(err.value.message_dict[field])


def test_not_an_object_is_refused():
    with pytest.raises(ValidationError) as err:
        cssrs.assess(["q1"])
    assert "answers" in err.value.message_dict


KEYS = ("q1", "q2", "q3", "q4", "q5", "q6", "q6_recent")
VALUES = st.one_of(st.booleans(), st.none(), st.sampled_from(["yes", "no", 1, 0, "", [], {}]))


@settings(max_examples=400, deadline=None)
@given(
    st.dictionaries(st.sampled_from([*KEYS, "q7", "Q1", ""]), VALUES, max_size=9)
    | st.one_of(st.none(), st.integers(), st.text(max_size=5), st.lists(st.booleans()))
)
def test_any_input_gives_a_level_or_a_validation_error(raw):
    try:
        result = cssrs.assess(raw)
    except ValidationError as exc:
        assert exc.message_dict  # names what is wrong
        return
    assert result.risk_level in cssrs.LEVELS
    assert set(result.answers) <= set(KEYS)


@cache
def _valid_sets() -> list[dict[str, bool]]:
    found = []
    for bits in itertools.product([False, True, None], repeat=len(KEYS)):
        candidate = {k: v for k, v in zip(KEYS, bits, strict=True) if v is not None}
        try:
            cssrs.validate(candidate)
        except ValidationError:
            continue
        found.append(candidate)
    return found


def test_risk_never_falls_when_an_answer_turns_to_yes():
    valid = _valid_sets()
    # q1 yes/no x (q2 no, or q2 yes with q3-q5 each yes/no) x (q6 no, or yes within 3 months or not)
    assert len(valid) == 2 * (1 + 8) * 3
    yes = {i: {k for k, v in a.items() if v} for i, a in enumerate(valid)}
    level = {i: cssrs.severity(cssrs.assess(a).risk_level) for i, a in enumerate(valid)}
    for i, j in itertools.permutations(range(len(valid)), 2):
        if yes[i] <= yes[j]:
            assert level[i] <= level[j], (valid[i], valid[j])


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(KEYS), st.data())
def test_one_more_yes_never_lowers_the_risk(key, data):
    base = data.draw(st.sampled_from(_valid_sets()))
    raised = dict(base)
    raised[key] = True
    if key in ("q3", "q4", "q5"):
        raised["q2"] = True
        for follow in ("q3", "q4", "q5"):
            raised.setdefault(follow, False)
    if key == "q6_recent":
        raised["q6"] = True
    if raised.get("q6"):
        raised.setdefault("q6_recent", False)
    if raised.get("q2"):
        for follow in ("q3", "q4", "q5"):
            raised.setdefault(follow, False)
    before = cssrs.severity(cssrs.assess(base).risk_level)
    after = cssrs.severity(cssrs.assess(raised).risk_level)
    assert after >= before


def test_mapping_can_be_replaced_by_a_district_file(tmp_path, settings):
    doc = json.loads(cssrs.DEFAULT_FILE.read_text())
    doc["version"] = "district-strict"
    doc["levels"][1]["when_any_yes"] = ["q2", "q3", "q6"]  # any suicidal thought is moderate
    path = tmp_path / "cssrs.json"
    path.write_text(json.dumps(doc))
    settings.HAVEN_CSSRS_MAPPING = str(path)
    assert cssrs.mapping().version == "district-strict"
    assert cssrs.assess(answers("q1", "q2")).risk_level == "moderate"


def test_a_mapping_that_could_lower_the_risk_is_refused():
    doc = json.loads(cssrs.DEFAULT_FILE.read_text())
    doc["levels"].reverse()  # least serious first: a further yes could lower the level
    with pytest.raises(ImproperlyConfigured, match="most to the least serious"):
        cssrs.parse_mapping(doc)


# --- through the service and the API --------------------------------------------------------------


def test_screening_api_answers_the_contract(case, people, api):
    response = api(people["counselor"]).post(
        f"/cases/{case.pk}/screenings", {"answers": answers("q2", "q4")}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["risk_level"] == "high"
    assert body["required_actions"] == list(cssrs.mapping().actions["high"])


def test_contradictory_answers_are_a_422_naming_the_question_and_nothing_is_stored(
    case, people, api
):
    response = api(people["counselor"]).post(
        f"/cases/{case.pk}/screenings", {"answers": {"q1": True, "q2": False, "q3": True}}
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"answers.q3", "answers.q6"} <= fields
    assert not Screening.objects.exists()


def test_team_record_gets_the_level_and_the_clinical_record_the_answers(case, people, api):
    api(people["counselor"]).post(f"/cases/{case.pk}/screenings", {"answers": answers("q1")})
    seen_by_principal = api(people["principal"]).get(f"/cases/{case.pk}/screenings").json()
    seen_by_counselor = api(people["counselor"]).get(f"/cases/{case.pk}/screenings").json()
    assert seen_by_principal[0]["risk_level"] == "low"
    assert seen_by_principal[0]["answers"] is None
    assert seen_by_counselor[0]["answers"] == answers("q1")
    case.refresh_from_db()
    assert case.risk_level == "low"
    principal_timeline = api(people["principal"]).get(f"/cases/{case.pk}/timeline").json()
    kinds = {e["kind"] for e in principal_timeline}
    assert "risk_level" in kinds and "screening" not in kinds


def test_screening_answers_are_encrypted_at_rest(case, people):
    services.screen(people["counselor"], case, answers("q2", "q3"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers FROM cases_screening")
        (raw,) = cursor.fetchone()
    assert raw.startswith("enc1:") and '"q3"' not in raw  # base64 has no quotes


def test_reading_screening_answers_is_audited_as_clinical(case, people):
    screening = services.screen(people["counselor"], case, answers("q1"))
    services.screening_answers(people["counselor"], screening)
    event = AuditEvent.objects.filter(action="view", compartment="clinical").last()
    assert event is not None and event.actor == people["counselor"]
    assert "q1" not in json.dumps(event.detail)


def test_high_risk_tells_the_team_at_once(case, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.screen(people["counselor"], case, answers("q6", recent=True))
    told = Notification.objects.filter(kind="case_risk")
    assert {n.user.username for n in told} == {"principal", "sro", "team_member"}
    assert all(n.urgent for n in told)
