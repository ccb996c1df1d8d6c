"""What a copy of the database shows about a named student: none of the sensitive values beside
their name. The tests read the raw columns with SQL, as whoever holds a copied database or a backup
would, on SQLite and (in CI) PostgreSQL. What stays plain, and why, is in docs/threat-model.md."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from haven.access.models import BreakGlassGrant
from haven.audit.models import AuditEvent
from haven.cases import services as cases
from haven.cases.models import CaseEvent, PathwayObservation, Screening, StepRecord
from haven.core.models import GuardianLink
from haven.notify.models import Notification
from haven.tips.services.submission import TipInput, submit
from haven.triage.models import DistrictTriageSettings
from tests.cases.conftest import EVALUATE
from tests.triage.world import HIGH, send

pytestmark = pytest.mark.django_db

CUSTODY = "Order 2025-ZQ114: the father may not collect Maya"
BREAK_GLASS = "ZQ-REASON she told her friend she would end it tonight"
SELF_HARM_TIP = "my friend keeps cutting herself and says she wants to die"

#: Tables whose rows sit beside a student (or a tip, a case, a signal about one). Their raw text
#: must name no case type, classification, stage or risk.
BESIDE_A_STUDENT = [
    "cases_case",
    "cases_caseevent",
    "cases_screening",
    "cases_pathwayobservation",
    "cases_assessment",
    "cases_steprecord",
    "triage_signal",
    "tips_tip",
    "access_breakglassgrant",
    "audit_auditevent",
    "notify_notification",
]
#: Words that say what a case is about (the case type, the CSTAG classification, a pathway stage,
#: the C-SSRS result, the signal's category), as stored or as the timeline and notices word them.
TELLING = [
    "self_harm",
    "Risk to self",
    "very_serious_substantive",
    "Very serious",
    "preparation",
    "Preparation",
    "suicide risk",
    "Suicide-risk screening: high",
    "High suicide risk",
    "Self-harm",
]


def cstag_classified(principal: Any, case: Any) -> Any:
    """A CSTAG assessment whose second step classified the threat as very serious."""
    assessment = cases.start_assessment(principal, case, "cstag")
    for key, fields in (
        ("evaluate", {"answers": EVALUATE}),
        (
            "resolve_transient",
            {
                "answers": {"resolution": "No."},
                "classification": "very_serious_substantive",
                "rationale": "Specific and repeated.",
            },
        ),
    ):
        cases.save_step(principal, assessment, key, **fields)
        for step in cases.assessment_view(principal, assessment).steps:
            if step.step.key == key:
                for item in step.actions:
                    cases.settle_action(principal, item, status="done")
        cases.close_step(principal, assessment, key)
    return assessment


@pytest.fixture
def world(people, roster, northside, district):
    principal, counselor = people["principal"], people["counselor"]
    link = GuardianLink.objects.get(student=roster["maya"], guardian=roster["father"])
    link.custody_note = CUSTODY
    link.save()
    case = cases.open_case(
        principal,
        school=northside,
        type="self_harm",
        priority=3,
        student=roster["maya"],
        team=[principal, counselor, people["sro"], people["team_member"]],
    )
    answers = {"q1": True, "q2": True, "q3": False, "q4": True, "q5": False, "q6": False}
    screening = cases.screen(counselor, case, answers)
    observation = cases.observe(
        principal, case, stage="preparation", observed_on=timezone.localdate(), source="staff"
    )
    assessment = cstag_classified(principal, case)
    grant = cases.break_glass(people["sro"], case, "clinical", BREAK_GLASS)
    # The district's own setting (which names categories, about no student): made directly.
    DistrictTriageSettings.objects.create(district=district, sensitive_categories=["self_harm"])
    signal = send(principal, HIGH).signal
    tip, _receipt = submit(TipInput(category="bullying", description=SELF_HARM_TIP))
    case.refresh_from_db()
    return {
        "link": link,
        "case": case,
        "screening": screening,
        "observation": observation,
        "assessment": assessment,
        "grant": grant,
        "signal": signal,
        "tip": tip,
    }


def raw(table: str, pk: Any, column: str) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 - fixed test names
        return cursor.fetchone()[0]


def everything_in(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - introspected names
        return "\n".join(repr(row) for row in cursor.fetchall())


def test_the_world_holds_what_a_copy_must_not_show(world):
    """The values are really there, readable through Haven (else the tests below prove nothing)."""
    case, screening, signal = world["case"], world["screening"], world["signal"]
    assert (case.type, case.priority, case.risk_level) == ("self_harm", 3, "high")
    assert case.classification == "very_serious_substantive"
    assert case.pathway_stage == "preparation"
    assert (screening.risk_level, screening.positive) == ("high", True)
    assert screening.required_actions
    assert "self_harm" in signal.flagged and signal.sensitive_reasons == ["self_harm"]
    assert "self_harm" in {c["name"] for c in world["tip"].triage["categories"]}
    assert world["grant"].reason == BREAK_GLASS
    assert AuditEvent.objects.filter(action="break_glass").latest("seq").reason == BREAK_GLASS


def test_each_sensitive_field_is_ciphertext_in_the_database(world):
    rows = [
        ("core_guardianlink", world["link"].pk, ["custody_note"]),
        (
            "cases_case",
            world["case"].pk,
            ["type", "priority", "risk_level", "classification", "stage", "pathway_stage"],
        ),
        ("cases_screening", world["screening"].pk, ["risk_level", "positive", "required_actions"]),
        ("cases_pathwayobservation", world["observation"].pk, ["stage"]),
        ("cases_assessment", world["assessment"].pk, ["classification"]),
        ("triage_signal", world["signal"].pk, ["flagged", "sensitive_reasons", "reading"]),
        ("tips_tip", world["tip"].pk, ["triage"]),
        ("access_breakglassgrant", world["grant"].pk, ["reason"]),
    ]
    rows += [("cases_steprecord", r.pk, ["classification"]) for r in StepRecord.objects.all()]
    rows += [("cases_caseevent", e.pk, ["text"]) for e in CaseEvent.objects.all()]
    notes = Notification.objects.all()
    rows += [("notify_notification", n.pk, ["title", "body", "url"]) for n in notes]
    reasons = AuditEvent.objects.filter(reason__isnull=False)
    rows += [("audit_auditevent", e.pk, ["reason"]) for e in reasons]
    assert reasons.exists() and Notification.objects.exists()
    for table, pk, columns in rows:
        for column in columns:
            stored = raw(table, pk, column)
            assert isinstance(stored, str) and stored.startswith("enc1:"), (table, column, stored)


def test_a_copy_of_the_database_names_no_risk_type_or_reason_beside_a_student(world):
    for table in BESIDE_A_STUDENT:
        text = everything_in(table)
        for word in TELLING:
            assert word not in text, (table, word)
    whole = "\n".join(everything_in(t) for t in connection.introspection.table_names())
    for secret in (CUSTODY, "ZQ114", BREAK_GLASS, "ZQ-REASON", SELF_HARM_TIP, "cutting"):
        assert secret not in whole, secret


def test_the_case_list_filters_on_blind_indexes_that_are_not_the_values(world, people):
    case = world["case"]
    for column, value in (("type_index", "self_harm"), ("priority_index", "3")):
        stored = raw("cases_case", case.pk, column)
        assert len(stored) == 32 and stored != value and int(stored, 16) >= 0  # a hex hash
    found = cases.find_cases(people["counselor"], cases.CaseFilters(type="self_harm", priority=3))
    assert [c.pk for c in found] == [case.pk]
    assert not cases.find_cases(people["counselor"], cases.CaseFilters(type="threat")).exists()


def test_reading_them_back_through_haven_gives_the_values(world):
    assert PathwayObservation.objects.get().stage == "preparation"
    assert Screening.objects.get().positive is True
    assert GuardianLink.objects.get(pk=world["link"].pk).custody_note == CUSTODY
    assert BreakGlassGrant.objects.get().reason == BREAK_GLASS
