"""Receipts: what an anonymous reporter writes down to come back.

16 decimal digits in four groups (10^16 ≈ 2^53.15 possibilities), drawn from the OS's CSPRNG. Only
a scrypt digest is stored, salted with a secret derived from the audit key (kept outside the
database), so a copied database cannot be searched for a receipt and a guess costs real work. The
salt is per installation rather than per receipt because the digest is also how a returning
reporter's tip is found; that is the trade-off GlobaLeaks makes too.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from functools import cache

from haven.core import crypto

DIGITS = 16
_SEPARATORS = re.compile(r"[\s\-.]")


def new_receipt() -> str:
    number = secrets.randbelow(10**DIGITS)
    return format_receipt(f"{number:0{DIGITS}d}")


def format_receipt(digits: str) -> str:
    return " ".join(digits[i : i + 4] for i in range(0, DIGITS, 4))


def _ascii_digits(text: str) -> str:
    """Any decimal digit (a phone keyboard may type full-width or Arabic-Indic ones) as ASCII."""
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


def normalise(text: str) -> str | None:
    """The 16 digits of a typed receipt (spaces, dashes and dots allowed), or None."""
    if not isinstance(text, str) or len(text) > 64:
        return None
    digits = _ascii_digits(_SEPARATORS.sub("", text))
    if len(digits) != DIGITS or not digits.isascii() or not digits.isdigit():
        return None
    return digits


@cache
def _salt(key: bytes) -> bytes:
    return hmac.new(key, b"haven-receipt-salt", hashlib.sha256).digest()


def digest(receipt: str) -> str | None:
    """The stored form of a receipt; None if it is not a well-formed receipt."""
    digits = normalise(receipt)
    if digits is None:
        return None
    derived = hashlib.scrypt(
        digits.encode(), salt=_salt(crypto.audit_key()), n=2**14, r=8, p=1, dklen=32
    )
    return derived.hex()


def appears_in(receipt_digits: str, text: str) -> bool:
    """Does ``text`` contain the receipt (with any separators, in any script's digits)? Reporters
    must not post it. An empty or malformed receipt is never found."""
    if len(receipt_digits) != DIGITS or not (receipt_digits.isascii() and receipt_digits.isdigit()):
        return False
    flattened = "".join(c for c in _ascii_digits(text) if "0" <= c <= "9")
    return receipt_digits in flattened
