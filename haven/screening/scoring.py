"""Comparing one listed person with a visitor: names word by word, dates of birth field by field.

:func:`name_similarity` gives 0..1 for two normalised names (:mod:`haven.screening.names`):
Jaro-Winkler (rapidfuzz) for spellings a slip apart, at most :data:`DIFFERENT` for words that are
not, nickname pairs, initials, compound surnames (De La Cruz = Delacruz; Garcia ≈ Garcia-Lopez),
middle names and suffixes that agree or conflict, first and last names swapped.

:func:`relations` says how each listed date of birth relates to the visitor's (:class:`Relation`),
for many rows at once (numpy).

The index (:mod:`haven.screening.matcher`) decides which rows to compare and what the scores mean.
"""

from __future__ import annotations

import datetime as dt
from enum import IntEnum
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray
from rapidfuzz.distance import OSA, JaroWinkler

from haven.screening.names import PARTICLES, Name, is_nickname_pair, phonetic

_jw = JaroWinkler.normalized_similarity

HAND_TYPED_YEARS = 5


class Relation(IntEnum):
    """How a listed date of birth relates to the visitor's (0: incompatible)."""

    NONE = 0
    UNKNOWN = 1  # the list entry (or the query) has no date of birth
    WINDOW = 2  # within ± 5 years, for a date typed by hand
    ONE_OFF = 3  # one field slipped: off by one, a digit one key away, two digits swapped
    SWAPPED = 4  # day and month swapped
    EXACT = 5


# --- name scoring ---------------------------------------------------------------------------------

NICKNAME = 0.95  # Bill for William: as good as the same name, almost
INITIAL = 0.8  # "J" for John: consistent, but says little
# Weaker evidence, kept below a match (0.92) even when the rest of the name is the same:
BY_MIDDLE = 0.82  # the visitor's first name is the listed middle name (or the other way round)
PARTIAL_SURNAME = 0.82  # Garcia for Garcia-Lopez: one part of a compound surname
SWAP_PENALTY = 0.03  # first and last name swapped
MIDDLE_AGREES, MIDDLE_DIFFERS, SUFFIX_DIFFERS = 0.02, 0.1, 0.1
WEAK_FLOOR = 0.8  # a name half below this cannot be carried by the other half
SAME_SOUND = 0.88  # spelled differently, sounds the same (metaphone)
DIFFERENT = 0.7  # the most two different words can score
_SOUND_ALIKE_INITIALS = frozenset({"ck", "kc", "cs", "sc", "gj", "jg", "fp", "pf", "kq", "qk"})


@lru_cache(maxsize=262_144)  # the same pairs of names come up screening after screening
def word_similarity(a: str, b: str, *, given: bool = False) -> float:
    """Two name words: 1 for the same, Jaro-Winkler for spellings a slip apart (at most one edit,
    two in a long word, or the same sound), and at most :data:`DIFFERENT` for anything else, however
    alike Jaro-Winkler finds them (it is generous to words that merely share a beginning: "Bartaner"
    and "Barbebarvo" score 0.8). Given names also pair with their nicknames and initials."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    if given:
        if len(a) == 1 or len(b) == 1:
            return INITIAL if a[0] == b[0] else 0.0
        if is_nickname_pair(a, b):
            return NICKNAME
    similarity = float(_jw(a, b))
    allowed = 1 if min(len(a), len(b)) < 7 else 2
    if OSA.distance(a, b, score_cutoff=allowed) <= allowed:
        return similarity
    if (
        len(a) > 2
        and len(b) > 2
        and (a[0] == b[0] or a[0] + b[0] in _SOUND_ALIKE_INITIALS)  # not Fionna and Vina
        and phonetic(a) == phonetic(b)
    ):  # Stephen, Steven; Catherine, Kathryn
        return max(similarity, SAME_SOUND)
    return min(similarity, DIFFERENT)


def _significant(surname: tuple[str, ...]) -> tuple[str, ...]:
    last = len(surname) - 1
    return tuple(w for i, w in enumerate(surname) if i == last or w not in PARTICLES)


@lru_cache(maxsize=65_536)
def surname_similarity(q: tuple[str, ...], r: tuple[str, ...]) -> float:
    """Two surnames, compared run together (De La Cruz = Delacruz), in either order (Lopez Garcia =
    Garcia Lopez) and part by part (Garcia ≈ Garcia-Lopez, a little less than the whole)."""
    if not q or not r:
        return 0.0
    best = word_similarity("".join(q), "".join(r))
    if best == 1.0 or (len(q) == 1 and len(r) == 1):
        return best
    qp, rp = _significant(q), _significant(r)
    if sorted(qp) == sorted(rp):
        return max(best, 0.98)
    part = max(word_similarity(a, b) for a in qp for b in rp)
    return max(best, PARTIAL_SURNAME * part)


def given_similarity(q: Name, r: Name) -> float:
    """The visitor's first name against the entry's first name (or the middle name it goes by)."""
    if not q.given or not r.given:
        return 0.0
    first = q.given[0]
    best = word_similarity(first, r.given[0], given=True)
    if best < 1.0 and (len(q.given) > 1 or len(r.given) > 1):
        best = max(best, word_similarity("".join(q.given), "".join(r.given)))
    if best < BY_MIDDLE:
        for word in r.given[1:] + r.middle:
            best = max(best, BY_MIDDLE * word_similarity(first, word, given=True))
        for word in q.given[1:] + q.middle:
            best = max(best, BY_MIDDLE * word_similarity(word, r.given[0], given=True))
    return best


def _oriented(q: Name, r: Name) -> float:
    gs = given_similarity(q, r)
    ss = surname_similarity(q.surname, r.surname)
    score = (gs + ss) / 2
    weakest = min(gs, ss)
    if weakest < WEAK_FLOOR:
        score -= (WEAK_FLOOR - weakest) / 2
    if q.middle and r.middle:
        mq, mr = q.middle[0], r.middle[0]
        if mq[0] != mr[0]:
            score -= MIDDLE_DIFFERS
        elif word_similarity(mq, mr, given=True) >= 0.85:
            score += MIDDLE_AGREES
    if q.suffix and r.suffix and q.suffix != r.suffix:
        score -= SUFFIX_DIFFERS
    return score


def name_similarity(q: Name, r: Name) -> float:
    """How likely the two names are one person's, first and last name possibly swapped: 0 to 1,
    and a little over 1 when even the middle names agree (it ranks such a row first; the score
    shown is cut at 1)."""
    straight = _oriented(q, r)
    if straight >= 1.0:
        return straight
    swapped = Name(q.surname, q.middle, q.given, q.suffix)
    return max(0.0, straight, _oriented(swapped, r) - SWAP_PENALTY)


# --- dates of birth -------------------------------------------------------------------------------

IntArray = NDArray[np.int64]


def _one_slip(a: IntArray, b: int, digits: int) -> NDArray[np.bool_]:
    """``a`` differs from ``b`` by a slip of the hand: off by one, one digit one key away (1975 →
    1985, 15 → 25), or two neighbouring digits swapped (1975 → 1957, 12 → 21), in a
    ``digits``-digit field. Any other difference is a different date."""
    out = np.abs(a - b) == 1
    if digits == 4:  # a year ten out, across a decade too (1998 → 2008)
        out |= np.abs(a - b) == 10
    for place in range(digits):
        p = 10**place
        same_elsewhere = (a // (p * 10) == b // (p * 10)) & (a % p == b % p)
        out |= same_elsewhere & (np.abs(a - b) == p)
        if place < digits - 1:
            lo, hi = (b // p) % 10, (b // (p * 10)) % 10
            swapped = b + (lo - hi) * p * 9  # digits at place and place+1 exchanged
            out |= a == swapped
    return out & (a != b)


def relations(
    y: NDArray[np.integer[Any]],
    m: NDArray[np.integer[Any]],
    d: NDArray[np.integer[Any]],
    days: NDArray[np.integer[Any]],
    dob: dt.date | None,
    by_hand: bool,
) -> NDArray[np.int8]:
    """The :class:`Relation` of each listed date (year/month/day arrays, 0 when unknown) to
    ``dob``."""
    y, m, d, days = (np.asarray(a, dtype=np.int64) for a in (y, m, d, days))  # stored narrow
    out = np.zeros(len(y), dtype=np.int8)
    unknown = y == 0
    if dob is None:
        out[:] = Relation.UNKNOWN
        return out
    qy, qm, qd = dob.year, dob.month, dob.day
    ey, em, ed = y == qy, m == qm, d == qd
    if by_hand:
        window = np.abs(days - dob.toordinal()) <= HAND_TYPED_YEARS * 366
        out[window] = Relation.WINDOW
    one_off = (
        (ey & em & _one_slip(d, qd, 2))
        | (ey & ed & _one_slip(m, qm, 2))
        | (em & ed & _one_slip(y, qy, 4))
    )
    out[one_off] = Relation.ONE_OFF
    if qd <= 12 and qd != qm:
        out[ey & (m == qd) & (d == qm)] = Relation.SWAPPED
    out[ey & em & ed] = Relation.EXACT
    out[unknown] = Relation.UNKNOWN
    return out
