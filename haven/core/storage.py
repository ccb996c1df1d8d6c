"""Files encrypted at rest: :class:`EncryptedFileSystemStorage` keeps each file on disk as one
Fernet token (see :mod:`haven.core.crypto`), so a copied disk or backup discloses nothing without
the key.

Such files have no URL: they are streamed through a view that checks access, never served by the
web server. A file is encrypted whole, in memory, so it is meant for size-limited uploads
(attachments, ID scans), not for archives.

By default the files live in ``DATA_DIR/private``; a storage may be given another ``location``.
:func:`encrypted_locations` finds every directory such a storage writes to (configured in
``STORAGES`` or on a model's FileField), so ``haven keys rotate`` re-encrypts them all.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage, storages
from django.db import models

from haven.core import crypto
from haven.core.fields import Rotation

_TMP_SUFFIX = ".rotating"


class EncryptedFileSystemStorage(FileSystemStorage):
    def __init__(self, location: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("file_permissions_mode", 0o600)
        kwargs.setdefault("directory_permissions_mode", 0o700)
        super().__init__(location=location, **kwargs)
        self._encrypted_location = location

    # Not cached (unlike FileSystemStorage's): the default follows settings.DATA_DIR, which tests
    # change per test.
    @property
    def base_location(self) -> str:  # type: ignore[override]
        default = str(Path(settings.DATA_DIR) / "private")
        return self._value_or_setting(self._encrypted_location, default)

    @property
    def location(self) -> str:  # type: ignore[override]
        return os.path.abspath(self.base_location)

    def _save(self, name: str, content: File) -> str:
        data = b"".join(
            chunk.encode() if isinstance(chunk, str) else chunk for chunk in content.chunks()
        )
        # The type stubs omit FileSystemStorage._save, which Django has and documents.
        return super()._save(name, ContentFile(crypto.encrypt(data)))  # type: ignore[misc]

    def _open(self, name: str, mode: str = "rb") -> File:
        if any(flag in mode for flag in "wax+"):
            raise ValueError(
                "encrypted files are written whole with save(), not opened for writing"
            )
        with open(self.path(name), "rb") as handle:
            data = crypto.decrypt(handle.read())
        return ContentFile(data if "b" in mode else data.decode(), name=name)

    def size(self, name: str) -> int:
        with self._open(name) as handle:
            return len(handle.read())

    def url(self, name: str | None) -> str:
        raise NotImplementedError(
            "encrypted files have no URL: stream them through a view that checks access"
        )


def encrypted_locations() -> list[Path]:
    """The directory of every encrypted storage configured in ``STORAGES`` or on a FileField."""
    found: list[EncryptedFileSystemStorage] = []
    for alias in settings.STORAGES:
        configured = storages[alias]
        if isinstance(configured, EncryptedFileSystemStorage):
            found.append(configured)
    for model in apps.get_models():
        for model_field in model._meta.local_concrete_fields:
            on_field = getattr(model_field, "storage", None)
            if isinstance(model_field, models.FileField) and isinstance(
                on_field, EncryptedFileSystemStorage
            ):
                found.append(on_field)
    found.append(EncryptedFileSystemStorage())  # the default location, even if nothing names it
    return sorted({Path(storage.location) for storage in found})


def _files_under(location: Path) -> Iterator[Path]:
    for root, _dirs, names in os.walk(location):
        for name in sorted(names):
            if not name.endswith(_TMP_SUFFIX):
                yield Path(root) / name


def rotate_files(
    location: Path, *, dry_run: bool = False, progress: Callable[[Rotation], None] | None = None
) -> Rotation:
    """Re-encrypt every file under ``location`` with the primary key, each replaced atomically.
    Files the primary key already opens are left alone; files no key opens are counted."""
    result = Rotation(str(location))
    for path in _files_under(location):
        token = path.read_bytes()
        try:
            new = crypto.rotate(token)
        except crypto.InvalidToken:
            result.unreadable.append(str(path.relative_to(location)))
            continue
        if new is None:
            result.current += 1
            continue
        result.rotated += 1
        if not dry_run:
            tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}{_TMP_SUFFIX}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, path.stat().st_mode & 0o777)
            with os.fdopen(fd, "wb") as handle:
                handle.write(new)
            os.replace(tmp, path)
        if progress and result.seen % 100 == 0:
            progress(result)
    return result
