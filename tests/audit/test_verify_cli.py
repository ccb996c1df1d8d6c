"""``haven audit verify``: exit 0 and the head when intact; exit 1 naming the first bad event."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from haven.audit.models import AuditEvent
from tests.audit.test_chain import append, as_attacker


def verify(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, out.getvalue(), err.getvalue()


def test_intact_log_exits_zero_and_prints_count_and_head(db):
    events = append(3)
    code, out, err = verify()
    assert code == 0
    assert out.strip() == f"audit log intact: 3 events, head {events[-1].digest}"
    assert err == ""


def test_json_prints_one_object_with_the_head_to_record(db):
    events = append(2)
    code, out, _ = verify("--json")
    assert code == 0
    report = json.loads(out)
    assert report["intact"] is True
    assert report["events"] == 2
    assert report["head"] == {"seq": 2, "digest": events[-1].digest}
    assert report["first_break"] is None


@pytest.mark.parametrize(
    ("tampering", "bad_seq", "problem"),
    [
        ("UPDATE audit_auditevent SET reason = 'nothing to see' WHERE seq = 2", 2, "altered"),
        ("DELETE FROM audit_auditevent WHERE seq = 3", 3, "missing"),
        ("DELETE FROM audit_auditevent WHERE seq = 5", 5, "missing"),
        ("UPDATE audit_auditevent SET at = '2001-01-01 00:00:00' WHERE seq = 4", 4, "altered"),
    ],
    ids=["edited", "deleted-middle", "truncated-tail", "backdated"],
)
def test_tampered_log_exits_one_naming_the_first_bad_event(db, tampering, bad_seq, problem):
    append(5)
    as_attacker(tampering)
    code, out, err = verify()
    assert code == 1
    assert out == ""
    assert err.startswith(f"audit log BROKEN at event #{bad_seq}: ")
    assert problem in err


def test_reordered_events_exit_one_naming_the_first_moved_event(db):
    append(5)
    as_attacker("UPDATE audit_auditevent SET seq = 99 WHERE seq = 2")
    as_attacker("UPDATE audit_auditevent SET seq = 2 WHERE seq = 3")
    as_attacker("UPDATE audit_auditevent SET seq = 3 WHERE seq = 99")
    code, _, err = verify()
    assert code == 1
    assert err.startswith("audit log BROKEN at event #2: event #2 does not follow")
    assert "problems in all" in err


def test_json_names_the_first_break_and_exits_one(db):
    append(4)
    as_attacker("DELETE FROM audit_auditevent WHERE seq = 2")
    code, out, _ = verify("--json")
    assert code == 1
    report = json.loads(out)
    assert report["intact"] is False
    assert report["first_break"] == {"seq": 2, "problem": "event #2 is missing (the next is #3)"}
    assert report["problems"] == len(report["breaks"]) >= 1


def test_anchor_catches_a_tail_cut_together_with_the_chain_head(db):
    events = append(4)
    anchor = f"4:{events[-1].digest}"
    assert verify("--anchor", anchor)[0] == 0
    as_attacker("DELETE FROM audit_auditevent WHERE seq = 4")
    as_attacker("UPDATE audit_chainhead SET seq = 3, digest = %s", [events[2].digest])
    assert verify()[0] == 0  # without the anchor this cannot be seen
    code, _, err = verify("--anchor", anchor)
    assert code == 1
    assert "event #4" in err
    assert "anchored" in err


def test_anchor_with_a_different_digest_fails(db):
    events = append(3)
    code, _, err = verify("--anchor", f"2:{events[0].digest}")
    assert code == 1
    assert err.startswith("audit log BROKEN at event #2: event #2 is not the one anchored")


def test_malformed_anchor_is_refused_with_the_expected_form(db):
    with pytest.raises(CommandError, match="SEQ:DIGEST"):
        verify("--anchor", "12:not-a-digest")


def test_wrong_audit_key_is_named_as_the_likely_cause(db, settings):
    append(3)
    settings.AUDIT_KEY = "a-different-audit-key-0123456789abcdefgh"
    code, _, err = verify()
    assert code == 1
    assert "HAVEN_AUDIT_KEY" in err


def test_verify_does_not_itself_add_to_the_log(db):
    append(2)
    verify()
    assert AuditEvent.objects.count() == 2
