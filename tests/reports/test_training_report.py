"""Training completion by school and role, counted as the training app counts it."""

from __future__ import annotations

import time_machine

from haven.reports import filters as report_filters
from haven.reports.training import training_report
from haven.training.models import Completion
from tests.conftest import signed_in
from tests.reports.conftest import NOW
from tests.training.world import modules, pathway_required  # noqa: F401 - fixtures


def test_completion_by_school_and_role(people, pathway_required, modules):  # noqa: F811
    module = modules["pathway-to-violence"]
    Completion.objects.create(
        user=people["teacher"],
        module=module,
        version=module.version,
        number="HT-TEST-0001",
        via="attendance",
        completed_at=NOW,
    )
    with time_machine.travel(NOW, tick=False):
        principal = people["principal"]
        filters = report_filters.read(principal, "training", {})
        found = training_report(principal, filters)
        page = signed_in(principal).get("/reports/training/")
        refused = signed_in(people["teacher"]).get("/reports/training/")
    staff = next(r for r in found["rows"] if r["role"] == "staff")
    assert staff["school"] == "northside-high"
    assert staff["done"] == 1 and staff["assigned"] >= 1
    assert {r["school"] for r in found["rows"]} == {"northside-high"}
    assert found["by_role"]["staff"]["done"] == 1
    assert "Teacher" not in str(found) and people["teacher"].username not in str(found)
    body = page.content.decode()
    assert page.status_code == 200 and 'role="img"' in body
    assert "Training completion by role" in body
    assert refused.status_code == 403
