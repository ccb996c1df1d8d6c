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
