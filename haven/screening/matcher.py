"""The screening index: find the people on a list (the sex-offender registry, a district watchlist)
whose name and date of birth could be the visitor's, fast enough for a queue at the front desk.

Two steps, as record-linkage systems do:

1. **Blocking** — sorted integer tables give the few rows worth comparing without looking at the
   others. Every name word has a phonetic key (metaphone); a given name also has the keys of the
   names it may be short for, so Bill meets William. The tables are keyed by

   * (name key, two of the three date fields): (key, year, month), (key, year, day) and
     (key, month, day). A row whose date differs from the visitor's in one field only still shares
     two fields with it, so "one field off" costs three look-ups per key instead of a scan. Every
     key of the visitor's names is looked up, as given name or surname, so swapped names and a
     typo in one of the names still meet the row through the other name;
   * (given-name key, surname key) pairs, without the date: for a date typed by hand, which may be
     years out, and for list entries without a date of birth;
   * the date of birth alone, for a visitor whose name gives no key (initials only).

   A table is two numpy arrays (keys sorted, row numbers), searched with ``searchsorted``: twelve
   bytes an entry, where dicts of lists would take ten times as much for a million people.

2. **Scoring** (:mod:`haven.screening.scoring`) — each candidate's date is compared with the
   visitor's (:class:`~haven.screening.scoring.Relation`), then its names and aliases word by word:
   Jaro-Winkler (rapidfuzz) for spellings a slip apart, nickname pairs, initials, compound surnames
   (De La Cruz = Delacruz; Garcia ≈ Garcia-Lopez), middle names and suffixes that agree or
   conflict, swapped names.

The outcome (:class:`Thresholds`): ``match`` for a strong name with the same date (or day and month
swapped), ``review`` for a possible one (the clerk compares photo and details), ``clear`` otherwise.
A name match is never an identification; ``match`` means "stop and check", not "this is the person".

:meth:`Index.build` takes any iterable of :class:`Record`, so the visitors app screens its
watchlists with the same code; the registry's index is built from the stored normalised names
(:mod:`haven.screening.services`).
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Iterable, MutableSequence, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

import numpy as np
from numpy.typing import NDArray

from haven.screening.names import Name, given_keys, normalise, parse_full, surname_keys
from haven.screening.scoring import Relation, name_similarity, relations

IntArray = NDArray[np.int64]


class Outcome:
    CLEAR = "clear"
    REVIEW = "review"
    MATCH = "match"


#: How much each relation keeps of the name's score, for the score shown to the clerk.
DOB_WEIGHT = {
    Relation.EXACT: 1.0,
    Relation.SWAPPED: 0.97,
    Relation.ONE_OFF: 0.93,
    Relation.WINDOW: 0.88,  # less 0.01 a year apart
    Relation.UNKNOWN: 0.85,
}


@dataclass(frozen=True)
class Thresholds:
    """Name scores (0..1) at which a candidate becomes a match or a review."""

    match: float = 0.92  # with the same date of birth, or day and month swapped
    review: float = 0.85  # with the same date, or day and month swapped
    # A date one slip away, or only within ± 5 years: the name must then be the same, a nickname
    # or a slip of its own. With a million people listed, a looser name here would send about one
    # visitor in fifty to review for a stranger who shares a common name.
    review_dob_off: float = 0.95
    review_no_dob: float = 0.92  # an entry without a date of birth


@dataclass(frozen=True, slots=True)
class Record:
    """One person on a list: the registry, a banned-persons list, a custody order.

    ``names`` are normalised (:func:`haven.screening.names.normalise`), the primary name first,
    then the aliases. ``ref`` is the caller's own (a watchlist entry's id …): a hit gives back the
    record, and so the ref.
    """

    source: str
    record_id: str
    names: tuple[Name, ...]
    date_of_birth: dt.date | None
    display_name: str = ""
    ref: Any = None

    @classmethod
    def of(
        cls,
        source: str,
        record_id: str,
        first_name: str,
        last_name: str,
        date_of_birth: dt.date | None,
        *,
        middle_name: str = "",
        suffix: str = "",
        aliases: Iterable[str] = (),
        ref: Any = None,
    ) -> Record:
        """A record from plain fields; ``aliases`` are full names ("Bill Smith", "Smith, Bill")."""
        primary = normalise(first_name, last_name, middle_name, suffix)
        others = [parse_full(alias) for alias in aliases if alias.strip()]
        names = tuple(dict.fromkeys([primary, *(n for n in others if not n.is_empty)]))
        shown = " ".join(p for p in (first_name, middle_name, last_name, suffix) if p.strip())
        return cls(source, record_id, names, date_of_birth, shown, ref)


@dataclass(frozen=True, slots=True)
class Hit:
    row: int
    ref: Any
    score: float  # 0..1, name score weighted by how well the dates agree
    name_score: float
    relation: Relation
    outcome: str


@dataclass
class Query:
    """A visitor as the index compares them."""

    name: Name
    date_of_birth: dt.date | None
    dob_typed_by_hand: bool = False

    @classmethod
    def of(
        cls,
        first_name: str,
        last_name: str,
        date_of_birth: dt.date | None,
        middle_name: str = "",
        *,
        dob_typed_by_hand: bool = False,
    ) -> Query:
        return cls(normalise(first_name, last_name, middle_name), date_of_birth, dob_typed_by_hand)


def overall(hits: Sequence[Hit]) -> str:
    """The screening's outcome: the most serious of its hits."""
    outcomes = {hit.outcome for hit in hits}
    if Outcome.MATCH in outcomes:
        return Outcome.MATCH
    return Outcome.REVIEW if Outcome.REVIEW in outcomes else Outcome.CLEAR


# --- the index ------------------------------------------------------------------------------------

_CODE_BITS = 24
_YM, _YD, _MD = 1, 2, 3
SMALL = 2_000  # a list shorter than this is compared row by row: blocking would save nothing


@dataclass
class _Table:
    keys: NDArray[np.int64]
    rows: NDArray[np.int32]

    @classmethod
    def of(cls, keys: NDArray[np.int64], rows: NDArray[Any]) -> _Table:
        """Sort ``keys`` (consumed) with their ``rows``. When key and row fit in one 63-bit
        integer together, they are sorted as one array, in place: a million people's tables are
        built without the memory of an argsort's copies."""
        if not keys.size:
            return cls(keys, rows.astype(np.int32))
        row_bits = max(int(rows.max()).bit_length(), 1)
        if int(keys.max()).bit_length() + row_bits <= 63:
            keys <<= row_bits
            keys |= rows
            keys.sort()
            sorted_rows = (keys & ((1 << row_bits) - 1)).astype(np.int32)
            keys >>= row_bits
            return cls(keys, sorted_rows)
        order = np.argsort(keys, kind="stable")
        return cls(keys[order], rows[order].astype(np.int32))

    def lookup(self, wanted: Iterable[int]) -> list[NDArray[np.int32]]:
        q = np.fromiter(wanted, dtype=np.int64)
        if not q.size or not self.keys.size:
            return []
        lo = np.searchsorted(self.keys, q, "left")
        hi = np.searchsorted(self.keys, q, "right")
        return [self.rows[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True) if b > a]

    @property
    def nbytes(self) -> int:
        return int(self.keys.nbytes + self.rows.nbytes)


@dataclass
class Index:
    """An in-memory screening index over a list of people (see the module's docstring)."""

    names: list[str]  # per row: its names encoded (Name.encode), ";"-separated
    refs: Sequence[Any]  # per row: what a hit gives back
    # Date of birth per row (0: unknown), narrow: 8 bytes a row in all.
    y: NDArray[np.int16]
    m: NDArray[np.int8]
    d: NDArray[np.int8]
    days: NDArray[np.int32]  # as an ordinal
    codes: dict[str, int]
    by_dob: _Table
    by_key_and_dob: _Table
    by_pair: _Table
    no_dob: NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    keyless: NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    thresholds: Thresholds = field(default_factory=Thresholds)
    compare_all_below: int = SMALL  # rows; a shorter list is compared row by row

    def __len__(self) -> int:
        return len(self.names)

    # --- building ---

    @classmethod
    def build(
        cls,
        records: Iterable[Record],
        thresholds: Thresholds | None = None,
        *,
        compare_all_below: int = SMALL,
    ) -> Index:
        """An index over any records; each hit's ``ref`` is the :class:`Record`."""
        builder = Builder()
        for record in records:
            builder.add(
                record,
                ";".join(n.encode() for n in record.names if not n.is_empty),
                record.date_of_birth,
            )
        index = builder.finish(thresholds)
        index.compare_all_below = compare_all_below
        return index

    # --- searching ---

    def search(self, query: Query, *, limit: int = 10) -> list[Hit]:
        """The rows whose date and name could be the visitor's, best first (at most ``limit``)."""
        if query.name.is_empty:
            return []
        rows, by_name = self._candidates(query)
        if not rows.size:
            return []
        rel = relations(
            self.y[rows],
            self.m[rows],
            self.d[rows],
            self.days[rows],
            query.date_of_birth,
            query.dob_typed_by_hand,
        )
        # A date years out is only worth comparing for rows whose given name and surname both
        # agree by sound; the others met the visitor on one name and two fields of the date.
        rel[(rel == Relation.WINDOW) & ~by_name] = Relation.NONE
        keep = rel > 0
        ranked: list[tuple[float, Hit]] = []
        t = self.thresholds
        for row, relation_value in zip(rows[keep].tolist(), rel[keep].tolist(), strict=True):
            relation = Relation(relation_value)
            score = max(
                (
                    name_similarity(query.name, Name.decode(encoded))
                    for encoded in self.names[row].split(";")
                    if encoded
                ),
                default=0.0,
            )
            outcome = _outcome(score, relation, t)
            if outcome == Outcome.CLEAR:
                continue
            weight = DOB_WEIGHT[relation]
            if relation == Relation.WINDOW and query.date_of_birth:
                # Nearer dates first: a date typed in is more often a little out than a lot.
                years = abs(int(self.days[row]) - query.date_of_birth.toordinal()) / 365.25
                weight -= 0.01 * years
            shown = min(score, 1.0)
            hit = Hit(
                row, self.refs[row], round(shown * weight, 4), round(shown, 4), relation, outcome
            )
            ranked.append((score * weight, hit))
        ranked.sort(key=lambda pair: (pair[1].outcome != Outcome.MATCH, -pair[0], pair[1].row))
        return [hit for _, hit in ranked[:limit]]

    def _candidates(self, query: Query) -> tuple[NDArray[np.int32], NDArray[np.bool_]]:
        """(rows to compare, which of them were found by given name and surname together)."""
        n = len(self.names)
        if n < self.compare_all_below:
            return np.arange(n, dtype=np.int32), np.ones(n, dtype=np.bool_)
        name, dob = query.name, query.date_of_birth
        given: set[str] = set()
        for word in name.given + name.middle:
            given.update(given_keys(word))
        surname = set(surname_keys(name.surname))
        # Whether the name, as given, has keys that anyone listed shares.
        known = any(c in self.codes for c in given | surname)
        for word in name.surname:  # first and last name swapped
            given.update(given_keys(word))
        surname.update(surname_keys(name.given))
        ids = {self.codes[c] for c in given | surname if c in self.codes}
        found: list[NDArray[np.int32]] = []
        by_name = np.zeros(0, dtype=np.int32)
        if dob is not None:
            dates = [(dob.year, dob.month, dob.day)]
            if dob.day <= 12 and dob.day != dob.month:
                dates.append((dob.year, dob.day, dob.month))
            if not known or self.keyless.size:
                # A name without keys (initials only) is looked up by the date alone.
                same_date = self.by_dob.lookup(yy * 10_000 + mm * 100 + dd for yy, mm, dd in dates)
                if known and same_date:
                    same_date = [np.intersect1d(np.concatenate(same_date), self.keyless)]
                found += same_date
            found += self.by_key_and_dob.lookup(
                key for c in ids for yy, mm, dd in dates for key in _dob_keys(c, yy, mm, dd)
            )
        if dob is None or query.dob_typed_by_hand or self.no_dob.size:
            pair_ids = _pairs(
                {self.codes[c] for c in given if c in self.codes},
                {self.codes[c] for c in surname if c in self.codes},
            )
            pair_rows = self.by_pair.lookup(pair_ids)
            if pair_rows:
                by_name = np.unique(np.concatenate(pair_rows))
                if dob is not None and not query.dob_typed_by_hand:
                    by_name = np.intersect1d(by_name, self.no_dob)  # only those without a date
                found.append(by_name)
        if not found:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.bool_)
        rows = np.unique(np.concatenate(found))
        return rows, np.isin(rows, by_name, assume_unique=True)

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays (not the Python strings and dict)."""
        arrays = (self.y, self.m, self.d, self.days, self.no_dob, self.keyless)
        return (
            sum(int(a.nbytes) for a in arrays)
            + self.by_dob.nbytes
            + self.by_key_and_dob.nbytes
            + self.by_pair.nbytes
        )


def _outcome(score: float, relation: Relation, t: Thresholds) -> str:
    if relation in (Relation.EXACT, Relation.SWAPPED):
        if score >= t.match:
            return Outcome.MATCH
        return Outcome.REVIEW if score >= t.review else Outcome.CLEAR
    if relation == Relation.UNKNOWN:
        return Outcome.REVIEW if score >= t.review_no_dob else Outcome.CLEAR
    return Outcome.REVIEW if score >= t.review_dob_off else Outcome.CLEAR


def _dob_keys(code: int, y: int, m: int, d: int) -> tuple[int, int, int]:
    base = code << _CODE_BITS
    return (
        base | (_YM << 20) | (y << 4) | m,
        base | (_YD << 20) | (y << 5) | d,
        base | (_MD << 20) | (m << 5) | d,
    )


def _pairs(given: Iterable[int], surname: Iterable[int]) -> list[int]:
    surnames = list(surname)
    return [(g << _CODE_BITS) | s for g in given for s in surnames]


class Builder:
    """Adds rows one by one (normalised names, date of birth), then sorts the tables once.

    Rows are kept in compact arrays while building (a Python list of a million ints would take
    36 bytes an entry); ``refs`` may be an ``array("q")`` too when the refs are ids.
    """

    def __init__(self, refs: MutableSequence[Any] | None = None) -> None:
        self.names: list[str] = []
        self.refs: MutableSequence[Any] = [] if refs is None else refs
        self.dates = array("q")  # yyyymmdd, 0 unknown
        self.codes: dict[str, int] = {}
        self.code_rows = array("q")
        self.code_ids = array("q")
        self.pair_rows = array("q")
        self.pair_keys = array("q")
        # Given names and surnames repeat a great deal; their keys are worked out once each.
        self._given_cache: dict[str, tuple[int, ...]] = {}
        self._surname_cache: dict[str, tuple[int, ...]] = {}

    def _code(self, code: str) -> int:
        found = self.codes.get(code)
        if found is None:
            found = self.codes[code] = len(self.codes)
            if found >= 1 << _CODE_BITS:
                raise OverflowError("too many distinct name keys for the index")
        return found

    def _given_ids(self, words: str) -> tuple[int, ...]:
        found = self._given_cache.get(words)
        if found is None:
            found = tuple({self._code(c) for w in words.split() for c in given_keys(w)})
            if len(self._given_cache) < 1_000_000:
                self._given_cache[words] = found
        return found

    def _surname_ids(self, words: str) -> tuple[int, ...]:
        found = self._surname_cache.get(words)
        if found is None:
            found = tuple({self._code(c) for c in surname_keys(tuple(words.split()))})
            if len(self._surname_cache) < 1_000_000:
                self._surname_cache[words] = found
        return found

    def add(self, ref: Any, encoded: str, date_of_birth: dt.date | str | int | None) -> None:
        """One row: ``encoded`` is its names (``Name.encode``, ";"-separated); the date is a
        date, an ISO string, a yyyymmdd integer or None."""
        row = len(self.names)
        self.names.append(encoded)
        self.refs.append(ref)
        self.dates.append(_yyyymmdd(date_of_birth))
        given: set[int] = set()
        surname: set[int] = set()
        for name in filter(None, encoded.split(";")):
            given_words, middle_words, surname_words, _ = name.split("|")
            given.update(self._given_ids(given_words))
            if middle_words:
                given.update(self._given_ids(middle_words))
            surname.update(self._surname_ids(surname_words))
        codes = given | surname
        self.code_rows.extend(repeat(row, len(codes)))
        self.code_ids.extend(codes)
        pairs = _pairs(given, surname)
        self.pair_rows.extend(repeat(row, len(pairs)))
        self.pair_keys.extend(pairs)

    def finish(self, thresholds: Thresholds | None = None) -> Index:
        dates = np.frombuffer(self.dates, dtype=np.int64).copy() if self.dates else _empty()
        self.dates = array("q")
        y, m, d = dates // 10_000, (dates // 100) % 100, dates % 100
        days = np.where(dates != 0, _ordinal(y, m, d), 0)
        known = np.flatnonzero(dates)
        all_rows = np.arange(len(dates), dtype=np.int32)
        by_dob = _Table.of(dates[known], all_rows[known])
        code_rows = _as_int64(self.code_rows)
        self.code_rows = array("q")
        code_ids = _as_int64(self.code_ids)
        self.code_ids = array("q")
        has_keys = np.zeros(len(dates), dtype=np.bool_)
        has_keys[code_rows] = True
        keyless = all_rows[~has_keys]
        del has_keys
        dated = dates[code_rows] != 0
        code_rows, code_ids = code_rows[dated], code_ids[dated]
        count = len(code_rows)
        # (key, two date fields) for each of the three pairs of fields, filled in place.
        keys = np.empty(3 * count, dtype=np.int64)
        code_ids <<= _CODE_BITS
        cy, cm, cd = y[code_rows], m[code_rows], d[code_rows]
        keys[:count] = code_ids | (_YM << 20) | (cy << 4) | cm
        keys[count : 2 * count] = code_ids | (_YD << 20) | (cy << 5) | cd
        keys[2 * count :] = code_ids | (_MD << 20) | (cm << 5) | cd
        del code_ids, cy, cm, cd
        by_key_and_dob = _Table.of(keys, np.tile(code_rows, 3))
        del keys, code_rows
        by_pair = _Table.of(_as_int64(self.pair_keys), _as_int64(self.pair_rows))
        self.pair_keys, self.pair_rows = array("q"), array("q")
        self._given_cache.clear()
        self._surname_cache.clear()
        return Index(
            names=self.names,
            refs=self.refs,
            y=y.astype(np.int16),
            m=m.astype(np.int8),
            d=d.astype(np.int8),
            days=days.astype(np.int32),
            codes=self.codes,
            by_dob=by_dob,
            by_key_and_dob=by_key_and_dob,
            by_pair=by_pair,
            no_dob=all_rows[dates == 0],
            keyless=keyless,
            thresholds=thresholds or Thresholds(),
        )


def _empty() -> IntArray:
    return np.zeros(0, dtype=np.int64)


def _as_int64(values: array[int]) -> IntArray:
    return np.frombuffer(values, dtype=np.int64).copy() if len(values) else _empty()


def _ordinal(y: IntArray, m: IntArray, d: IntArray) -> IntArray:
    """``date.toordinal()`` of many dates at once (days_from_civil, proleptic Gregorian)."""
    y = y - (m <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146_097 + doe - 719_468 + 719_163


def _yyyymmdd(value: dt.date | str | int | None) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return value.year * 10_000 + value.month * 100 + value.day
