"""Encryption at rest: what is on disk and in the database is ciphertext, readable only while a key
that wrote it is configured; rotation moves everything onto the primary key."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.apps.registry import Apps
from django.core.exceptions import FieldError
from django.core.files.base import ContentFile
from django.db import connection, models

from haven.core import crypto, fields
from haven.core.fields import EncryptedJSONField, EncryptedTextField
from haven.core.storage import EncryptedFileSystemStorage, encrypted_locations, rotate_files

SECRET = "Maya said she saw the knife in his locker"

# A model of the tests' own, in its own app registry: the real apps do not see it, and its table
# exists only inside each test's transaction (see ``note_table``).
test_apps = Apps()


class Note(models.Model):
    title = models.CharField(max_length=50, default="")
    body = EncryptedTextField(null=True, blank=True)
    data = EncryptedJSONField(null=True, blank=True)

    class Meta:
        app_label = "crypto_tests"
        apps = test_apps

    def __str__(self) -> str:
        return self.title


NOTE_FIELDS = [(Note, Note._meta.get_field("body")), (Note, Note._meta.get_field("data"))]


def create_note_table() -> None:
    sql, params = connection.schema_editor().table_sql(Note)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def note_table(db):
    create_note_table()


@pytest.fixture
def old_key(settings):
    key = Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [key]
    return key


@pytest.fixture
def new_key():
    return Fernet.generate_key().decode()


def raw(column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM crypto_tests_note WHERE id = %s", [pk])  # noqa: S608 - fixed test column names
        return cursor.fetchone()[0]


# --- fields -----------------------------------------------------------------------------------


def test_encrypted_text_is_ciphertext_in_the_database_and_plaintext_when_read(note_table):
    note = Note.objects.create(body=SECRET)
    stored = raw("body", note.pk)
    assert stored.startswith("enc1:")
    assert "knife" not in stored
    assert "Maya" not in stored
    assert Note.objects.get(pk=note.pk).body == SECRET
    assert Note.objects.values_list("body", flat=True).get() == SECRET


def test_same_text_encrypts_differently_each_time(note_table):
    first, second = Note.objects.create(body=SECRET), Note.objects.create(body=SECRET)
    assert raw("body", first.pk) != raw("body", second.pk)


def test_encrypted_json_round_trips_and_is_ciphertext(note_table):
    payload = {"student": "Maya", "scores": [3, 4], "flag": True}
    note = Note.objects.create(data=payload)
    assert "Maya" not in raw("data", note.pk)
    assert Note.objects.get(pk=note.pk).data == payload


def test_none_is_stored_as_null_and_empty_text_is_encrypted(note_table):
    empty = Note.objects.create(body="")
    none = Note.objects.create(body=None)
    assert raw("body", none.pk) is None
    assert raw("body", empty.pk).startswith("enc1:")
    assert Note.objects.get(pk=empty.pk).body == ""
    assert list(Note.objects.filter(body__isnull=True).values_list("pk", flat=True)) == [none.pk]


def test_updates_and_bulk_writes_are_encrypted_too(note_table):
    note = Note.objects.create(body="first")
    Note.objects.filter(pk=note.pk).update(body="updated text")
    Note.objects.bulk_create([Note(body="bulk text")])
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM crypto_tests_note")
        stored = [value for (value,) in cursor.fetchall()]
    assert all(value.startswith("enc1:") and "text" not in value for value in stored)
    assert sorted(Note.objects.values_list("body", flat=True)) == ["bulk text", "updated text"]


@pytest.mark.parametrize("lookup", ["body", "body__exact", "body__icontains", "body__startswith"])
def test_filtering_on_encrypted_content_is_refused_clearly(note_table, lookup):
    with pytest.raises(FieldError, match="is encrypted"):
        Note.objects.filter(**{lookup: SECRET})


def test_a_value_written_with_a_removed_key_gives_a_clear_error(note_table, settings, old_key):
    note = Note.objects.create(body=SECRET)
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.UndecryptableError, match="none of the 1 configured encryption key"):
        Note.objects.get(pk=note.pk)


def test_a_planted_plaintext_value_is_refused_not_shown(note_table):
    note = Note.objects.create(body=SECRET)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE crypto_tests_note SET body = 'forged' WHERE id = %s", [note.pk])
    with pytest.raises(crypto.UndecryptableError, match="not encrypted"):
        Note.objects.get(pk=note.pk)


class Plain(models.Model):
    body = models.TextField()

    class Meta:
        app_label = "crypto_tests"
        apps = test_apps

    def __str__(self) -> str:
        return self.body


def test_encrypted_fields_finds_every_encrypted_field_and_no_other():
    assert fields.encrypted_fields([Plain, Note]) == NOTE_FIELDS
    for _model, model_field in fields.encrypted_fields():
        assert isinstance(model_field, EncryptedTextField)


# --- keys -------------------------------------------------------------------------------------


def test_development_key_file_is_made_once_with_owner_only_access(settings):
    settings.ENCRYPTION_KEYS = []
    first = crypto.keys()
    path = settings.DATA_DIR / "keys" / "encryption.keys"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert crypto.keys() == first
    assert len(first) == 1
    Fernet(first[0].encode())  # a valid key


def test_changing_the_configured_keys_takes_effect_despite_the_cache(settings, old_key, new_key):
    token = crypto.encrypt(b"x")
    settings.ENCRYPTION_KEYS = [new_key]
    with pytest.raises(crypto.UndecryptableError):
        crypto.decrypt(token)
    settings.ENCRYPTION_KEYS = [new_key, old_key]
    assert crypto.decrypt(token) == b"x"


def test_a_malformed_key_is_named_by_position(settings, old_key):
    settings.ENCRYPTION_KEYS = [old_key, "not-a-key"]
    with pytest.raises(crypto.KeyConfigError, match=r"key #2 .* is not a Fernet key"):
        crypto.encrypt(b"x")


def test_adding_and_dropping_development_keys_keeps_the_audit_key(settings):
    settings.ENCRYPTION_KEYS = []
    settings.AUDIT_KEY = ""
    original = crypto.keys()
    audit_key = crypto.audit_key()
    new = crypto.add_dev_key()
    assert crypto.keys() == [new, *original]
    assert crypto.drop_old_dev_keys() == 1
    assert crypto.keys() == [new]
    assert crypto.audit_key() == audit_key


def test_development_audit_key_of_an_older_data_directory_is_kept(settings):
    # Before keys/audit.key existed, the dev audit key derived from the first dev encryption key.
    import base64
    import hashlib

    settings.ENCRYPTION_KEYS = []
    settings.AUDIT_KEY = ""
    (first,) = crypto.keys()
    expected = hashlib.sha256(b"haven-audit:" + base64.urlsafe_b64decode(first)).digest()
    assert crypto.audit_key() == expected


def test_configured_keys_cannot_be_changed_from_haven(settings, old_key):
    with pytest.raises(crypto.KeyConfigError, match="HAVEN_ENCRYPTION_KEYS is set"):
        crypto.add_dev_key()


# --- rotation of fields -----------------------------------------------------------------------


def test_rotation_leaves_values_readable_only_with_the_new_key(
    note_table, settings, old_key, new_key
):
    notes = [Note.objects.create(body=f"{SECRET} {n}", data={"n": n}) for n in range(5)]
    before = {note.pk: raw("body", note.pk) for note in notes}
    settings.ENCRYPTION_KEYS = [new_key, old_key]

    results = fields.rotate_fields(NOTE_FIELDS, batch_size=2)

    assert [(r.label, r.rotated, r.current, r.unreadable) for r in results] == [
        ("crypto_tests.Note.body", 5, 0, []),
        ("crypto_tests.Note.data", 5, 0, []),
    ]
    assert all(raw("body", pk) != token for pk, token in before.items())
    settings.ENCRYPTION_KEYS = [new_key]
    assert [n.body for n in Note.objects.order_by("pk")] == [f"{SECRET} {n}" for n in range(5)]
    assert [n.data for n in Note.objects.order_by("pk")] == [{"n": n} for n in range(5)]
    settings.ENCRYPTION_KEYS = [old_key]
    with pytest.raises(crypto.UndecryptableError):
        list(Note.objects.all())


def test_rotation_run_again_changes_nothing(note_table, settings, old_key, new_key):
    note = Note.objects.create(body=SECRET)
    settings.ENCRYPTION_KEYS = [new_key, old_key]
    fields.rotate_fields(NOTE_FIELDS)
    rotated = raw("body", note.pk)
    (body, data) = fields.rotate_fields(NOTE_FIELDS)
    assert (body.rotated, body.current) == (0, 1)
    assert (data.rotated, data.current) == (0, 0)  # NULL is not a value to rotate
    assert raw("body", note.pk) == rotated


def test_rotation_dry_run_writes_nothing(note_table, settings, old_key, new_key):
    note = Note.objects.create(body=SECRET)
    token = raw("body", note.pk)
    settings.ENCRYPTION_KEYS = [new_key, old_key]
    (body, _) = fields.rotate_fields(NOTE_FIELDS, dry_run=True)
    assert body.rotated == 1
    assert raw("body", note.pk) == token


def test_rotation_counts_values_no_key_opens_and_leaves_them(
    note_table, settings, old_key, new_key
):
    lost = Note.objects.create(body="written with a key that is gone")
    settings.ENCRYPTION_KEYS = [new_key]
    kept = Note.objects.create(body="fine")
    (body, _) = fields.rotate_fields(NOTE_FIELDS)
    assert body.unreadable == [str(lost.pk)]
    assert body.current == 1
    settings.ENCRYPTION_KEYS = [new_key, old_key]
    assert Note.objects.get(pk=lost.pk).body == "written with a key that is gone"
    assert Note.objects.get(pk=kept.pk).body == "fine"


def test_rotation_keeps_a_value_the_application_changed_meanwhile(
    note_table, settings, old_key, new_key, monkeypatch
):
    note = Note.objects.create(body="old text")
    settings.ENCRYPTION_KEYS = [new_key, old_key]
    real_rotate = crypto.rotate

    def rotate_while_a_user_edits(token: bytes) -> bytes | None:
        Note.objects.filter(pk=note.pk).update(body="edited by a counsellor")
        return real_rotate(token)

    monkeypatch.setattr(crypto, "rotate", rotate_while_a_user_edits)
    fields.rotate_field(Note, Note._meta.get_field("body"))
    assert Note.objects.get(pk=note.pk).body == "edited by a counsellor"


# --- encrypted files --------------------------------------------------------------------------


@pytest.fixture
def private(settings):
    return EncryptedFileSystemStorage()


def test_encrypted_file_is_ciphertext_on_disk_and_plaintext_when_opened(private, old_key):
    name = private.save("tips/photo.txt", ContentFile(SECRET.encode()))
    on_disk = Path(private.path(name)).read_bytes()
    assert SECRET.encode() not in on_disk
    assert b"knife" not in on_disk
    Fernet(old_key.encode()).decrypt(on_disk)  # a Fernet token under the configured key
    with private.open(name) as handle:
        assert handle.read() == SECRET.encode()
    assert private.size(name) == len(SECRET.encode())
    assert stat.S_IMODE(os.stat(private.path(name)).st_mode) == 0o600


def test_encrypted_files_have_no_url(private):
    name = private.save("a.txt", ContentFile(b"x"))
    with pytest.raises(NotImplementedError, match="no URL"):
        private.url(name)


def test_encrypted_files_cannot_be_opened_for_writing(private):
    name = private.save("a.txt", ContentFile(b"x"))
    with pytest.raises(ValueError, match="written whole"):
        private.open(name, "wb")


def test_default_location_follows_the_data_directory(private, settings):
    assert private.location == str(settings.DATA_DIR / "private")
    assert settings.DATA_DIR / "private" in encrypted_locations()


def test_file_rotation_leaves_files_readable_only_with_the_new_key(
    private, settings, old_key, new_key
):
    names = [private.save(f"case/{n}.txt", ContentFile(f"{SECRET} {n}".encode())) for n in range(3)]
    settings.ENCRYPTION_KEYS = [new_key, old_key]
    result = rotate_files(settings.DATA_DIR / "private")
    assert (result.rotated, result.current, result.unreadable) == (3, 0, [])
    again = rotate_files(settings.DATA_DIR / "private")
    assert (again.rotated, again.current) == (0, 3)

    settings.ENCRYPTION_KEYS = [new_key]
    for n, name in enumerate(names):
        assert private.open(name).read() == f"{SECRET} {n}".encode()
    settings.ENCRYPTION_KEYS = [old_key]
    with pytest.raises(crypto.UndecryptableError, match="none of the 1 configured"):
        private.open(names[0])
