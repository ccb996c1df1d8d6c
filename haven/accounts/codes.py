"""One-time codes that a person types: second-factor enrolment codes and kiosk enrolment codes.

A code is 12 characters of Crockford's base32 (60 random bits), shown once as ``ABCD-EFGH-JKMN``.
Only a keyed hash of it is stored (HMAC-SHA-256 with a key derived from ``SECRET_KEY`` and the
code's purpose), so a copy of the database does not hold a usable code. Typing is forgiving: case,
spaces and dashes do not matter, and O/I/L read as 0/1/1.
"""

from __future__ import annotations

import secrets

from django.utils.crypto import salted_hmac

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
LENGTH = 12
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, LENGTH, 4))


def normalise(typed: str) -> str:
    """The code as stored: upper case, without separators; '' when it cannot be a code."""
    text = "".join(ch for ch in typed.upper() if ch not in " -\t").translate(_READ_AS)
    if len(text) != LENGTH or any(ch not in ALPHABET for ch in text):
        return ""
    return text


def digest(typed: str, purpose: str) -> str:
    """The keyed hash stored for a code ('' for text that cannot be a code)."""
    code = normalise(typed)
    if not code:
        return ""
    return salted_hmac(f"haven.accounts.codes.{purpose}", code, algorithm="sha256").hexdigest()
