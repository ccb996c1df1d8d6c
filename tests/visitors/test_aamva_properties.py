"""Property-based tests of the AAMVA parser: it reads every well-formed card it is given, and on
anything else it answers AamvaError — never another exception."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from haven.visitors import aamva
from haven.visitors.aamva import AamvaError, License, parse
from haven.visitors.aamva.names import _EMPTY_NAMES, _POSITIONAL_SUFFIXES, _SUFFIXES

VECTORS = Path(__file__).resolve().parents[1] / "fixtures" / "aamva"
PAYLOADS = [
    json.loads(p.read_text(encoding="utf-8"))["payload"] for p in sorted(VECTORS.glob("*.json"))
]

SETTINGS = settings(
    max_examples=100,
    deadline=None,
    database=None,  # nothing written into the tree
    suppress_health_check=[HealthCheck.too_slow],
)


def parse_or_refuse(text: str | bytes) -> License | None:
    """The only two outcomes allowed: a licence, or an AamvaError naming a field."""
    try:
        licence = parse(text)
    except AamvaError as exc:
        assert exc.field
        assert exc.message
        # parse() turns an unexpected exception into AamvaError so that the desk gets an
        # answer; here that would hide a defect
        assert exc.__cause__ is None or isinstance(exc.__cause__, AamvaError), exc.__cause__
        return None
    assert isinstance(licence, License)
    assert isinstance(licence.date_of_birth, date)
    api = licence.to_api()
    assert set(api) == {
        "first_name",
        "middle_name",
        "last_name",
        "suffix",
        "date_of_birth",
        "id_number",
        "expires",
        "sex",
        "address",
        "jurisdiction",
        "aamva_version",
    }
    assert api["sex"] in {"M", "F", "X", ""}
    json.dumps(api)
    return licence


# --- arbitrary input ----------------------------------------------------------------------------

# Text made of the pieces a payload is made of, so that the search for elements gets exercised.
PIECES = st.sampled_from(
    [
        "@",
        "\n",
        "\r",
        "\x1e",
        " ",
        "|",
        "ANSI ",
        "AAMVA",
        "636000",
        "604428",
        "08",
        "01",
        "10",
        "02",
        "DL",
        "ID",
        "ZV",
        "00410278",
        "DAQ",
        "DCS",
        "DAC",
        "DAD",
        "DAA",
        "DCT",
        "DBB",
        "DBA",
        "DBD",
        "DBC",
        "DAG",
        "DAI",
        "DAJ",
        "DAK",
        "DCG",
        "DDE",
        "DDF",
        "DDG",
        "DCU",
        "ZVA",
        "SMITH",
        "JOHN",
        "O'BRIEN",
        "1",
        "2",
        "9",
        "T",
        "N",
        "VA",
        "CAN",
        "USA",
        "06061986",
        "19860606",
        "13011986",
        "02301990",
        "232690000",
        "M5V3L9",
        "JR",
        ",",
        "$",
        "<LF>",
        "\\n",
        "é",
        "\x00",
    ]
)
AAMVA_LIKE = st.lists(PIECES, max_size=120).map("".join)


@SETTINGS
@given(st.text(max_size=3000))
@example("@\n\x1e\rANSI ")
@example("ANSI 636000080002")
@example("@\n\x1e\rANSI 636000080002DL00410278DL")
@example("DAQ1\nDCSA\nDACB\nDBB99999999")
@example("Z" * 5000)
def test_arbitrary_text_parses_or_is_refused(text):
    parse_or_refuse(text)


@SETTINGS
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_parse_or_are_refused(data):
    parse_or_refuse(data)


@SETTINGS
@given(AAMVA_LIKE)
def test_text_made_of_aamva_pieces_parses_or_is_refused(text):
    parse_or_refuse(text)


@SETTINGS
@given(st.sampled_from(PAYLOADS), st.integers(min_value=0, max_value=2000))
def test_truncated_payload_parses_or_is_refused(text, cut):
    parse_or_refuse(text[:cut])


@SETTINGS
@given(st.sampled_from(PAYLOADS), st.data())
def test_payload_with_separators_deleted_at_random_parses_or_is_refused(text, data):
    positions = [i for i, ch in enumerate(text) if ch in "\n\r\x1e"]
    doomed = data.draw(st.sets(st.sampled_from(positions))) if positions else set()
    parse_or_refuse("".join(ch for i, ch in enumerate(text) if i not in doomed))


@SETTINGS
@given(
    st.sampled_from(PAYLOADS),
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=2000), st.text(min_size=1, max_size=12)),
        max_size=6,
    ),
)
def test_payload_with_junk_inserted_parses_or_is_refused(text, insertions):
    for at, junk in insertions:
        at = at % (len(text) + 1)
        text = text[:at] + junk + text[at:]
    parse_or_refuse(text)


@SETTINGS
@given(st.sampled_from(PAYLOADS), st.data())
def test_payload_with_characters_replaced_parses_or_is_refused(text, data):
    chars = list(text)
    for _ in range(data.draw(st.integers(min_value=1, max_value=8))):
        at = data.draw(st.integers(min_value=0, max_value=len(chars) - 1))
        chars[at] = data.draw(st.characters())
    parse_or_refuse("".join(chars))


# --- well-formed cards, generated ---------------------------------------------------------------

NOT_A_NAME = _SUFFIXES | _POSITIONAL_SUFFIXES | _EMPTY_NAMES
WORD = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=12).filter(
    lambda w: w not in NOT_A_NAME
)
# Family names may be hyphenated, have apostrophes, or several words ("DE LA CRUZ").
FAMILY = st.one_of(
    WORD,
    st.builds(lambda a, b: f"{a}-{b}", WORD, WORD),
    st.builds(lambda a: f"O'{a}", WORD),
    st.builds(lambda a, b: f"{a} {b}", WORD, WORD),
)
MIDDLE = st.lists(WORD, max_size=3).map(" ".join)
ISSUERS = sorted(aamva.IIN_JURISDICTIONS.items())
NUMBERS = st.from_regex(r"[A-Z0-9]{6,12}", fullmatch=True)


def build(iin: str, version: int, subfile: str, elements: list[str], z: list[str]) -> str:
    """A payload exactly as the standard lays it out, offsets and all."""
    subfiles = [(subfile, elements)] + ([(f"Z{subfile[0]}", z)] if z else [])
    bodies = [kind + "\n".join(els) + "\r" for kind, els in subfiles]
    counts = f"{version:02d}" + (f"{0:02d}" if version > 1 else "") + f"{len(subfiles):02d}"
    offset = len("@\n\x1e\rANSI ") + 6 + len(counts) + 10 * len(subfiles)
    directory = ""
    for (kind, _), body in zip(subfiles, bodies, strict=True):
        directory += f"{kind}{offset:04d}{len(body):04d}"
        offset += len(body)
    return "@\n\x1e\rANSI " + iin + counts + directory + "".join(bodies)


@st.composite
def cards(draw, family=FAMILY, given_name=WORD, middle=MIDDLE, numbers=NUMBERS):
    iin, issuer = draw(st.sampled_from(ISSUERS))
    version = draw(st.integers(min_value=1, max_value=12))
    last, first, middles = draw(family), draw(given_name), draw(middle)
    dob = draw(st.dates(min_value=date(1920, 1, 1), max_value=date(2010, 12, 31)))
    issued = draw(st.dates(min_value=max(dob, date(2000, 1, 1)), max_value=date(2030, 1, 1)))
    expires = draw(st.dates(min_value=issued, max_value=date(2040, 12, 31)))
    assume(dob < expires)
    sex = draw(st.sampled_from(["1", "2", "9"]))
    canadian = issuer.country == "CAN"
    fmt = "%Y%m%d" if canadian or version == 1 else "%m%d%Y"
    number = draw(numbers)
    postal = "K1A0B1" if canadian else draw(st.from_regex(r"[0-9]{5}", fullmatch=True)) + "0000"
    elements = [f"DAQ{number}"]
    if version == 1:
        elements.append(f"DAA{last},{first},{middles}")
    elif version in (2, 3):
        given_names = ",".join(filter(None, [first, middles]))
        elements += [f"DCS{last}", f"DCT{given_names}"]
    else:
        elements += [f"DCS{last}", "DDEN", f"DAC{first}", "DDFN", f"DAD{middles}", "DDGN"]
    subfile = draw(st.sampled_from(["DL", "ID"]))
    if subfile == "DL" and version > 1:
        elements += ["DCAD", "DCBNONE", "DCDNONE"]
    elements += [
        f"DBD{issued.strftime(fmt)}",
        f"DBB{dob.strftime(fmt)}",
        f"DBA{expires.strftime(fmt)}",
        f"DBC{sex}",
        "DAU070 IN",
        "DAYBRO",
        "DAG1 MAIN ST",
        "DAICAPITAL CITY",
        f"DAJ{issuer.code}",
        f"DAK{postal}  ",
    ]
    if version > 1:
        elements.append(f"DCG{issuer.country}")
    z = draw(st.sampled_from([[], [f"Z{subfile[0]}AY", f"Z{subfile[0]}B12"]]))
    text = build(iin, version, subfile, elements, z)
    expected = {
        "first_name": first,
        "middle_name": middles,
        "last_name": last,
        "suffix": "",
        "date_of_birth": dob.isoformat(),
        "id_number": number,
        "expires": expires.isoformat(),
        "sex": {"1": "M", "2": "F", "9": "X"}[sex],
        "address": {
            "street": "1 MAIN ST",
            "city": "CAPITAL CITY",
            "state": issuer.code,
            "postal_code": "K1A 0B1" if canadian else postal[:5],
        },
        "jurisdiction": issuer.code,
        "aamva_version": version,
    }
    return text, expected


@SETTINGS
@given(cards())
def test_generated_card_parses_to_what_was_encoded(card):
    text, expected = card
    assert parse(text).to_api() == expected


@SETTINGS
@given(cards(), st.sampled_from(["|", "\t", "\r\n", "<LF>", "~"]))
def test_generated_card_survives_separators_replaced_by_one_character(card, separator):
    text, expected = card
    assert parse(re.sub(r"[\n\r\x1e]", separator, text)).to_api() == expected


@SETTINGS
@given(cards(), st.integers(min_value=0, max_value=6))
def test_generated_card_survives_leading_whitespace_and_padding(card, spaces):
    text, expected = card
    padded = " " * spaces + "\r\n" + text.replace("\n", " " * spaces + "\n")
    assert parse(padded).to_api() == expected


# Real names that contain element IDs: DAN (MCDANIEL), DAV (DAVID), DDI (ADDISON), DAY
# (HALLIDAY), DAL (GUADALUPE), DAM (ADAMS), DAK (DAKOTA), DAC (CANDACE, DACOSTA).
TRICKY_FAMILY = st.sampled_from(
    [
        "MCDANIEL",
        "HALLIDAY",
        "ADAMS",
        "DAVIS",
        "JORDAN",
        "DAKOTA",
        "MADDOX",
        "GONZALEZ",
        "DE LA CRUZ",
        "GARCIA-LOPEZ",
        "O'BRIEN",
        "WOODBURY",
        "ABDALLAH",
        "SANDBERG",
        "DADDARIO",
        "DACOSTA",
    ]
)
TRICKY_GIVEN = st.sampled_from(
    ["DAVID", "ADDISON", "DANA", "DAKOTA", "AMANDA", "CANDACE", "GUADALUPE", "DAYANA", "DAWN"]
)
TRICKY_MIDDLE = st.sampled_from(["", "DAVID", "ADDISON", "GUADALUPE", "ANN MARIE", "DANIEL LEE"])


@SETTINGS
@given(
    cards(
        family=TRICKY_FAMILY,
        given_name=TRICKY_GIVEN,
        middle=TRICKY_MIDDLE,
        # a number like "00DCA0" would be ambiguous without separators, but none is like that
        numbers=st.from_regex(r"[A-Z]?[0-9]{7,9}", fullmatch=True),
    )
)
def test_keyboard_wedge_that_strips_every_separator_still_reads_real_names(card):
    text, expected = card
    assert parse(re.sub(r"[\n\r\x1e]", "", text)).to_api() == expected


@pytest.mark.parametrize("text", PAYLOADS[:3])
def test_mutations_never_raise_anything_but_aamva_error_on_every_prefix(text):
    # exhaustive over one dimension, as a backstop to the random ones
    for cut in range(len(text) + 1):
        parse_or_refuse(text[:cut])
