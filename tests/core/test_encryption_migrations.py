"""The migrations that encrypt existing rows: values stored plain by the previous version are
encrypted in place (blind indexes filled), read back unchanged, and restored when the migration is
reversed; the audit log's old events still verify. Run on SQLite and PostgreSQL (whose column types
the reverse casts back)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from haven.audit import services as audit
from haven.audit import triggers
from haven.audit.models import AuditEvent, ChainHead
from haven.core import crypto

pytestmark = pytest.mark.django_db(transaction=True)

AUDIT_BEFORE = ("audit", "0005_fill_audit_districts")
AUDIT_AFTER = ("audit", "0006_encrypt_audit_reason")
CASES_BEFORE = ("cases", "0002_builtin_assessment_models")
CASES_AFTER = ("cases", "0003_encrypt_case_facts")


def migrate(*targets: tuple[str, str]) -> Any:
    """Migrate to ``targets``; returns the historical apps at that state."""
    executor = MigrationExecutor(connection)
    executor.migrate(list(targets))
    executor.loader.build_graph()
    return executor.loader.project_state(list(targets)).apps


@pytest.fixture
def restored() -> Iterator[None]:
    """Whatever a test migrates back, the database ends at the latest migrations again."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def raw(sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall() if cursor.description else []


def append_plain_event(seq: int, reason: str) -> None:
    """An event as the previous version wrote it: the reason in plain text, chained over it."""
    head = ChainHead.objects.filter(id=1).first()
    prev = head.digest if head else audit.GENESIS
    values = {
        "seq": seq,
        "at": timezone.now(),
        "actor_id": None,
        "actor_label": "system",
        "action": "break_glass",
        "object_type": "cases.case",
        "object_id": "1",
        "compartment": "clinical",
        "school_id": None,
        "district_id": None,
        "reason": reason,
        "detail": {"n": seq},
        "prev_digest": prev,
    }
    digest = audit._digest(crypto.audit_key(), values)
    raw(
        "INSERT INTO audit_auditevent (seq, at, actor_id, actor_label, action, object_type, "
        "object_id, compartment, school_id, reason, detail, prev_digest, digest) "
        "VALUES (%s, %s, NULL, 'system', 'break_glass', 'cases.case', '1', 'clinical', NULL, "
        "%s, %s, %s, %s)",
        [seq, values["at"], reason, json.dumps(values["detail"]), prev, digest],
    )
    if head is None:
        raw("INSERT INTO audit_chainhead (id, seq, digest) VALUES (1, %s, %s)", [seq, digest])
    else:
        raw("UPDATE audit_chainhead SET seq = %s, digest = %s WHERE id = 1", [seq, digest])


def test_old_audit_events_are_encrypted_in_place_and_still_verify(restored):
    migrate(AUDIT_BEFORE)
    append_plain_event(1, "He has a gun in his locker")
    append_plain_event(2, "")
    migrate(AUDIT_AFTER)

    stored = dict(raw("SELECT seq, reason FROM audit_auditevent ORDER BY seq"))
    assert stored[1].startswith("enc1:") and "gun" not in stored[1]
    assert stored[2] is None  # no reason: NULL, chained as an empty one
    assert [e.reason for e in AuditEvent.objects.order_by("seq")] == [
        "He has a gun in his locker",
        None,
    ]
    audit.record(None, "view", ("cases.case", "1"), reason="a new one")
    assert list(audit.verify()) == []
    expected = triggers.installed(connection)
    assert expected  # put back after the rewrite

    migrate(AUDIT_BEFORE)
    assert dict(raw("SELECT seq, reason FROM audit_auditevent ORDER BY seq")) == {
        1: "He has a gun in his locker",
        2: "",
        3: "a new one",
    }
    assert triggers.installed(connection) == expected


def test_case_facts_are_encrypted_in_place_indexed_and_restored_when_reversed(restored):
    apps = migrate(CASES_BEFORE)
    school = apps.get_model("core", "School").objects.create(
        district=apps.get_model("core", "District").objects.create(name="D", slug="d"),
        name="North",
        slug="north",
    )
    student = apps.get_model("core", "Student").objects.create(
        school=school, given_name="Maya", family_name="Lopez"
    )
    case = apps.get_model("cases", "Case").objects.create(
        school=school,
        student=student,
        type="self_harm",
        priority=3,
        risk_level="high",
        classification="very_serious_substantive",
        pathway_stage="preparation",
    )
    screening = apps.get_model("cases", "Screening").objects.create(
        case=case,
        mapping_version="default",
        answers={"q1": True},
        risk_level="high",
        positive=True,
        required_actions=["do_not_leave_alone"],
    )
    apps.get_model("cases", "CaseEvent").objects.create(
        case=case, kind="risk_level", text="Suicide-risk screening: high risk"
    )

    migrate(CASES_AFTER)
    from haven.cases.models import Case, CaseEvent, Screening

    row = raw(
        "SELECT type, priority, risk_level, classification, pathway_stage FROM cases_case "
        "WHERE id = %s",
        [case.pk],
    )[0]
    assert all(value.startswith("enc1:") for value in row)
    screening_row = raw(
        "SELECT risk_level, positive, required_actions FROM cases_screening WHERE id = %s",
        [screening.pk],
    )[0]
    assert all(value.startswith("enc1:") for value in screening_row)
    assert raw("SELECT text FROM cases_caseevent")[0][0].startswith("enc1:")
    found = Case.objects.get(pk=case.pk)
    assert (found.type, found.priority, found.risk_level) == ("self_harm", 3, "high")
    assert found.type_index == Case._meta.get_field("type_index").hashes("self_harm")[0]
    assert Case.objects.filter(Case._meta.get_field("priority_index").q(3)).get() == found
    read = Screening.objects.get(pk=screening.pk)
    assert (read.positive, read.required_actions) == (True, ["do_not_leave_alone"])
    assert CaseEvent.objects.get().text == "Suicide-risk screening: high risk"

    apps = migrate(CASES_BEFORE)
    old = apps.get_model("cases", "Case").objects.get(pk=case.pk)
    assert (old.type, old.priority, old.risk_level, old.pathway_stage) == (
        "self_harm",
        3,
        "high",
        "preparation",
    )
    plain = apps.get_model("cases", "Screening").objects.get(pk=screening.pk)
    assert (plain.positive, plain.required_actions) == (True, ["do_not_leave_alone"])
    assert apps.get_model("cases", "CaseEvent").objects.get().text.startswith("Suicide-risk")
