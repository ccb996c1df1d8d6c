"""Encryption at rest for sensitive text and files, keyed from the environment.

``HAVEN_ENCRYPTION_KEYS`` holds Fernet keys, newest first: the first encrypts, every key decrypts,
so a new key can be put in front and ``haven keys rotate`` re-encrypts what is stored. In
development, when the variable is unset, a key is made once and kept in the data directory
(``keys/encryption.keys``, mode 0600) so that ``make run`` needs no set-up; production refuses to
start without the variable (see settings).
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

__all__ = ["InvalidToken", "audit_key", "decrypt", "encrypt", "fernet", "generate_key", "keys"]


def generate_key() -> str:
    return Fernet.generate_key().decode()


def _dev_key_file() -> Path:
    return Path(settings.DATA_DIR) / "keys" / "encryption.keys"


def _read_or_create_dev_keys() -> list[str]:
    path = _dev_key_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(generate_key() + "\n")
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def keys() -> list[str]:
    configured = list(settings.ENCRYPTION_KEYS)
    return configured or _read_or_create_dev_keys()


@cache
def _fernet_for(key_tuple: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in key_tuple])


def fernet() -> MultiFernet:
    return _fernet_for(tuple(keys()))


def encrypt(data: bytes) -> bytes:
    return fernet().encrypt(data)


def decrypt(token: bytes) -> bytes:
    return fernet().decrypt(token)


def audit_key() -> bytes:
    """The key of the audit chain's HMAC. Distinct from the encryption keys so that rotating those
    does not invalidate the log."""
    if settings.AUDIT_KEY:
        return settings.AUDIT_KEY.encode()
    # Development: derive from the first dev encryption key ever made (kept in the same file).
    first = _read_or_create_dev_keys()[-1]
    return hashlib.sha256(b"haven-audit:" + base64.urlsafe_b64decode(first)).digest()
