"""Encryption at rest for sensitive text and files, keyed from the environment.

``HAVEN_ENCRYPTION_KEYS`` holds Fernet keys, newest first: the first (the *primary*) encrypts, every
key decrypts, so a new key can be put in front and ``haven keys rotate`` re-encrypts what is stored
with it; after that the old key can be dropped. In development, when the variable is unset, a key is
made once and kept in the data directory (``keys/encryption.keys``, mode 0600, newest first) so that
``make run`` needs no set-up, and ``haven keys rotate --new-key`` puts a fresh key in front of it.
Production refuses to start without the variable (see settings).

The audit chain's HMAC key is separate (``HAVEN_AUDIT_KEY``; in development ``keys/audit.key``) so
that rotating the encryption keys never invalidates the log, and it keys nothing else.

The *peppers* (``HAVEN_PEPPERS``, newest first; in development ``keys/peppers``) key the hashes
that let Haven find a record by a secret it never stores or by a value it stores only encrypted:
receipts, volunteer sign-up codes and the blind indexes of encrypted fields (see
:func:`pepper_keys`). The newest pepper makes new hashes; every listed pepper is tried when looking
one up, so a new pepper can be put in front without losing what the old ones hashed (SECURITY.md
says how to rotate them). Each use derives its own key from a pepper, so no two uses share one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

__all__ = [
    "InvalidToken",
    "KeyConfigError",
    "PepperKey",
    "UndecryptableError",
    "add_dev_key",
    "audit_key",
    "decrypt",
    "drop_old_dev_keys",
    "encrypt",
    "fernet",
    "generate_key",
    "key_id",
    "keyed_hashes",
    "keys",
    "pepper_keys",
    "peppers",
    "rotate",
    "using_dev_keys",
]


class KeyConfigError(Exception):
    """The configured keys are missing or malformed, or cannot be changed the way asked."""


class UndecryptableError(InvalidToken):
    """No configured key opens this token: it was written with a key that has since been removed,
    or it was altered. (A subclass of ``InvalidToken`` so existing handlers still catch it.)"""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or f"cannot decrypt: none of the {len(keys())} configured encryption key(s) opens this "
            "value (was the key it was written with removed before `haven keys rotate` finished, "
            "or was the value altered?)"
        )


def generate_key() -> str:
    return Fernet.generate_key().decode()


def key_id(key: str) -> str:
    """A short fingerprint that names a key in logs and output without disclosing it."""
    return hashlib.sha256(b"haven-key-id:" + key.encode()).hexdigest()[:12]


# --- development key files ------------------------------------------------------------------------


def _keys_dir() -> Path:
    return Path(settings.DATA_DIR) / "keys"


def _dev_key_file() -> Path:
    return _keys_dir() / "encryption.keys"


def _write_new_file(path: Path, text: str) -> None:
    """Create ``path`` (mode 0600) with ``text`` atomically; if another process won the race to
    create it, keep theirs."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    try:
        os.link(tmp, path)  # fails if it exists: never a half-written file, never two keys
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


def _replace_file(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(tmp, path)


@cache
def _parse_key_file(path: str, mtime_ns: int, size: int) -> tuple[str, ...]:
    # Keyed by modification time and size so an edited file is read again, an unchanged one not.
    text = Path(path).read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def _read_or_create_dev_keys() -> list[str]:
    path = _dev_key_file()
    if not path.exists():
        _write_new_file(path, generate_key() + "\n")
    stat = path.stat()
    return list(_parse_key_file(str(path), stat.st_mtime_ns, stat.st_size))


def using_dev_keys() -> bool:
    return not settings.ENCRYPTION_KEYS


def keys() -> list[str]:
    """The encryption keys, primary first."""
    configured = list(settings.ENCRYPTION_KEYS)
    return configured or _read_or_create_dev_keys()


def _refuse_configured_keys(what: str) -> None:
    if not using_dev_keys():
        raise KeyConfigError(
            f"HAVEN_ENCRYPTION_KEYS is set, so {what} is the operator's job: put a new key (from "
            "`haven keys generate`) first in HAVEN_ENCRYPTION_KEYS, restart Haven, run "
            "`haven keys rotate`, then remove the old key from the variable"
        )


def add_dev_key() -> str:
    """Development only: put a newly generated key in front of the dev key file; returns it."""
    _refuse_configured_keys("adding a key")
    audit_key()  # pin the dev audit key before the key file changes (it once derived from it)
    new = generate_key()
    _replace_file(_dev_key_file(), "\n".join([new, *_read_or_create_dev_keys()]) + "\n")
    return new


def drop_old_dev_keys() -> int:
    """Development only: keep only the primary key in the dev key file; returns how many went."""
    _refuse_configured_keys("removing a key")
    audit_key()
    current = _read_or_create_dev_keys()
    _replace_file(_dev_key_file(), current[0] + "\n")
    return len(current) - 1


# --- encrypting and decrypting --------------------------------------------------------------------


@cache
def _fernet_for(key_tuple: tuple[str, ...]) -> MultiFernet:
    if not key_tuple:
        raise KeyConfigError("no encryption key is configured (HAVEN_ENCRYPTION_KEYS is empty)")
    fernets = []
    for position, key in enumerate(key_tuple, start=1):
        try:
            fernets.append(Fernet(key.encode()))
        except ValueError:
            raise KeyConfigError(
                f"encryption key #{position} (of {len(key_tuple)}) is not a Fernet key: it must be "
                "32 url-safe base64-encoded bytes, as `haven keys generate` prints"
            ) from None
    return MultiFernet(fernets)


def fernet() -> MultiFernet:
    """Every configured key, primary first (cached per key tuple, so changing keys takes effect)."""
    return _fernet_for(tuple(keys()))


@cache
def _primary_for(key: str) -> Fernet:
    return Fernet(key.encode())


def encrypt(data: bytes) -> bytes:
    return fernet().encrypt(data)


def decrypt(token: bytes) -> bytes:
    """Decrypt with whichever configured key opens ``token``; a clear error if none does."""
    try:
        return fernet().decrypt(token)
    except InvalidToken:
        raise UndecryptableError() from None


def rotate(token: bytes) -> bytes | None:
    """``token`` re-encrypted with the primary key (keeping its timestamp), or None if the primary
    key already opens it. Raises :class:`UndecryptableError` if no configured key does."""
    multi = fernet()
    try:
        _primary_for(keys()[0]).decrypt(token)
        return None
    except InvalidToken:
        pass
    try:
        return multi.rotate(token)
    except InvalidToken:
        raise UndecryptableError() from None


# --- the audit chain's key ------------------------------------------------------------------------


def _dev_audit_key() -> bytes:
    path = _keys_dir() / "audit.key"
    if not path.exists():
        legacy = _dev_key_file()
        if legacy.exists():
            # Data directories made before audit.key existed keyed the chain from the first dev
            # encryption key ever made (the last line); keep that key so their chains still verify.
            first = legacy.read_text(encoding="utf-8").split()[-1]
            raw = hashlib.sha256(b"haven-audit:" + base64.urlsafe_b64decode(first)).digest()
        else:
            raw = secrets.token_bytes(32)
        _write_new_file(path, raw.hex() + "\n")
    return bytes.fromhex(path.read_text(encoding="utf-8").strip())


def audit_key() -> bytes:
    """The key of the audit chain's HMAC. Distinct from the encryption keys so that rotating those
    does not invalidate the log."""
    if settings.AUDIT_KEY:
        return settings.AUDIT_KEY.encode()
    return _dev_audit_key()


# --- the peppers of keyed hashes ------------------------------------------------------------------


@dataclass(frozen=True)
class PepperKey:
    """The key one use derives from one pepper. ``key_id`` names the pepper (never the key), and is
    "legacy" for the audit key, which keyed receipts and sign-up codes before peppers existed."""

    key: bytes
    key_id: str

    @property
    def legacy(self) -> bool:
        return self.key_id == LEGACY


#: The key id of hashes made with the audit key before the peppers existed.
LEGACY = "legacy"


def _dev_peppers() -> list[str]:
    path = _keys_dir() / "peppers"
    if not path.exists():
        _write_new_file(path, secrets.token_hex(32) + "\n")
    stat = path.stat()
    return list(_parse_key_file(str(path), stat.st_mtime_ns, stat.st_size))


def peppers() -> list[str]:
    """The configured peppers, newest first (in development, the data directory's file)."""
    configured = list(settings.PEPPERS)
    return configured or _dev_peppers()


@cache
def _derive(pepper: str, purpose: str) -> bytes:
    return hmac.new(pepper.encode(), b"haven-pepper:" + purpose.encode(), hashlib.sha256).digest()


def pepper_keys(purpose: str, *, legacy_label: bytes | None = None) -> list[PepperKey]:
    """The keys of ``purpose`` (e.g. ``"receipt"``), one per pepper, newest first: the first makes
    new hashes, all of them find existing ones. With ``legacy_label``, the key ``purpose`` derived
    from the audit key before the peppers existed (``HMAC(audit key, legacy_label)``) comes last,
    so that what it hashed is still found."""
    found = [PepperKey(_derive(p, purpose), pepper_id(p)) for p in peppers()]
    if legacy_label is not None:
        old = hmac.new(audit_key(), legacy_label, hashlib.sha256).digest()
        found.append(PepperKey(old, LEGACY))
    return found


def keyed_hashes(purpose: str, message: bytes, *, legacy_label: bytes | None = None) -> list[str]:
    """HMAC-SHA-256 of ``message`` (hex) under each of :func:`pepper_keys`, newest first: store the
    first, look up with all of them."""
    return [
        hmac.new(k.key, message, hashlib.sha256).hexdigest()
        for k in pepper_keys(purpose, legacy_label=legacy_label)
    ]


#: What each pepper salted, for ``haven keys``: by noun ("receipt(s)"), a function answering how
#: many of those hashes each pepper id salted. Registered by the apps that keep such hashes (the
#: tip line's receipts), which the kernel does not import.
PEPPERED: dict[str, Callable[[], Mapping[str, int]]] = {}


def pepper_id(pepper: str) -> str:
    """A short fingerprint that names a pepper without disclosing it."""
    return hashlib.sha256(b"haven-pepper-id:" + pepper.encode()).hexdigest()[:12]
