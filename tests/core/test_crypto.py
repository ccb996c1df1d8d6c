"""Encryption at rest: what is on disk and in the database is ciphertext, readable only while a key
that wrote it is configured; rotation moves everything onto the primary key."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.apps.registry import Apps
from django.core.exceptions import FieldError, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, models

from haven.core import crypto, fields
from haven.core.fields import (
    BlindIndexField,
    EncryptedBooleanField,
    EncryptedIntegerField,
    EncryptedJSONField,
    EncryptedTextField,
)
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


def test_one_message_to_many_rows_is_encrypted_once_when_asked(note_table):
    with fields.shared_ciphertexts():
        made = Note.objects.bulk_create([Note(body=SECRET), Note(body=SECRET), Note(body="other")])
    tokens = [raw("body", n.pk) for n in made]
    assert tokens[0] == tokens[1] != tokens[2] and tokens[0].startswith("enc1:")
    after = Note.objects.create(body=SECRET)  # outside the block: a fresh token
    assert raw("body", after.pk) != tokens[0]
    assert {n.body for n in Note.objects.all()} == {SECRET, "other"}


# --- the typed family and blind indexes ----------------------------------------------------------


class Level(models.IntegerChoices):
    LOW = 1, "Low"
    HIGH = 3, "High"


class Typed(models.Model):
    kind = EncryptedTextField(max_length=20, choices=[("threat", "Threat"), ("self_harm", "Self")])
    level = EncryptedIntegerField(choices=Level.choices, default=Level.LOW)
    positive = EncryptedBooleanField(default=False)
    kind_index = BlindIndexField(source="kind")
    level_index = BlindIndexField(source="level")

    class Meta:
        app_label = "crypto_tests"
        apps = test_apps

    def __str__(self) -> str:
        return f"typed #{self.pk}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["update_fields"] = fields.with_blind_indexes(Typed, kwargs.get("update_fields"))
        super().save(*args, **kwargs)


@pytest.fixture
def typed_table(db):
    sql, params = connection.schema_editor().table_sql(Typed)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def typed_raw(column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM crypto_tests_typed WHERE id = %s", [pk])  # noqa: S608 - fixed test column names
        return cursor.fetchone()[0]


def test_typed_fields_keep_their_type_and_are_ciphertext(typed_table):
    row = Typed.objects.create(kind="self_harm", level=Level.HIGH, positive=True)
    for column in ("kind", "level", "positive"):
        assert typed_raw(column, row.pk).startswith("enc1:")
    read = Typed.objects.get(pk=row.pk)
    assert (read.kind, read.level, read.positive) == ("self_harm", 3, True)
    assert (read.get_kind_display(), read.get_level_display()) == ("Self", "High")


def test_typed_fields_take_form_values_and_refuse_nonsense():
    level, positive = Typed._meta.get_field("level"), Typed._meta.get_field("positive")
    assert level.formfield().clean("3") == 3
    assert positive.to_python("false") is False and positive.to_python("t") is True
    for bad_level in ("x", [1]):
        with pytest.raises(ValidationError):
            level.to_python(bad_level)
    with pytest.raises(ValidationError):
        positive.to_python([True])
    with pytest.raises(ValidationError):
        level.clean(2, None)  # not one of the choices


@pytest.mark.parametrize(
    ("field_name", "legacy", "value"),
    [("level", "3", 3), ("level", 3, 3), ("positive", "true", True), ("positive", 0, False)],
)
def test_typed_fields_read_what_the_plain_column_held(field_name, legacy, value):
    """What PostgreSQL's and SQLite's casts of the old column give, read by the migration."""
    model_field = Typed._meta.get_field(field_name)
    assert model_field.from_legacy(legacy) == value
    assert model_field.from_legacy(model_field.to_legacy(value)) == value


def test_a_blind_index_follows_its_value_even_through_update_fields(typed_table):
    row = Typed.objects.create(kind="threat")
    index = Typed._meta.get_field("kind_index")
    assert typed_raw("kind_index", row.pk) == index.hash_of("threat") != "threat"
    row.kind = "self_harm"
    row.save(update_fields=["kind"])
    assert typed_raw("kind_index", row.pk) == index.hash_of("self_harm")
    assert list(Typed.objects.filter(index.q("self_harm"))) == [row]
    assert not Typed.objects.filter(index.q("threat")).exists()


def test_equal_values_in_two_fields_hash_differently(typed_table):
    kind, level = Typed._meta.get_field("kind_index"), Typed._meta.get_field("level_index")
    assert kind.hash_of("3") != level.hash_of(3)


def test_a_blind_index_ranks_rows_in_the_database(typed_table):
    low, high = Typed.objects.create(level=Level.LOW), Typed.objects.create(level=Level.HIGH)
    rank = Typed._meta.get_field("level_index").rank([Level.LOW, Level.HIGH])
    assert list(Typed.objects.order_by(rank.desc())) == [high, low]


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
