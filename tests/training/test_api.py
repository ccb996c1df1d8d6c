"""The API contract outside checks rely on, and bad input answering 4xx with nothing recorded."""

from __future__ import annotations

import json

import pytest

from haven.audit.models import AuditEvent
from haven.training.models import Attempt, Completion
from tests.conftest import signed_in
from tests.training.world import answers

API = "/api/v1/training"


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_modules_list_has_the_contract_fields(teacher, modules):
    response = signed_in(teacher).get(f"{API}/modules?lang=es")
    assert response.status_code == 200
    rows = response.json()
    assert {r["slug"] for r in rows} == set(modules)
    one = next(r for r in rows if r["slug"] == "fairness")
    assert set(one) == {"slug", "title", "minutes", "languages", "source", "licence", "version"}
    assert one["title"].startswith("Equidad")
    assert one["languages"] == ["en", "es"]


def test_a_module_gives_sections_and_post_test_without_answers(teacher, modules):
    response = signed_in(teacher).get(f"{API}/modules/suicide-warning-signs?lang=en")
    assert response.status_code == 200
    body = response.json()
    assert body["sections"][0]["heading"] == "The warning signs"
    assert [q["id"] for q in body["questions"]] == ["q1", "q2", "q3", "q4", "q5"]
    assert set(body["questions"][0]) == {"id", "text", "choices"}
    assert set(body["questions"][0]["choices"][0]) == {"id", "text"}
    raw = response.content.decode()
    assert "correct" not in raw and "why" not in raw
    es = signed_in(teacher).get(f"{API}/modules/suicide-warning-signs?lang=es").json()
    assert es["sections"][0]["heading"] == "Las señales de alerta"


@pytest.mark.parametrize("url", ["/modules/nope", "/modules/nope?lang=es"])
def test_an_unknown_module_is_404(teacher, modules, url):
    assert signed_in(teacher).get(API + url).status_code == 404


def test_an_unknown_language_is_422(teacher, modules):
    response = signed_in(teacher).get(f"{API}/modules/fairness?lang=fr")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "lang"


def test_a_failed_then_passed_post_test_completes_the_module(
    teacher,
    modules,
    pathway_required,
):
    module = modules["pathway-to-violence"]
    client = signed_in(teacher)
    url = f"{API}/modules/pathway-to-violence/attempts"
    failed = post(client, url, {"kind": "post", "answers": answers(module, right=3)})
    assert failed.status_code == 201, failed.content
    assert failed.json()["score"] == 0.6
    assert failed.json()["passed"] is False
    feedback = failed.json()["feedback"]
    assert feedback[0] == {
        "question": "q1",
        "correct_choice": "b",
        "why": module.questions.get(key="q1").why["en"],
    }
    assert not Completion.objects.exists()
    me = client.get(f"{API}/me").json()
    assert me[0]["status"] == "in_progress" and me[0]["completed_at"] is None
    passed = post(client, url, {"kind": "post", "answers": answers(module)})
    assert passed.status_code == 201
    assert passed.json() == {**passed.json(), "score": 1.0, "passed": True}
    completion = Completion.objects.get(user=teacher)
    me = client.get(f"{API}/me").json()
    assert me == [
        {
            "module": "pathway-to-violence",
            "requirement": "pathway-to-violence required",
            "school": "northside-high",
            "status": "done",
            "due": "2027-03-01",
            "completed_at": me[0]["completed_at"],
        }
    ]
    assert me[0]["completed_at"].startswith(completion.completed_at.date().isoformat())
    assert AuditEvent.objects.filter(action="training.attempt", actor=teacher).count() == 2


def test_the_pass_mark_is_80_percent_by_default(teacher, modules, pathway_required):
    module = modules["pathway-to-violence"]
    url = f"{API}/modules/pathway-to-violence/attempts"
    four_of_five = post(
        signed_in(teacher), url, {"kind": "post", "answers": answers(module, right=4)}
    )
    assert four_of_five.json()["passed"] is True


def test_a_pre_test_never_completes(teacher, modules, pathway_required):
    module = modules["pathway-to-violence"]
    url = f"{API}/modules/pathway-to-violence/attempts"
    response = post(signed_in(teacher), url, {"kind": "pre", "answers": answers(module, "pre")})
    assert response.status_code == 201
    assert response.json()["passed"] is True
    assert len(response.json()["feedback"]) == 4  # q5 is in the post-test only
    assert not Completion.objects.exists()


def test_answers_to_a_module_not_assigned_are_403(teacher, modules, pathway_required):
    module = modules["fairness"]
    url = f"{API}/modules/fairness/attempts"
    response = post(signed_in(teacher), url, {"kind": "post", "answers": answers(module)})
    assert response.status_code == 403
    assert not Attempt.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "post", "answers": {"q1": "b"}}, "answers.q2"),
        ({"kind": "post", "answers": {"nope": "a"}}, "answers.nope"),
        ({"kind": "mid", "answers": {}}, "kind"),
        ({"kind": "post", "answers": ["a"]}, "answers"),
        ({"kind": "post"}, "answers"),
        ({"kind": "post", "answers": {"q1": 3}}, "answers.q1"),
    ],
)
def test_bad_answers_are_422_and_record_nothing(
    teacher,
    modules,
    pathway_required,
    body,
    field,
):
    response = post(signed_in(teacher), f"{API}/modules/pathway-to-violence/attempts", body)
    assert response.status_code == 422, response.content
    assert field in {e["field"] for e in response.json()["errors"]}
    assert not Attempt.objects.exists()


def test_an_unknown_choice_is_422(teacher, modules, pathway_required):
    given = answers(modules["pathway-to-violence"])
    given["q1"] = "zz"
    response = post(
        signed_in(teacher),
        f"{API}/modules/pathway-to-violence/attempts",
        {"kind": "post", "answers": given},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "answers.q1", "message": "No such choice for this question."}
    ]


def test_a_body_that_is_not_json_is_400_not_500(teacher, modules, pathway_required):
    response = signed_in(teacher).post(
        f"{API}/modules/pathway-to-violence/attempts", data="{", content_type="application/json"
    )
    assert 400 <= response.status_code < 500


def test_a_retake_while_an_attempt_is_in_progress_is_409(
    teacher,
    modules,
    pathway_required,
):
    from haven.training import services

    module = modules["pathway-to-violence"]
    services.start_attempt(teacher, module, "post")
    response = post(
        signed_in(teacher),
        f"{API}/modules/pathway-to-violence/attempts",
        {"kind": "post", "answers": answers(module)},
    )
    assert response.status_code == 409
    assert "in progress" in response.json()["detail"]
    assert Attempt.objects.filter(submitted_at__isnull=False).count() == 0


def test_compliance_counts_per_role(people, modules, pathway_required):
    from haven.training import services

    services.submit(
        people["teacher"],
        modules["pathway-to-violence"],
        "post",
        answers(modules["pathway-to-violence"]),
    )
    response = signed_in(people["principal"]).get(f"{API}/compliance?school=northside-high")
    assert response.status_code == 200
    body = response.json()
    assert body["school"] == "northside-high" and body["target"] == 80
    staff = next(r for r in body["roles"] if r["role"] == "staff")
    assert staff == {"role": "staff", "assigned": 1, "done": 1, "overdue": 0, "percent": 100.0}
    principals = next(r for r in body["roles"] if r["role"] == "school_admin")
    assert principals["done"] == 0 and principals["percent"] == 0.0
    assert AuditEvent.objects.filter(
        action="read", object_type="training.compliance", actor=people["principal"]
    ).exists()


@pytest.mark.parametrize(
    ("who", "school", "status"),
    [
        ("principal", "northside-high", 200),
        ("principal", "riverside-middle", 404),
        ("principal2", "riverside-middle", 200),
        ("admin", "northside-high", 200),
        ("admin", "riverside-middle", 200),
        ("teacher", "northside-high", 403),
        ("counselor", "northside-high", 403),
        ("outsider", "northside-high", 403),
        ("principal", "no-such-school", 404),
    ],
)
def test_compliance_is_scoped_by_the_policy(
    people,
    modules,
    pathway_required,
    who,
    school,
    status,
):
    response = signed_in(people[who]).get(f"{API}/compliance?school={school}")
    assert response.status_code == status


def test_compliance_needs_a_school(people, modules):
    response = signed_in(people["admin"]).get(f"{API}/compliance")
    assert response.status_code == 422


def test_signed_out_is_401_and_no_role_is_403(client, people, modules):
    assert client.get(f"{API}/modules").status_code == 401
    assert signed_in(people["nobody"]).get(f"{API}/modules").status_code == 403
    assert signed_in(people["nobody"]).get(f"{API}/me").status_code == 403
