"""Finding the data elements in a payload, however a scanner mangled its separators, and reading
their dates.

Part of :mod:`haven.visitors.aamva`; see its docstring.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from datetime import date
from typing import NamedTuple

from haven.visitors.aamva.card import MAX_PAYLOAD_CHARS, AamvaError, Header, Subfile

# ---------------------------------------------------------------------------------------------
# Data elements (Annex D of the standard). Version 01 (DL/ID-2000) used a partly different set.

_V1_ONLY = frozenset(
    "DAA DAB DAE DAF DAL DAM DAN DAO DAP DAR DAS DAT DAV DBE DBF DBH DBI DBJ DBK DBL DBM "
    "DBO DBP DBQ DBR PAA PAB PAC PAD PAE PAF".split()
)
_COMMON = frozenset(
    "DAC DAD DAG DAH DAI DAJ DAK DAQ DAU DAW DAX DAY DAZ DBA DBB DBC DBD DBG DBN DBS".split()
)
_V2_PLUS = frozenset(
    "DCA DCB DCD DCE DCF DCG DCH DCI DCJ DCK DCL DCM DCN DCO DCP DCQ DCR DCS DCT DCU "
    "DDA DDB DDC DDD DDE DDF DDG DDH DDI DDJ DDK DDL".split()
)
_ALL_IDS = _V1_ONLY | _COMMON | _V2_PLUS

_DATE_IDS = frozenset("DBA DBB DBD DDB DDC DDH DDI DDJ DBL PAB PAD".split())
_NAME_IDS = frozenset("DAA DAB DAC DAD DAE DAF DCS DCT DCU DBN DBO DBP DBQ DBR DBS".split())
# An empty value here means the element is not really there.
_REQUIRED = frozenset("DAA DAC DAG DAI DAJ DAK DAQ DBA DBB DBC DCS DCT".split())
_FORMATS = {
    "DBC": re.compile(r"[129MFXUmfxu]"),
    "DDE": re.compile(r"[TNU]"),
    "DDF": re.compile(r"[TNU]"),
    "DDG": re.compile(r"[TNU]"),
    "DAJ": re.compile(r"[A-Za-z]{2}"),
    "DAO": re.compile(r"[A-Za-z]{2}"),
    "DCG": re.compile(r"[A-Za-z]{3}"),
    "DAK": re.compile(r"[0-9]{5}[0-9 -]{0,6}|[A-Za-z][0-9][A-Za-z] ?[0-9][A-Za-z][0-9]"),
    "DAP": re.compile(r"[0-9]{5}[0-9 -]{0,6}|[A-Za-z][0-9][A-Za-z] ?[0-9][A-Za-z][0-9]"),
    "DAU": re.compile(r"[0-9]{1,3}(?: ?(?:IN|CM|in|cm|\"))?|[0-9]-[0-9]{2}"),
    "DAY": re.compile(r"[A-Za-z]{3,5}"),
    "DAZ": re.compile(r"[A-Za-z]{3,5}"),
    "DAV": re.compile(r"[0-9]{1,3}"),
    "DAW": re.compile(r"[0-9]{1,3}(?: ?(?:LBS?|lbs?))?"),
    "DAX": re.compile(r"[0-9]{1,3}(?: ?(?:KG|kg))?"),
    "DBF": re.compile(r"[0-9]{1,2}"),
    "DCE": re.compile(r"[0-9]"),
    "DDA": re.compile(r"[A-Za-z]"),
    "DDD": re.compile(r"[0-9]"),
    "DDK": re.compile(r"[0-9YN]"),
    "DDL": re.compile(r"[0-9YN]"),
    "DBH": re.compile(r"[0-9YN]"),
    "DAQ": re.compile(r"[A-Za-z0-9][A-Za-z0-9 *-]*"),
    # vehicle classes, restrictions and endorsements are short codes ("D", "B", "PH", "NONE")
    "DCA": re.compile(r"[A-Za-z0-9*/ -]{1,10}"),
    "DAR": re.compile(r"[A-Za-z0-9*/ -]{1,10}"),
    "DAS": re.compile(r"[A-Za-z0-9*/ -]{1,12}"),
    "DAT": re.compile(r"[A-Za-z0-9*/ -]{1,12}"),
    "DCB": re.compile(r"[A-Za-z0-9*/ ,-]{1,12}"),
    "DCD": re.compile(r"[A-Za-z0-9*/ ,-]{1,12}"),
}
_WHOLE_NAME_IDS = frozenset("DAA DAB DAC DCS DCT".split())
_NAME_RE = re.compile(r"[^\W\d_](?:[^\W\d_]|[ ,.'\u2019$@-])*")  # \u2019: typographic '
_TEXT_RE = re.compile(r"[^\x00-\x1f\x7f]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CANADIAN_POSTAL = re.compile(r"[A-Za-z][0-9][A-Za-z] ?[0-9][A-Za-z][0-9]")

_HEADER_RE = re.compile(r"(ANSI ?|AAMVA)([0-9]{6})([0-9]{2})")
_DIRECTORY_RE = re.compile(r"([A-Z]{2})([0-9]{4})([0-9]{4})")
_CANDIDATE_RE = re.compile(r"(?=(D[A-D][A-Z]|PA[A-F]|Z[A-Z]{2}))")

# What keyboard wedges and apps write instead of the control characters.
_SPELLED_OUT = re.compile(
    r"<(LF|CR|RS|GS)>|\[(LF|CR|RS|GS)\]|\\(n|r)|\\x1[eE]|\\u001[eE]", re.IGNORECASE
)
_SPELLED = {"lf": "\n", "n": "\n", "cr": "\r", "r": "\r", "rs": "\x1e", "gs": "\x1d"}


def _unspell(m: re.Match[str]) -> str:
    key = (m.group(1) or m.group(2) or m.group(3) or "rs").lower()
    return _SPELLED.get(key, "\x1e")


def _normalise(payload: str | bytes) -> str:
    if isinstance(payload, bytes | bytearray):
        raw = bytes(payload)
        try:
            payload = raw.decode("utf-8")
        except UnicodeDecodeError:
            payload = raw.decode("latin-1")  # PDF417 text is ISO 8859-1 unless it says otherwise
    if not isinstance(payload, str):
        raise AamvaError("barcode", "expected the barcode's text")
    if len(payload) > MAX_PAYLOAD_CHARS:
        raise AamvaError(
            "barcode",
            f"is {len(payload)} characters long; a licence barcode holds under 2,000",
        )
    text = _SPELLED_OUT.sub(_unspell, payload)
    text = unicodedata.normalize("NFC", text).lstrip(" \t\ufeff\u00a0")
    if not text.strip():
        raise AamvaError("barcode", "is empty: scan the barcode on the back of the card")
    return text


# ---------------------------------------------------------------------------------------------
# Header


def parse_header(text: str) -> Header | None:
    """The header of an (already normalised) payload, or None when there is none to read."""
    m = _HEADER_RE.search(text)
    if m is None:
        return None
    file_type = m.group(1).strip()
    iin, version = m.group(2), int(m.group(3))
    pos = m.end()
    # Version 01 has no jurisdiction version; some issuers get this wrong either way.
    layouts = (False, True) if version <= 1 else (True, False)
    for with_jv in layouts:
        width = 4 if with_jv else 2
        counts = text[pos : pos + width]
        if (
            len(counts) == width
            and counts.isascii()
            and counts.isdigit()
            and _DIRECTORY_RE.match(text, pos + width)
        ):
            jv = int(counts[:2]) if with_jv else None
            entries = int(counts[-2:])
            subfiles, end = _read_directory(text, pos + width)
            return Header(file_type, iin, version, jv, entries, subfiles, end)
    with_jv = layouts[0]
    width = 4 if with_jv else 2
    counts = text[pos : pos + width]
    if len(counts) == width and counts.isascii() and counts.isdigit():
        jv = int(counts[:2]) if with_jv else None
        return Header(file_type, iin, version, jv, int(counts[-2:]), (), pos + width)
    return Header(file_type, iin, version, None, 0, (), pos)


def _read_directory(text: str, pos: int) -> tuple[tuple[Subfile, ...], int]:
    subfiles: list[Subfile] = []
    while (m := _DIRECTORY_RE.match(text, pos)) is not None and len(subfiles) < 99:
        subfiles.append(Subfile(m.group(1), int(m.group(2)), int(m.group(3))))
        pos = m.end()
    return tuple(subfiles), pos


# ---------------------------------------------------------------------------------------------
# Finding the elements


class _Candidate(NamedTuple):
    pos: int
    eid: str
    after: int  # _AFTER_SEPARATOR, _AFTER_SPACE or _GLUED
    stop: int  # where the value before it ends: pos, or before a subfile designator ("ZV")


_AFTER_SEPARATOR, _AFTER_SPACE, _GLUED = 0, 1, 2
_STANDARD_SEPARATORS = frozenset("\n\r\x1e")

# Scores in hundredths: a well-formed value is worth 100, a malformed one -100.
_VALID, _INVALID = 100, -100
_MAX_SPAN = 200  # no element value is longer than this
_MAX_OPTIONS = 24  # nor holds more look-alike IDs than this
# A card has 20-60 elements; thousands of look-alike IDs ("ZZZZ...") are not a card, and would
# only make the search slow.
_MAX_CANDIDATES = 400
_MAX_WORK = 4000  # candidate-runs spent trying which of a repeated ID is the real one
# Elements few cards carry (residence address, aliases, permits, descriptions, ...).
_RARE = frozenset(
    "DAL DAM DAN DAO DAP DAV DBE DBG DBI DBJ DBK DBL DBM DBN DBO DBP DBQ DBR DBS PAA PAB PAC "
    "PAD PAE PAF DCH DCI DCJ DCL DCM DCN DCO DCP DCQ DCR DDC DDH DDI DDJ DDK DDL".split()
)
# Driving privileges: not on an ID card.
_LICENCE_ONLY = frozenset("DCA DCB DCD DCH DCM DCN DCO DCP DCQ DCR DDC DAR DAS DAT".split())
# How much a candidate start is worth, by what precedes it, in each kind of text:
_BOUNDARY = {
    # separators survive: they decide; an ID inside a value stays in it unless the value is bad
    "separated": {_AFTER_SEPARATOR: 50, _AFTER_SPACE: -150, _GLUED: -120},
    # every separator became a space (values have spaces too, so nothing is forced)
    "spaced": {_AFTER_SEPARATOR: 50, _AFTER_SPACE: 50, _GLUED: -120},
    # no separators at all: only the values tell; padding spaces may precede an ID
    "glued": {_AFTER_SEPARATOR: 50, _AFTER_SPACE: -30, _GLUED: 0},
}
# Elements every card of a version carries (DL subfile); finding one is evidence of a real split.
_MANDATORY = {
    1: frozenset("DAQ DAG DAI DAJ DAK DBA DBB DBC DBD".split()),
    2: frozenset("DCA DCB DCD DBA DCS DCT DBD DBB DBC DAY DAU DAG DAI DAJ DAK DAQ DCF DCG".split()),
    4: frozenset(
        "DCA DCB DCD DBA DCS DAC DAD DBD DBB DBC DAY DAU DAG DAI DAJ DAK DAQ DCF DCG "
        "DDE DDF DDG".split()
    ),
}


def _separators(body: str, candidates: list[tuple[int, str]]) -> tuple[frozenset[str], bool]:
    """The characters that separate elements here (LF/CR/RS and whatever replaced them), and
    whether plain spaces took their place."""
    before = Counter(body[p - 1] for p, _ in candidates if p > 0 and not body[p - 1].isalnum())
    seps = set(_STANDARD_SEPARATORS)
    for ch, n in before.items():
        if ch != " " and (_CONTROL.match(ch) or (n >= 3 and n >= 0.4 * body.count(ch))):
            seps.add(ch)
    spaced = (
        sum(before[ch] for ch in seps) < 3
        and before[" "] >= 3
        and before[" "] >= 0.4 * body.count(" ")
    )
    return frozenset(seps), spaced


def _segment(
    body: str, version: int, z_letters: frozenset[str] | None, id_card: bool = False
) -> list[tuple[str, str]]:
    """Split the subfile data into (element ID, value) pairs.

    Every place a known element ID occurs is a candidate start. Separators decide where they are
    present; where they are not (a keyboard wedge ate them), the split that makes the most
    well-formed values wins: "DCSSMITHDACJOHN" is DCS=SMITH, DAC=JOHN, while "DACDAVID" stays one
    first name because DAV ("ID") is not a height.
    """
    raw = [(m.start(), m.group(1)) for m in _CANDIDATE_RE.finditer(body)]
    raw = [
        (p, eid)
        for p, eid in raw
        if (eid in _ALL_IDS)
        or (
            eid[0] == "Z"
            and (z_letters is None or eid[1] in z_letters)
            and body[p + 2 : p + 4] != eid[:2]  # "ZV" of "ZVZVA01" designates the subfile
        )
    ]
    seps, spaced = _separators(body, raw)
    cut = re.compile("[" + re.escape("".join(sorted(seps))) + "]")

    def kind(p: int) -> int:
        if p == 0 or body[p - 1] in seps:
            return _AFTER_SEPARATOR
        if body[p - 2 : p] == body[p : p + 2] and body[p] == "Z":
            return _AFTER_SEPARATOR  # first element of a jurisdiction's subfile, after "ZV"
        return _AFTER_SPACE if body[p - 1] == " " else _GLUED

    def stop(p: int, eid: str) -> int:
        return p - 2 if eid[0] == "Z" and body[p - 2 : p] == eid[:2] else p

    everything = [_Candidate(p, eid, kind(p), stop(p, eid)) for p, eid in raw]
    separated = sum(1 for c in everything if c.after == _AFTER_SEPARATOR) >= 3
    if separated:
        candidates = everything
        if len(candidates) > _MAX_CANDIDATES:
            raise AamvaError("barcode", "is not the barcode of a driver's licence or ID card")
        return _best_split(body, candidates, cut, _Rules("separated", version), {})[1]

    if version == 0:
        # No header to say which version: guess from the IDs that only one generation has.
        found = {c.eid for c in everything}
        newer, older = len(found & _V2_PLUS), len(found & _V1_ONLY)
        version = 4 if newer > older else 1 if older > newer else 0
    rules = _Rules("spaced" if spaced else "glued", version)
    # A card writes its names one way: DAA (version 01), DCT (02-03) or DAC/DAD (04 on); the
    # IDs of the other ways, found in a name ("CANDACE" holds DAC), are most likely noise.
    present = {c.eid for c in everything}
    if version == 1 and "DAA" in present:
        rules.rare |= {"DAB", "DAC", "DAD", "DAE", "DAF"}
    elif version in (2, 3) and "DCT" in present:
        rules.rare |= {"DAC", "DAD"}
    elif version >= 4 and "DAC" in present:
        rules.rare.add("DCT")
    if id_card:
        rules.rare |= _LICENCE_ONLY
    # Without separators, an out-of-version ID ("DAN" inside "JORDAN") is noise.
    candidates = [c for c in everything if c.eid[0] == "Z" or c.eid in rules.in_version]
    if len(candidates) > _MAX_CANDIDATES:
        raise AamvaError("barcode", "is not the barcode of a driver's licence or ID card")

    # A card has each element once. Where an ID occurs more than once, one occurrence at most
    # is real and the others sit inside values ("CANDACE" holds DAC): try each choice.
    spots: dict[str, list[int]] = {}
    for i, c in enumerate(candidates):
        if c.eid[0] != "Z":
            spots.setdefault(c.eid, []).append(i)
    repeated = [idx for idx in spots.values() if len(idx) > 1]
    choices: list[tuple[int | None, ...]] = [()]
    for idx in repeated:
        choices = [(*chosen, keep) for chosen in choices for keep in (*idx, None)]
        if len(choices) * len(candidates) > _MAX_WORK:
            choices = []
            break
    if not choices:  # too many to try: let them all compete
        return _best_split(body, candidates, cut, rules, {})[1]
    best: tuple[int, list[tuple[str, str]]] | None = None
    scores: dict[tuple[int, int], int] = {}  # the runs share most of their values
    for chosen in choices:
        dropped = {i for idx, keep in zip(repeated, chosen, strict=True) for i in idx if i != keep}
        kept = [c for i, c in enumerate(candidates) if i not in dropped]
        result = _best_split(body, kept, cut, rules, scores)
        if best is None or result[0] > best[0]:
            best = result
    return best[1] if best else []


class _Rules:
    """How to score a split, for one kind of text and version."""

    def __init__(self, mode: str, version: int) -> None:
        self.separated = mode == "separated"
        self.boundary = _BOUNDARY[mode]
        self.in_version = _ALL_IDS
        self.mandatory: frozenset[str] = frozenset()
        if version == 1:
            self.in_version, self.mandatory = _V1_ONLY | _COMMON, _MANDATORY[1]
        elif version >= 2:
            self.in_version = _COMMON | _V2_PLUS
            self.mandatory = _MANDATORY[4] if version >= 4 else _MANDATORY[2]
        if self.separated:
            self.mandatory = frozenset()  # the separators already say where elements are
        # Elements few cards carry: without separators, an ID of one found in a value is more
        # likely part of the value.
        self.rare = set() if self.separated else set(_RARE)


def _best_split(
    body: str,
    candidates: list[_Candidate],
    cut: re.Pattern[str],
    rules: _Rules,
    scores: dict[tuple[int, int], int],
) -> tuple[int, list[tuple[str, str]]]:
    """The highest-scoring chain of candidates (dynamic programming from the end)."""
    n = len(candidates)
    if n == 0:
        return 0, []
    boundary = rules.boundary
    next_sep = [n] * n
    following = n
    for i in range(n - 1, -1, -1):
        next_sep[i] = following
        if candidates[i].after == _AFTER_SEPARATOR:
            following = i

    best = [0] * (n + 1)
    choice = [n] * n
    for i in range(n - 1, -1, -1):
        pos, eid = candidates[i].pos, candidates[i].eid
        start = pos + 3
        penalty = -1  # a tie goes to fewer, longer elements
        if eid[0] != "Z":
            if eid not in rules.in_version:
                penalty -= 50
            if eid in rules.rare:
                penalty -= 100
            elif eid in rules.mandatory:
                penalty += 50
        # In separated text no element may run past the next separated candidate.
        limit = n
        if rules.separated:
            limit = next_sep[i]
            while limit < n and candidates[limit].pos < start:
                limit = next_sep[limit]
        options: list[int] = []
        for j in range(i + 1, min(limit + 1, n)):
            if candidates[j].pos < start:
                continue
            options.append(j)
            if candidates[j].pos - pos > _MAX_SPAN or len(options) >= _MAX_OPTIONS:
                break
        if limit < n and options[-1:] != [limit]:
            options.append(limit)
        if (rules.separated and limit >= n) or len(body) - pos <= _MAX_SPAN or not options:
            options.append(n)
        top, top_j = None, n
        for j in options:
            end = candidates[j].stop if j < n else len(body)
            value_score = scores.get((pos, end))
            if value_score is None:
                value_score = _value_score(eid, _clean(body[start:end], cut))
                scores[pos, end] = value_score
            score = value_score + penalty + best[j]
            if j < n:
                score += boundary[candidates[j].after]
            if top is None or score > top:
                top, top_j = score, j
        best[i] = top if top is not None else 0
        choice[i] = top_j

    first_sep = next((i for i, c in enumerate(candidates) if c.after == _AFTER_SEPARATOR), n)
    starts = [
        i
        for i, c in enumerate(candidates)
        if c.pos <= candidates[0].pos + _MAX_SPAN and (not rules.separated or i <= first_sep)
    ]
    i = max(starts, key=lambda k: (best[k], -k))
    total = best[i]
    elements: list[tuple[str, str]] = []
    while i < n:
        j = choice[i]
        end = candidates[j].stop if j < n else len(body)
        elements.append((candidates[i].eid, _clean(body[candidates[i].pos + 3 : end], cut)))
        i = j
    return total, elements


def _clean(raw: str, cut: re.Pattern[str]) -> str:
    m = cut.search(raw)
    if m is not None:
        raw = raw[: m.start()]
    return _CONTROL.sub("", raw).strip()


def _value_score(eid: str, value: str) -> int:
    if eid[0] == "Z":
        return 0  # jurisdiction-specific: anything goes
    if not value:
        return _INVALID if eid in _REQUIRED else 0
    if len(value) > 150:
        return _INVALID
    if eid in _DATE_IDS:
        return _VALID if _looks_like_date(value) else _INVALID
    pattern = _FORMATS.get(eid)
    if pattern is None:
        pattern = _NAME_RE if eid in _NAME_IDS else _TEXT_RE
    if not pattern.fullmatch(value):
        return _INVALID
    if eid in _WHOLE_NAME_IDS and sum(ch.isalpha() for ch in value) == 1:
        return _VALID - 20  # a one-letter first or family name is more likely a mis-split
    return _VALID


# ---------------------------------------------------------------------------------------------
# Dates

_EARLIEST_YEAR, _LATEST_YEAR = 1870, 2199
_NEVER_EXPIRES = re.compile(r"0{8}|9{8}|NONE|UNAVL|UNAVAILABLE|N/?A", re.IGNORECASE)


def _date_or_none(digits: str, ymd: bool) -> date | None:
    if ymd:
        y, m, d = int(digits[0:4]), int(digits[4:6]), int(digits[6:8])
    else:
        m, d, y = int(digits[0:2]), int(digits[2:4]), int(digits[4:8])
    if not _EARLIEST_YEAR <= y <= _LATEST_YEAR:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _looks_like_date(value: str) -> bool:
    digits = value.replace("-", "").replace("/", "")
    if len(digits) != 8 or not digits.isascii() or not digits.isdigit():
        return False
    return _date_or_none(digits, True) is not None or _date_or_none(digits, False) is not None


def _read_date(value: str, field: str, what: str, eid: str, ymd_first: bool) -> date:
    """A date written MMDDCCYY (US) or CCYYMMDD (Canada, version 01).

    When the expected order gives no real date but the other one does, the other one is meant:
    a plausible year (1870-2199) never starts with a month, so there is no ambiguity.
    """
    expected = "CCYYMMDD" if ymd_first else "MMDDCCYY"
    digits = value.replace("-", "").replace("/", "")
    if len(digits) != 8 or not digits.isascii() or not digits.isdigit():
        raise AamvaError(field, f"{what} {value!r} (element {eid}) is not a date ({expected})")
    for ymd in (ymd_first, not ymd_first):
        found = _date_or_none(digits, ymd)
        if found is not None:
            return found
    raise AamvaError(
        field, f"{what} {value!r} (element {eid}) is not a real date (expected {expected})"
    )
