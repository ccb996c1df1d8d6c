"""The admin adds an assessment model from its JSON definition and shows no case content."""

from __future__ import annotations

import json

from haven.accounts.models import User
from haven.cases.models import AssessmentModel
from tests.cases.test_cstag import SALEM_KEIZER
from tests.conftest import signed_in


def _superuser() -> User:
    return User.objects.create_superuser("root", "root@example.org", "correct horse battery")


def test_a_model_is_added_by_pasting_its_json(db):
    client = signed_in(_superuser())
    response = client.post(
        "/admin/cases/assessmentmodel/add/",
        {"definition": json.dumps(SALEM_KEIZER), "district": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    model = AssessmentModel.objects.get(slug="salem-keizer")
    assert model.steps.count() == 2


def test_a_bad_definition_is_shown_with_its_problems(db):
    client = signed_in(_superuser())
    response = client.post(
        "/admin/cases/assessmentmodel/add/",
        {"definition": json.dumps({**SALEM_KEIZER, "kind": "poem"}), "district": ""},
    )
    assert response.status_code == 200
    assert "model.kind: one of decision_tree, guide" in response.content.decode()
    assert not AssessmentModel.objects.filter(slug="salem-keizer").exists()


def test_cases_are_not_browsable_in_the_admin(case):
    client = signed_in(_superuser())
    assert client.get("/admin/cases/case/").status_code == 404
    assert client.get("/admin/cases/note/").status_code == 404
