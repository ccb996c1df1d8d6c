"""The demo district's cases: every step, every compartment, the promised teams; idempotent."""

from __future__ import annotations

from haven.cases import demo as cases_demo
from haven.cases.models import Case, Note, Referral, StepRecord
from haven.home import demo


def test_demo_cases_are_at_every_step_with_notes_everywhere_and_load_once(db):
    demo.load()
    count = Case.objects.count()
    notes = Note.objects.count()
    assert cases_demo.load() == count  # again: nothing new
    assert (Case.objects.count(), Note.objects.count()) == (count, notes)
    assert count == 2 * len(cases_demo.SCENARIOS)
    open_steps = set(StepRecord.objects.filter(status="open").values_list("step__key", flat=True))
    assert open_steps == {"evaluate", "respond_substantive", "safety_evaluation", "safety_plan"}
    closed = Case.objects.filter(status="closed")
    assert [c.classification for c in closed].count("transient") == 2  # encrypted: read here
    for case in Case.objects.all():
        assert set(case.notes.values_list("compartment", flat=True)) == {
            "team",
            "clinical",
            "law_enforcement",
        }
    for slug, (_, counselor, sro, _) in cases_demo.PEOPLE.items():
        for case in Case.objects.filter(school__slug=slug):
            team = set(case.team.values_list("username", flat=True))
            assert {counselor, sro} <= team
    assert Referral.objects.count() == 2
    cases = list(Case.objects.all())
    assert any(c.pathway_stage for c in cases)
    assert any(c.risk_level == "moderate" for c in cases)
