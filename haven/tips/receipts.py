"""Receipts: what an anonymous reporter writes down to come back.

16 decimal digits in four groups (10^16 ≈ 2^53.15 possibilities), drawn from the OS's CSPRNG. Only
a scrypt digest is stored, salted with a secret derived from the newest pepper (``HAVEN_PEPPERS``,
kept outside the database), so a copied database cannot be searched for a receipt and a guess costs
real work. The salt is per installation rather than per receipt because the digest is also how a
returning reporter's tip is found; that is the trade-off GlobaLeaks makes too.

The tip records which pepper made its digest (``Tip.receipt_pepper``, the pepper's id; "legacy"
for digests salted from the audit key, as they were before the peppers existed). A receipt is
looked up under the newest pepper first, then the older ones (:func:`candidates`); a tip found
under an older one is re-digested with the newest, since the reporter has just typed the receipt.
So a new pepper can be put in front at any time; an old one can be removed once no tip names it
(``haven keys check`` counts them).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

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


#: How the audit key made the salt before the peppers existed (kept to find those tips).
_LEGACY_LABEL = b"haven-receipt-salt"


@dataclass(frozen=True)
class Digest:
    value: str
    pepper: str  # the id of the pepper that salted it ("legacy": the audit key)


def _scrypt(digits: str, salt: bytes) -> str:
    return hashlib.scrypt(digits.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32).hex()


def candidates(receipt: str) -> Iterator[Digest]:
    """The receipt's digest under each pepper, newest first, then under the audit key (for tips
    stored before the peppers existed), computed one at a time: stop when one is found. Nothing
    for a malformed receipt."""
    digits = normalise(receipt)
    if digits is None:
        return
    for key in crypto.pepper_keys("receipt", legacy_label=_LEGACY_LABEL):
        yield Digest(_scrypt(digits, key.key), key.key_id)


def stored_form(receipt: str) -> Digest | None:
    """What a new tip stores for a receipt (the newest pepper's digest); None if malformed."""
    return next(candidates(receipt), None)


def digest(receipt: str) -> str | None:
    """The stored form's digest alone; None if it is not a well-formed receipt."""
    found = stored_form(receipt)
    return found.value if found else None


def appears_in(receipt_digits: str, text: str) -> bool:
    """Does ``text`` contain the receipt (with any separators, in any script's digits)? Reporters
    must not post it. An empty or malformed receipt is never found."""
    if len(receipt_digits) != DIGITS or not (receipt_digits.isascii() and receipt_digits.isdigit()):
        return False
    flattened = "".join(c for c in _ascii_digits(text) if "0" <= c <= "9")
    return receipt_digits in flattened


def count_by_pepper() -> dict[str, int]:
    """How many stored receipts each pepper salted (``haven keys`` reports it)."""
    from django.db.models import Count

    from haven.tips.models import Tip

    return dict(Tip.objects.values_list("receipt_pepper").annotate(n=Count("pk")))
