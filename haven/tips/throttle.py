"""The tip line's throttles: one guard for the report page and ``POST /api/v1/public/tips``.

The counting is :mod:`haven.core.throttle`'s (a keyed, daily-changing hash of the caller's
network; the cache, or memory while the cache is down). The rules:

* **Only per caller.** There is no school-wide or district-wide cap: a surge of real reports after
  a threat is exactly when the line must take every one.
* **Only stored tips count.** A submission is counted when it is admitted and given back when it
  is then refused (a mistake in the form, a full disk), so fixing a form costs nothing.
* **Slowed, never turned away.** A caller's first :data:`CALLER_SUBMIT` tips in an hour go straight
  through. After that each tip needs a *proof*: a small proof of work that the page's script
  computes while the reporter types (:data:`POW_BITS` leading zero bits of SHA-256, one more for
  each tip past the allowance, up to :data:`POW_MAX_BITS`), or — without JavaScript, or for an API
  client that does not compute it — waiting (:data:`WAIT_SECONDS`, doubling for each tip past the
  allowance, up to :data:`MAX_WAIT_SECONDS`) and sending again. A proof is good for one tip: it
  names the caller's count when it was issued, so proofs collected in parallel are spent by the
  first tip that uses one, and a flood from one caller goes at the pace of one proof at a time.

The challenge is a signed token (HMAC with a key derived from the newest pepper, never stored):
``issued.seq.bits.wait.mac``; the work is to find a ``nonce`` such that ``SHA-256(mac + ":" +
nonce)`` starts with ``bits`` zero bits. Nothing about the caller is in it: the caller's hash is
only inside the HMAC.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils import timezone

from haven.core import crypto
from haven.core.throttle import (
    Limit,
    caller,
    exceeded,
    hit,
    refund,
    reserve,
    retry_after,
    scale,
    used,
)

__all__ = [
    "CALLER_GUESS",
    "CALLER_MESSAGE",
    "CALLER_SUBMIT",
    "Admission",
    "Challenge",
    "Limit",
    "admit",
    "caller",
    "exceeded",
    "hit",
    "offer",
    "refund",
    "reserve",
    "retry_after",
    "scale",
    "solves",
]

#: Tips one caller sends in an hour before each further one needs a proof.
CALLER_SUBMIT = Limit("caller-submit", 5, 3600)
#: Wrong receipts one caller may try in an hour.
CALLER_GUESS = Limit("caller-guess", 10, 3600)
#: Follow-up messages from one caller in an hour.
CALLER_MESSAGE = Limit("caller-message", 30, 3600)

#: The proof of work's difficulty for the first tip past the allowance, and its ceiling (a phone's
#: browser finds 2^16 hashes in well under a second, 2^20 in a second or two).
POW_BITS = 16
POW_MAX_BITS = 20
#: Without the proof of work: the wait for the first tip past the allowance, and its ceiling.
WAIT_SECONDS = 10
MAX_WAIT_SECONDS = 600
PROOF_PURPOSE = "tip-proof"


@dataclass(frozen=True)
class Challenge:
    """What a caller past the allowance must show with their next tip."""

    token: str
    bits: int
    wait: int
    issued: int

    @property
    def work(self) -> str:
        """The text whose hash with a nonce must start with ``bits`` zero bits."""
        return self.token.rsplit(".", 1)[1]

    def seconds_left(self) -> int:
        return max(0, self.issued + self.wait - int(timezone.now().timestamp()))


@dataclass(frozen=True)
class Admission:
    """The guard's answer to a submission: admitted (``challenge`` is None), or not yet."""

    caller: str
    counted: bool = False
    challenge: Challenge | None = None

    @property
    def admitted(self) -> bool:
        return self.challenge is None

    def release(self) -> None:
        """The admitted tip was not stored (bad input, a busy database): give back its count."""
        if self.counted:
            refund(CALLER_SUBMIT, self.caller)


def _mac(caller_hash: str, window: int, payload: str) -> str:
    key = crypto.pepper_keys(PROOF_PURPOSE)[0].key
    message = f"{payload}|{caller_hash}|{window}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:24]


def _challenge(caller_hash: str, seq: int) -> Challenge:
    """The challenge for the caller's tip number ``seq + 1`` in this window."""
    over = max(1, seq + 1 - CALLER_SUBMIT.count)
    bits = min(POW_BITS + over - 1, POW_MAX_BITS)
    wait = min(WAIT_SECONDS * 2 ** min(over - 1, 16), MAX_WAIT_SECONDS)
    issued = int(timezone.now().timestamp())
    payload = f"{issued}.{seq}.{bits}.{wait}"
    mac = _mac(caller_hash, CALLER_SUBMIT.window(), payload)
    return Challenge(token=f"{payload}.{mac}", bits=bits, wait=wait, issued=issued)


def leading_zero_bits(digest: bytes) -> int:
    value = int.from_bytes(digest, "big")
    return len(digest) * 8 - value.bit_length()


def solves(work: str, nonce: str, bits: int) -> bool:
    """Whether ``nonce`` is a proof of work of ``bits`` bits for ``work``."""
    if not nonce.isdigit() or len(nonce) > 12:
        return False
    return leading_zero_bits(hashlib.sha256(f"{work}:{nonce}".encode()).digest()) >= bits


def _parse(caller_hash: str, seq: int, proof: str) -> tuple[Challenge, str] | None:
    """The challenge ``proof`` (``token`` or ``token:nonce``) answers, with its nonce, if it was
    issued to this caller for their tip number ``seq + 1`` and has not expired; else None."""
    token, _, nonce = proof.strip().partition(":")
    parts = token.split(".")
    if len(parts) != 5 or not all(part.isdigit() and len(part) < 12 for part in parts[:4]):
        return None
    issued, token_seq, bits, wait = (int(part) for part in parts[:4])
    payload = ".".join(parts[:4])
    if not hmac.compare_digest(parts[4], _mac(caller_hash, CALLER_SUBMIT.window(), payload)):
        return None
    now = int(timezone.now().timestamp())
    if token_seq != seq or issued > now or now - issued > CALLER_SUBMIT.seconds:
        return None
    return Challenge(token=token, bits=bits, wait=wait, issued=issued), nonce


def admit(request: HttpRequest, proof: str = "") -> Admission:
    """Count a submission against its caller, or answer with the challenge it must meet first.

    Call before storing the tip; if the tip is then not stored, call ``release()`` on the answer.
    A proof sent too early (the wait not over, no work) is answered with the same challenge, so
    the wait goes on from when it was first issued.
    """
    who = caller(request)
    if scale() == 0:
        return Admission(who)
    count = hit(CALLER_SUBMIT, who)  # atomic: parallel submissions each get their own number
    if count <= CALLER_SUBMIT.count:
        return Admission(who, counted=True)
    answered = _parse(who, count - 1, proof) if proof else None
    if answered is not None:
        challenge, nonce = answered
        if challenge.seconds_left() == 0 or solves(challenge.work, nonce, challenge.bits):
            return Admission(who, counted=True)
    refund(CALLER_SUBMIT, who)
    return Admission(who, challenge=answered[0] if answered else _challenge(who, count - 1))


def offer(request: HttpRequest) -> Challenge | None:
    """The challenge a caller already past the allowance gets with the empty form, so that the
    page's script (or the wait) is done by the time the reporter has written their report."""
    if scale() == 0:
        return None
    who = caller(request)
    count = used(CALLER_SUBMIT, who)
    return _challenge(who, count) if count >= CALLER_SUBMIT.count else None
