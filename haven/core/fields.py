"""Model fields whose content is encrypted at rest (see :mod:`haven.core.crypto`).

The column holds ``enc1:`` followed by a Fernet token, so a copied database file or backup discloses
nothing without the key. The value is decrypted when a row is read and encrypted when it is saved;
in Python it is what the field says: text (:class:`EncryptedTextField`, which also takes
``choices``), JSON data (:class:`EncryptedJSONField`), a whole number
(:class:`EncryptedIntegerField`) or a boolean (:class:`EncryptedBooleanField`). Each is one
subclass of :class:`EncryptedTextField` overriding how its value becomes text and back, so
everything that finds, rotates and migrates encrypted fields treats them alike.

Because each encryption is randomised, the database cannot compare the content: filtering on it
(``exact``, ``icontains`` …) raises :class:`~django.core.exceptions.FieldError`; only ``isnull`` is
allowed. Equality filters on a value with few possible values (a case's type or priority) go
through a :class:`BlindIndexField` beside it: a keyed hash of the value, with the key derived from
the peppers (see :mod:`haven.core.crypto`), which the database compares without learning the value
(though it does see which rows share one: see docs/threat-model.md). Search over sensitive text, if
ever needed, must be built deliberately, never by decrypting in the database.

:func:`encrypted_fields` finds every such field in the installed apps, so ``haven keys rotate``
re-encrypts them all without a hand-kept list; :func:`rotate_field` does one. A model whose table
refuses UPDATEs (the audit log) provides ``rewriting_encrypted_values(connection)``, a context
manager under which rotation may rewrite its encrypted columns. :func:`blind_index_fields` and
:func:`reindex_field` do the same for blind indexes when a new pepper is put in front.

Migrations that turn a plain column into an encrypted one use :func:`encrypt_existing`, which
converts the stored values in place (and back, when the migration is reversed).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.apps import apps
from django.core import exceptions
from django.core.exceptions import FieldError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, migrations, models, router, transaction
from django.db.models.functions import Cast

from haven.core import crypto

PREFIX = "enc1:"

_shared: ContextVar[dict[tuple[int, str], str] | None] = ContextVar("shared", default=None)


@contextmanager
def shared_ciphertexts() -> Iterator[None]:
    """Within this block, equal values of the same field are encrypted once and the token reused:
    for one message written to many rows at once (a notification to every staff member), where
    the rows' equality is no secret and encrypting each copy would cost a Fernet operation per
    recipient."""
    token = _shared.set({})
    try:
        yield
    finally:
        _shared.reset(token)


class EncryptedTextField(models.TextField):
    description = "Text encrypted at rest"

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None:
            return None
        plaintext = self.to_plaintext(value)
        shared = _shared.get()
        if shared is not None and (id(self), plaintext) in shared:
            return shared[(id(self), plaintext)]
        stored = PREFIX + crypto.encrypt(plaintext.encode()).decode("ascii")
        if shared is not None:
            shared[(id(self), plaintext)] = stored
        return stored

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        return self.from_plaintext(self.decrypt_column(value).decode())

    def decrypt_column(self, value: str) -> bytes:
        if not value.startswith(PREFIX):
            # Never fall back to the raw text: it would let someone with database access plant
            # content that reads as genuine.
            raise crypto.UndecryptableError(
                f"{self.model._meta.label}.{self.name} holds a value that is not encrypted"
            )
        return crypto.decrypt(value.removeprefix(PREFIX).encode("ascii"))

    # Hooks for subclasses that store something other than text.
    def to_plaintext(self, value: Any) -> str:
        return str(value)

    def from_plaintext(self, text: str) -> Any:
        return text

    # How a value stored by the plain column this field replaced reads (``from_legacy``), and how
    # a value is written back to it (``to_legacy``): used by :func:`encrypt_existing`.
    def from_legacy(self, raw: Any) -> Any:
        return raw if isinstance(raw, str) else str(raw)

    def to_legacy(self, value: Any) -> Any:
        return value

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise FieldError(
            f"{self.model._meta.label}.{self.name} is encrypted: the database cannot filter on its "
            f"content ('{lookup_name}'); only 'isnull' is allowed"
        )

    def get_transform(self, lookup_name: str) -> Any:
        raise FieldError(
            f"{self.model._meta.label}.{self.name} is encrypted: '{lookup_name}' cannot be "
            "applied to it in the database"
        )


class EncryptedJSONField(EncryptedTextField):
    """JSON data (dicts, lists, strings, numbers, booleans), encrypted as one text value. ``None``
    is stored as SQL NULL."""

    description = "JSON encrypted at rest"
    # What django-stubs' mypy plugin reads as the attribute's types.
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def to_plaintext(self, value: Any) -> str:
        return json.dumps(value, cls=DjangoJSONEncoder, separators=(",", ":"), sort_keys=True)

    def from_plaintext(self, text: str) -> Any:
        return json.loads(text)

    def from_legacy(self, raw: Any) -> Any:
        return json.loads(raw) if isinstance(raw, str | bytes) else raw

    def to_legacy(self, value: Any) -> Any:
        return json.dumps(value, cls=DjangoJSONEncoder)

    def to_python(self, value: Any) -> Any:
        return value

    def value_to_string(self, obj: models.Model) -> Any:
        return self.value_from_object(obj)

    def formfield(
        self, form_class: Any = None, choices_form_class: Any = None, **kwargs: Any
    ) -> Any:
        from django import forms

        # A JSON form field, not TextField's textarea of text.
        return models.Field.formfield(
            self,
            form_class=form_class or forms.JSONField,
            choices_form_class=choices_form_class,
            **{"encoder": DjangoJSONEncoder, **kwargs},
        )


class EncryptedIntegerField(EncryptedTextField):
    """A whole number (with ``choices``, e.g. an ``IntegerChoices``), encrypted as its digits."""

    description = "Integer encrypted at rest"
    _pyi_private_set_type: int | models.expressions.Combinable  # type: ignore[assignment]
    _pyi_private_get_type: int  # type: ignore[assignment]

    def to_plaintext(self, value: Any) -> str:
        return str(int(value))

    def from_plaintext(self, text: str) -> Any:
        return int(text)

    def from_legacy(self, raw: Any) -> Any:
        return int(raw)

    def to_legacy(self, value: Any) -> Any:
        return str(int(value))

    def to_python(self, value: Any) -> Any:
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        try:
            return int(value)
        except (TypeError, ValueError):
            raise exceptions.ValidationError(
                models.IntegerField.default_error_messages["invalid"],
                code="invalid",
                params={"value": value},
            ) from None

    def formfield(
        self, form_class: Any = None, choices_form_class: Any = None, **kwargs: Any
    ) -> Any:
        return models.Field.formfield(
            self,
            form_class=form_class or forms.IntegerField,
            choices_form_class=choices_form_class,
            **kwargs,
        )


# True == 1 and False == 0, so the numbers are in these sets too.
_TRUE = {True, "1", "t", "true", "True", "on"}
_FALSE = {False, "0", "f", "false", "False", "off"}


class EncryptedBooleanField(EncryptedTextField):
    """True or false, encrypted (as ``true``/``false``)."""

    description = "Boolean encrypted at rest"
    _pyi_private_set_type: bool | models.expressions.Combinable  # type: ignore[assignment]
    _pyi_private_get_type: bool  # type: ignore[assignment]

    def to_plaintext(self, value: Any) -> str:
        return "true" if value else "false"

    def from_plaintext(self, text: str) -> Any:
        return text == "true"

    def from_legacy(self, raw: Any) -> Any:
        return self.to_python(raw)

    def to_legacy(self, value: Any) -> Any:
        return "1" if value else "0"  # what PostgreSQL and SQLite both read back as a boolean

    def to_python(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool | int | str) and value in _TRUE:
            return True
        if isinstance(value, bool | int | str) and value in _FALSE:
            return False
        raise exceptions.ValidationError(
            models.BooleanField.default_error_messages["invalid"],
            code="invalid",
            params={"value": value},
        )

    def formfield(
        self, form_class: Any = None, choices_form_class: Any = None, **kwargs: Any
    ) -> Any:
        default = forms.NullBooleanField if self.null else forms.BooleanField
        # Like BooleanField: unticked is False, so the form field never requires a tick.
        return models.Field.formfield(
            self,
            form_class=form_class or default,
            choices_form_class=choices_form_class,
            **{"required": False, **kwargs},
        )


class BlindIndexField(models.CharField):
    """A keyed hash of another (encrypted) field's value on the same model, kept up to date on
    every save, so that the database can find rows equal to a value without holding the value.

    The hash is HMAC-SHA-256 (128 bits, as hex) with a key derived from the newest pepper for
    this model and field alone, so equal values in two fields hash differently. Filter with
    :meth:`q` (which accepts the hash under every configured pepper, so filtering keeps working
    while ``haven keys rotate`` re-hashes onto a new one) and order with :meth:`rank`.

    What it cannot hide: rows with equal values have equal hashes. For a field with three possible
    values, whoever knows (or guesses from the frequencies) the value of one row learns every row
    with the same hash. It keeps the value out of a casual read of a copied database; it does not
    stand up to an attacker who studies one (docs/threat-model.md).
    """

    description = "Keyed hash of another field's value"

    def __init__(self, *args: Any, source: str, **kwargs: Any) -> None:
        self.source = source
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, default in (("max_length", 32), ("editable", False), ("blank", True)):
            if kwargs.get(key, default) == default:
                kwargs.pop(key, None)
        if kwargs.get("default") == "":
            kwargs.pop("default")
        return name, path, args, kwargs

    @property
    def purpose(self) -> str:
        return f"blind-index:{self.model._meta.label_lower}.{self.source}"

    def source_field(self) -> EncryptedTextField:
        found = self.model._meta.get_field(self.source)
        if not isinstance(found, EncryptedTextField):
            raise TypeError(f"{self.model._meta.label}.{self.source} is not an encrypted field")
        return found

    def hashes(self, value: Any) -> list[str]:
        """The hash of ``value`` under every configured pepper, newest first."""
        source = self.source_field()
        text = source.to_plaintext(source.to_python(value)).encode()
        return [
            hmac.new(k.key, text, hashlib.sha256).hexdigest()[: self.max_length]
            for k in crypto.pepper_keys(self.purpose)
        ]

    def hash_of(self, value: Any) -> str:
        """What is stored for ``value`` (with the newest pepper); "" for None."""
        return "" if value is None else self.hashes(value)[0]

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = self.hash_of(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value

    def q(self, value: Any) -> models.Q:
        """Rows whose source field equals ``value``."""
        return models.Q(**{f"{self.name}__in": self.hashes(value)})

    def rank(self, values: Iterable[Any]) -> models.Case:
        """An expression that is 1 for rows equal to the first of ``values``, 2 for the second …
        (0 for anything else), to order by in the database."""
        whens = [models.When(self.q(v), then=models.Value(n)) for n, v in enumerate(values, 1)]
        return models.Case(*whens, default=models.Value(0), output_field=models.IntegerField())


def with_blind_indexes(
    model: type[models.Model], update_fields: Iterable[str] | None
) -> Iterable[str] | None:
    """``update_fields`` plus the blind indexes of any field in it, so that
    ``save(update_fields=[...])`` never leaves an index behind its value. A model with blind
    indexes calls this from its ``save``."""
    if update_fields is None:
        return None
    wanted = set(update_fields)
    for model_field in model._meta.local_concrete_fields:
        if isinstance(model_field, BlindIndexField) and model_field.source in wanted:
            wanted.add(model_field.name)
    return wanted


def encrypted_fields(
    among: Iterable[type[models.Model]] | None = None,
) -> list[tuple[type[models.Model], Any]]:
    """Every (model, field) whose field is encrypted, among the given models (by default every
    installed model), each table once."""
    found = []
    for model in apps.get_models() if among is None else among:
        if model._meta.proxy:
            continue
        for model_field in model._meta.local_concrete_fields:
            if isinstance(model_field, EncryptedTextField):
                found.append((model, model_field))
    return found


@dataclass
class Rotation:
    """What re-encrypting one field (or one storage's files) did."""

    label: str
    rotated: int = 0
    current: int = 0
    unreadable: list[str] = field(default_factory=list)

    @property
    def seen(self) -> int:
        return self.rotated + self.current + len(self.unreadable)


def rotate_field(
    model: type[models.Model],
    model_field: EncryptedTextField,
    *,
    batch_size: int = 500,
    dry_run: bool = False,
    progress: Callable[[Rotation], None] | None = None,
) -> Rotation:
    """Re-encrypt every stored value of ``model_field`` with the primary key, ``batch_size`` rows
    per transaction. Values the primary key already opens are left alone, so running it again does
    nothing; values no key opens are counted (by primary key) and left alone too.

    A row changed by the application between the read and the write keeps the application's value
    (the write is conditional on the old token), so rotation can run while Haven serves.
    """
    result = Rotation(f"{model._meta.label}.{model_field.name}")
    db = router.db_for_write(model)
    connection = connections[db]
    qn = connection.ops.quote_name
    table, pk, column = qn(model._meta.db_table), qn(model._meta.pk.column), qn(model_field.column)
    select = (
        f"SELECT {pk}, {column} FROM {table} WHERE {column} IS NOT NULL{{after}} "  # noqa: S608 - quoted identifiers from model metadata, values are parameters
        f"ORDER BY {pk} LIMIT %s"
    )
    update = f"UPDATE {table} SET {column} = %s WHERE {pk} = %s AND {column} = %s"  # noqa: S608 - as above
    rewriting = getattr(model, "rewriting_encrypted_values", lambda connection: nullcontext())
    last: Any = None
    while True:
        with transaction.atomic(using=db), connection.cursor() as cursor:
            if last is None:
                cursor.execute(select.format(after=""), [batch_size])
            else:
                cursor.execute(select.format(after=f" AND {pk} > %s"), [last, batch_size])
            rows = cursor.fetchall()
            changes = []
            for row_pk, stored in rows:
                try:
                    new = _rotate_column(stored)
                except crypto.InvalidToken:
                    result.unreadable.append(str(row_pk))
                    continue
                if new is None:
                    result.current += 1
                else:
                    result.rotated += 1
                    changes.append((new, row_pk, stored))
            if changes and not dry_run:
                with rewriting(connection):
                    cursor.executemany(update, changes)
        if progress:
            progress(result)
        if len(rows) < batch_size:
            return result
        last = rows[-1][0]


def _rotate_column(stored: str) -> str | None:
    if not stored.startswith(PREFIX):
        raise crypto.UndecryptableError("not an encrypted value")
    new = crypto.rotate(stored.removeprefix(PREFIX).encode("ascii"))
    return None if new is None else PREFIX + new.decode("ascii")


def rotate_fields(
    pairs: Iterable[tuple[type[models.Model], EncryptedTextField]] | None = None, **options: Any
) -> list[Rotation]:
    """:func:`rotate_field` for each pair (by default every encrypted field installed)."""
    return [
        rotate_field(model, model_field, **options)
        for model, model_field in (encrypted_fields() if pairs is None else pairs)
    ]


# --- blind indexes --------------------------------------------------------------------------------


def blind_index_fields(
    among: Iterable[type[models.Model]] | None = None,
) -> list[tuple[type[models.Model], BlindIndexField]]:
    """Every (model, field) that is a blind index, among the given models (default: installed)."""
    found = []
    for model in apps.get_models() if among is None else among:
        if model._meta.proxy:
            continue
        for model_field in model._meta.local_concrete_fields:
            if isinstance(model_field, BlindIndexField):
                found.append((model, model_field))
    return found


def reindex_field(
    model: type[models.Model],
    index: BlindIndexField,
    *,
    batch_size: int = 500,
    dry_run: bool = False,
) -> Rotation:
    """Re-hash ``index`` with the newest pepper wherever it was made with another, from its source
    value, ``batch_size`` rows per transaction. A row whose source no key opens is counted as
    unreadable and left alone; a row changed meanwhile keeps the application's hash."""
    result = Rotation(f"{model._meta.label}.{index.name}")
    source = index.source_field()
    db = router.db_for_write(model)
    manager = model._default_manager.db_manager(db)
    raw_source = Cast(source.name, models.TextField())
    last: Any = None
    while True:
        with transaction.atomic(using=db):
            rows = manager.order_by("pk")
            if last is not None:
                rows = rows.filter(pk__gt=last)
            batch = list(rows.values_list("pk", raw_source, index.name)[:batch_size])
            for row_pk, stored, current in batch:
                try:
                    value = None if stored is None else source.from_db_value(stored, None, None)
                except crypto.InvalidToken:
                    result.unreadable.append(str(row_pk))
                    continue
                wanted = index.hash_of(value)
                if wanted == current:
                    result.current += 1
                    continue
                result.rotated += 1
                if not dry_run:
                    manager.filter(pk=row_pk, **{index.name: current}).update(
                        **{index.name: wanted}
                    )
        if len(batch) < batch_size:
            return result
        last = batch[-1][0]


# --- migrations -----------------------------------------------------------------------------------


def encrypt_existing(app_label: str, model_name: str, *field_names: str) -> migrations.RunPython:
    """A migration step that encrypts, in place, the values a plain column held before an
    ``AlterField`` made it encrypted (put it after the ``AlterField``s); reversed, it writes them
    back as the plain column stored them (before the reverse ``AlterField`` casts the column
    back). Values already encrypted (forwards) or already plain (backwards) are left alone, so a
    half-finished run can be repeated. Runs through raw SQL: the model would refuse to read the
    plain values."""

    def convert(apps: Any, schema_editor: Any, *, forwards: bool) -> None:
        model = apps.get_model(app_label, model_name)
        connection = schema_editor.connection
        qn = connection.ops.quote_name
        table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
        rewriting = getattr(model, "rewriting_encrypted_values", lambda connection: nullcontext())
        for name in field_names:
            model_field = model._meta.get_field(name)
            column = qn(model_field.column)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {pk}, {column} FROM {table} WHERE {column} IS NOT NULL"  # noqa: S608 - quoted identifiers from model metadata
                )
                changes = []
                for row_pk, stored in cursor.fetchall():
                    encrypted = isinstance(stored, str) and stored.startswith(PREFIX)
                    if forwards and not encrypted:
                        value = model_field.from_legacy(stored)
                        changes.append((model_field.get_prep_value(value), row_pk))
                    elif not forwards and encrypted:
                        value = model_field.from_db_value(stored, None, connection)
                        changes.append((model_field.to_legacy(value), row_pk))
                if changes:
                    with rewriting(connection):
                        cursor.executemany(
                            f"UPDATE {table} SET {column} = %s WHERE {pk} = %s",  # noqa: S608 - as above
                            changes,
                        )
        _settle_deferred_checks(connection)

    def forwards(apps: Any, schema_editor: Any) -> None:
        convert(apps, schema_editor, forwards=True)

    def backwards(apps: Any, schema_editor: Any) -> None:
        convert(apps, schema_editor, forwards=False)

    return migrations.RunPython(forwards, backwards, elidable=False)


def fill_blind_indexes(app_label: str, model_name: str, *field_names: str) -> migrations.RunPython:
    """A migration step that computes the named blind indexes of every existing row (after their
    source fields are encrypted); reversed, it does nothing (the column is then removed)."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        model = apps.get_model(app_label, model_name)
        for name in field_names:
            index = model._meta.get_field(name)
            source = model._meta.get_field(index.source)
            manager = model._default_manager.using(schema_editor.connection.alias)
            for row_pk, value in manager.values_list("pk", source.name).iterator():
                # A historical model has the real label, so this is the hash the app computes.
                manager.filter(pk=row_pk).update(**{name: index.hash_of(value)})
        _settle_deferred_checks(schema_editor.connection)

    return migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)


def _settle_deferred_checks(connection: Any) -> None:
    """PostgreSQL: run the foreign-key checks the updates deferred, now. Otherwise a later step of
    the same migration that alters the table fails ("pending trigger events")."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
