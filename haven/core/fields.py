"""Model fields whose content is encrypted at rest (see :mod:`haven.core.crypto`).

The column holds ``enc1:`` followed by a Fernet token, so a copied database file or backup discloses
nothing without the key. The value is decrypted when a row is read and encrypted when it is saved;
in Python it is plain text (or, for :class:`EncryptedJSONField`, plain JSON data).

Because each encryption is randomised, the database cannot compare the content: filtering on it
(``exact``, ``icontains`` …) raises :class:`~django.core.exceptions.FieldError`; only ``isnull`` is
allowed. Search over sensitive text, if ever needed, must be built deliberately (e.g. a keyed hash
of normalised words), never by decrypting in the database.

:func:`encrypted_fields` finds every such field in the installed apps, so ``haven keys rotate``
re-encrypts them all without a hand-kept list; :func:`rotate_field` does one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, router, transaction

from haven.core import crypto

PREFIX = "enc1:"


class EncryptedTextField(models.TextField):
    description = "Text encrypted at rest"

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return PREFIX + crypto.encrypt(self.to_plaintext(value).encode()).decode("ascii")

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

    def to_plaintext(self, value: Any) -> str:
        return json.dumps(value, cls=DjangoJSONEncoder, separators=(",", ":"), sort_keys=True)

    def from_plaintext(self, text: str) -> Any:
        return json.loads(text)

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
