"""``haven keys generate | rotate | check``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError

from haven.audit.models import AuditEvent
from haven.core import crypto, fields
from haven.core.storage import EncryptedFileSystemStorage
from tests.core.test_crypto import NOTE_FIELDS, SECRET, Note, create_note_table, raw


@pytest.fixture
def stored(db, monkeypatch):
    """One encrypted note (the only encrypted field the command finds) and one encrypted file."""
    create_note_table()
    monkeypatch.setattr(fields, "encrypted_fields", lambda among=None: NOTE_FIELDS)
    note = Note.objects.create(body=SECRET, data={"who": "Maya"})
    private = EncryptedFileSystemStorage()
    name = private.save("case/statement.txt", ContentFile(SECRET.encode()))
    return {"note": note, "storage": private, "file": name}


def keys(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("keys", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def readable(stored: dict) -> bool:
    try:
        note = Note.objects.get(pk=stored["note"].pk)
        content = stored["storage"].open(stored["file"]).read()
    except crypto.UndecryptableError:
        return False
    return note.body == SECRET and note.data == {"who": "Maya"} and content == SECRET.encode()


def file_token(stored: dict) -> bytes:
    return Path(stored["storage"].path(stored["file"])).read_bytes()


def test_generate_prints_a_new_fernet_key_each_time():
    first, _ = keys("generate")
    second, _ = keys("generate")
    Fernet(first.strip().encode())
    assert first != second


def test_rotate_with_a_new_development_key_re_encrypts_everything(settings, stored):
    settings.ENCRYPTION_KEYS = []
    (old,) = crypto.keys()
    body_before, file_before = raw("body", stored["note"].pk), file_token(stored)

    out, err = keys("rotate", "--new-key")

    new, still_old = crypto.keys()
    assert still_old == old
    assert "re-encrypted 2 values in 2 encrypted fields (0 already current) and 1 files" in out
    assert f"with key {crypto.key_id(new)}" in out
    assert err == ""
    assert raw("body", stored["note"].pk) != body_before
    assert file_token(stored) != file_before
    settings.ENCRYPTION_KEYS = [new]  # only the new key: everything still opens
    assert readable(stored)
    settings.ENCRYPTION_KEYS = [old]  # only the old key: nothing does
    assert not readable(stored)


def test_rotate_records_the_rotation_in_the_audit_log_without_secrets(settings, stored):
    settings.ENCRYPTION_KEYS = []
    keys("rotate", "--new-key")
    event = AuditEvent.objects.get(action="key_rotation")
    detail = json.dumps(event.detail)
    assert event.detail["values"]["rotated"] == 2
    assert event.detail["files"]["rotated"] == 1
    assert event.detail["primary_key_id"] == crypto.key_id(crypto.keys()[0])
    for key in crypto.keys():
        assert key not in detail
    assert SECRET not in detail


def test_rotate_again_changes_nothing(settings, stored):
    settings.ENCRYPTION_KEYS = []
    keys("rotate", "--new-key")
    body, token = raw("body", stored["note"].pk), file_token(stored)
    out, _ = keys("rotate")
    assert "re-encrypted 0 values in 2 encrypted fields (2 already current) and 0 files (1" in out
    assert (raw("body", stored["note"].pk), file_token(stored)) == (body, token)


def test_drop_old_keeps_only_the_new_key_and_everything_stays_readable(settings, stored):
    settings.ENCRYPTION_KEYS = []
    out, _ = keys("rotate", "--new-key", "--drop-old")
    assert "removed 1 old key(s)" in out
    assert len(crypto.keys()) == 1
    assert readable(stored)


def test_production_rotation_with_the_new_key_first_in_the_environment(settings, stored):
    old, new = crypto.keys()[0], crypto.generate_key()
    settings.ENCRYPTION_KEYS = [new, old]
    keys("rotate")
    settings.ENCRYPTION_KEYS = [new]  # the operator removes the old key
    assert readable(stored)


def test_new_key_is_refused_when_the_keys_come_from_the_environment(settings, stored):
    settings.ENCRYPTION_KEYS = [crypto.generate_key()]
    with pytest.raises(CommandError, match=r"put a new key .* first in HAVEN_ENCRYPTION_KEYS"):
        keys("rotate", "--new-key")
    assert not AuditEvent.objects.filter(action="key_rotation").exists()


def test_data_no_key_opens_is_a_clear_error_and_the_old_keys_are_kept(settings, stored):
    settings.ENCRYPTION_KEYS = [crypto.generate_key()]  # a key that is then lost
    Note.objects.create(body="written with the lost key")
    settings.ENCRYPTION_KEYS = []
    (old,) = crypto.keys()
    with pytest.raises(CommandError, match=r"removed too early.*the old keys were kept") as raised:
        keys("rotate", "--new-key", "--drop-old")
    assert raised.value.returncode == 1
    assert old in crypto.keys()
    assert readable(stored)  # what could be rotated was


def test_unreadable_values_are_listed_by_field_and_row(settings, stored):
    settings.ENCRYPTION_KEYS = [crypto.generate_key()]
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("keys", "rotate", stdout=io.StringIO(), stderr=err)
    pk = stored["note"].pk
    assert f"crypto_tests.Note.body: 1 cannot be decrypted with any configured key ({pk})" in (
        err.getvalue()
    )
    assert "case/statement.txt" in err.getvalue()


def test_check_reports_what_rotate_would_do_and_changes_nothing(settings, stored):
    old = crypto.keys()[0]
    settings.ENCRYPTION_KEYS = [crypto.generate_key(), old]
    body, token = raw("body", stored["note"].pk), file_token(stored)
    out, _ = keys("check")
    assert "would re-encrypt 2 values" in out
    assert (raw("body", stored["note"].pk), file_token(stored)) == (body, token)
    assert not AuditEvent.objects.filter(action="key_rotation").exists()


def test_a_malformed_key_is_a_clear_error_not_a_traceback(settings, stored):
    settings.ENCRYPTION_KEYS = ["this-is-not-a-key"]
    with pytest.raises(CommandError, match=r"key #1 .* is not a Fernet key"):
        keys("rotate")


# --- what this version encrypts, found by itself --------------------------------------------------

#: Every field encrypted at rest because it says something about a named student (or a tip or case
#: about one); docs/threat-model.md lists them and what stays plain.
AT_REST = {
    "core.GuardianLink.custody_note",
    "cases.Case.type",
    "cases.Case.priority",
    "cases.Case.classification",
    "cases.Case.stage",
    "cases.Case.risk_level",
    "cases.Case.pathway_stage",
    "cases.CaseEvent.text",
    "cases.Assessment.classification",
    "cases.StepRecord.classification",
    "cases.PathwayObservation.stage",
    "cases.Screening.risk_level",
    "cases.Screening.positive",
    "cases.Screening.required_actions",
    "triage.Signal.flagged",
    "triage.Signal.sensitive_reasons",
    "triage.Signal.reading",
    "tips.Tip.triage",
    "access.BreakGlassGrant.reason",
    "audit.AuditEvent.reason",
    "notify.Notification.title",
    "notify.Notification.body",
    "notify.Notification.url",
}


def labels(pairs) -> set[str]:  # type: ignore[no-untyped-def]
    return {f"{model._meta.label}.{model_field.name}" for model, model_field in pairs}


def test_rotation_finds_every_field_encrypted_at_rest_and_every_blind_index():
    assert AT_REST <= labels(fields.encrypted_fields())
    assert labels(fields.blind_index_fields()) == {
        "cases.Case.type_index",
        "cases.Case.priority_index",
    }


@pytest.fixture
def sensitive(people, roster, northside):
    from haven.cases import services as cases
    from haven.core.models import GuardianLink

    case = cases.open_case(
        people["principal"],
        school=northside,
        type="self_harm",
        priority=3,
        student=roster["maya"],
        team=[people["principal"], people["counselor"], people["sro"]],
    )
    cases.break_glass(people["sro"], case, "clinical", "She said she would end it tonight")
    link = GuardianLink.objects.get(student=roster["maya"], guardian=roster["father"])
    event = AuditEvent.objects.filter(action="break_glass").latest("seq")
    return {"case": case, "link": link, "event": event}


def raw_column(table: str, column: str, pk: int) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 - fixed test names
        return cursor.fetchone()[0]


def test_rotate_re_encrypts_the_new_fields_and_the_audit_reason_keeping_the_chain(
    settings, sensitive
):
    from django.db import connection

    from haven.audit import services as audit
    from haven.audit import triggers
    from haven.cases.models import Case
    from haven.core.models import GuardianLink

    settings.ENCRYPTION_KEYS = []
    (old,) = crypto.keys()
    case, link, event = sensitive["case"], sensitive["link"], sensitive["event"]
    columns = [
        ("cases_case", "type", case.pk),
        ("cases_case", "priority", case.pk),
        ("core_guardianlink", "custody_note", link.pk),
        ("audit_auditevent", "reason", event.pk),
    ]
    before = {c: raw_column(*c) for c in columns}
    protected = triggers.installed(connection)

    keys("rotate", "--new-key")

    assert all(raw_column(*c) != before[c] for c in columns)
    settings.ENCRYPTION_KEYS = [crypto.keys()[0]]  # the new key alone opens everything
    assert Case.objects.get(pk=case.pk).type == "self_harm"
    assert GuardianLink.objects.get(pk=link.pk).custody_note == "Protective order"
    assert AuditEvent.objects.get(pk=event.pk).reason == "She said she would end it tonight"
    assert list(audit.verify()) == []
    assert triggers.installed(connection) == protected  # the log is append-only again
    settings.ENCRYPTION_KEYS = [old]
    with pytest.raises(crypto.UndecryptableError):
        AuditEvent.objects.get(pk=event.pk)


def test_a_new_pepper_re_hashes_the_blind_indexes_and_the_list_filters_throughout(
    settings, sensitive, people
):
    from haven.cases import services as cases

    counselor, case = people["counselor"], sensitive["case"]
    first = crypto.peppers()[0]
    settings.PEPPERS = [first]
    hashed = raw_column("cases_case", "type_index", case.pk)

    def urgent_self_harm() -> list[int]:
        found = cases.find_cases(counselor, cases.CaseFilters(type="self_harm", priority=3))
        return [c.pk for c in found]

    settings.PEPPERS = ["b" * 64, first]  # a new pepper put in front
    assert urgent_self_harm() == [case.pk]  # still found under the old one
    out, _ = keys("check")
    assert "would re-hash 2 blind index values in 2 indexes" in out
    keys("rotate")
    assert raw_column("cases_case", "type_index", case.pk) != hashed
    settings.PEPPERS = ["b" * 64]  # the old pepper removed
    assert urgent_self_harm() == [case.pk]
    out, _ = keys("rotate")
    assert "re-hashed 0 blind index values in 2 indexes (2 already current)" in out


def test_generate_prints_a_new_pepper():
    first, _ = keys("generate", "--pepper")
    second, _ = keys("generate", "--pepper")
    assert len(first.strip()) == 64 and int(first, 16) and first != second
