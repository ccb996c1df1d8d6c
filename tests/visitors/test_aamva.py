"""The AAMVA parser against hand-written test vectors and the ways real scans go wrong."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from haven.visitors import aamva
from haven.visitors.aamva import AamvaError, parse, parse_header
from haven.visitors.aamva.elements import _normalise

VECTORS = Path(__file__).resolve().parents[1] / "fixtures" / "aamva"
VECTOR_FILES = sorted(VECTORS.glob("*.json"))


def load(name: str) -> dict:
    return json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))


def payload(name: str) -> str:
    return load(name)["payload"]


VA = payload("va_v08_dl_standard_sample")


def error(text: str | bytes) -> AamvaError:
    with pytest.raises(AamvaError) as caught:
        parse(text)
    return caught.value


# --- the vectors --------------------------------------------------------------------------------


def test_there_are_vectors_for_every_version_and_kind_of_issuer():
    vectors = [json.loads(f.read_text(encoding="utf-8")) for f in VECTOR_FILES]
    assert len(vectors) >= 15
    versions = {v["expected"]["aamva_version"] for v in vectors}
    assert versions >= set(range(1, 11))
    countries = {v["also"]["country"] for v in vectors}
    assert countries == {"USA", "CAN"}
    jurisdictions = {v["expected"]["jurisdiction"] for v in vectors}
    assert {"VA", "CA", "NY", "TX", "FL", "DC", "PR", "ON", "BC", "QC"} <= jurisdictions
    assert {v["also"]["document_type"] for v in vectors} == {"DL", "ID"}


@pytest.mark.parametrize("path", VECTOR_FILES, ids=lambda p: p.stem)
def test_vector_parses_to_its_expected_result(path: Path):
    vector = json.loads(path.read_text(encoding="utf-8"))
    licence = parse(vector["payload"])
    assert licence.to_api() == vector["expected"]
    assert licence.country == vector["also"]["country"]
    assert licence.truncated == vector["also"]["truncated"]
    assert licence.document_type == vector["also"]["document_type"]
    assert licence.display_name == vector["also"]["display_name"]


# Every vector must survive what scanners, wedges and apps do to the control characters.
MANGLINGS = {
    "wedge_strips_controls": lambda p: re.sub(r"[\n\r\x1e]", "", p),
    "controls_as_pipes": lambda p: re.sub(r"[\n\r\x1e]", "|", p),
    "controls_as_spaces": lambda p: re.sub(r"[\n\r\x1e]", " ", p),
    "controls_as_tabs": lambda p: re.sub(r"[\n\r\x1e]", "\t", p),
    "crlf_line_ends": lambda p: p.replace("\n", "\r\n"),
    "everything_lf": lambda p: re.sub(r"[\r\x1e]", "\n", p),
    "spelled_out": lambda p: p.replace("\n", "<LF>").replace("\r", "<CR>").replace("\x1e", "<RS>"),
    "json_escaped": lambda p: (
        p.replace("\n", "\\n").replace("\r", "\\r").replace("\x1e", "\\u001e")
    ),
    "leading_junk": lambda p: " \t\r\n ]L2" + p,
}


@pytest.mark.parametrize("mangle", MANGLINGS.values(), ids=MANGLINGS.keys())
@pytest.mark.parametrize("path", VECTOR_FILES, ids=lambda p: p.stem)
def test_vector_survives_mangled_separators(path: Path, mangle):
    vector = json.loads(path.read_text(encoding="utf-8"))
    assert parse(mangle(vector["payload"])).to_api() == vector["expected"]


@pytest.mark.parametrize("path", VECTOR_FILES, ids=lambda p: p.stem)
def test_vector_without_its_header_still_gives_the_holder(path: Path):
    vector = json.loads(path.read_text(encoding="utf-8"))
    text = vector["payload"]
    header = parse_header(_normalise(text))
    assert header is not None
    body = _normalise(text)[header.end :]
    for variant in (body, re.sub(r"[\n\r\x1e]", "", body)):
        got = parse(variant).to_api()
        assert got["aamva_version"] == 0  # unknown without the header
        expected = dict(vector["expected"], aamva_version=0)
        assert got == expected


# --- the header ---------------------------------------------------------------------------------


def test_header_of_the_standards_sample():
    header = parse_header(VA)
    assert header is not None
    assert (header.file_type, header.iin, header.aamva_version) == ("ANSI", "636000", 8)
    assert (header.jurisdiction_version, header.entries) == (0, 2)
    assert [(s.type, s.offset, s.length) for s in header.subfiles] == [
        ("DL", 41, 278),
        ("ZV", 319, 8),
    ]
    # the offsets in the vector are right, so they point at the subfiles
    assert VA[41:43] == "DL"
    assert VA[319:321] == "ZV"
    assert len(VA) == 319 + 8


def test_version_01_header_has_no_jurisdiction_version():
    header = parse_header(payload("pa_v01_full_name_as_printed"))
    assert header is not None
    assert header.aamva_version == 1
    assert header.jurisdiction_version is None
    assert [(s.type, s.offset) for s in header.subfiles] == [("DL", 29)]


def test_aamva_file_type_is_accepted():
    header = parse_header(payload("ct_v01_aamva_file_type"))
    assert header is not None
    assert header.file_type == "AAMVA"
    assert parse(payload("ct_v01_aamva_file_type")).jurisdiction == "CT"


def test_wrong_offsets_in_the_directory_do_not_matter():
    text = VA.replace("DL00410278ZV03190008", "DL99990000ZV00000000")
    assert parse(text).to_api() == parse(VA).to_api()


def test_later_versions_are_read_like_version_10():
    licence = parse(VA.replace("ANSI 6360000800", "ANSI 6360001300"))
    assert licence.aamva_version == 13
    assert licence.last_name == "SAMPLE"


def test_elements_and_jurisdiction_subfile_are_kept():
    licence = parse(VA)
    assert licence.elements["DAQ"] == "T64235789"
    assert licence.elements["ZVA"] == "01"
    assert licence.iin == "636000"
    assert licence.issued == date(2019, 6, 6)


# --- issuers ------------------------------------------------------------------------------------


def test_iin_table_covers_states_dc_territories_and_provinces():
    codes = {j.code for j in aamva.IIN_JURISDICTIONS.values()}
    states = set(
        "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
        "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY".split()
    )
    assert len(states) == 50
    assert states | {"DC", "PR", "GU", "VI", "AS", "MP"} <= codes
    provinces = {j.code for j in aamva.IIN_JURISDICTIONS.values() if j.country == "CAN"}
    assert provinces == set("AB BC MB NB NL NS NT NU ON PE QC SK YT".split())
    assert aamva.IIN_JURISDICTIONS["636000"].code == "VA"
    assert aamva.IIN_JURISDICTIONS["604428"].code == "QC"
    assert aamva.IIN_JURISDICTIONS["636028"].code == "BC"


def test_unknown_iin_falls_back_to_the_address_jurisdiction():
    licence = parse(VA.replace("ANSI 636000", "ANSI 999999"))
    assert licence.jurisdiction == "VA"
    assert licence.country == "USA"


def test_country_element_decides_the_date_order():
    # An unknown issuer that says DCG CAN writes its dates CCYYMMDD.
    text = (
        "@\n\x1e\rANSI 999998080001DL00310100DLDAQ123\nDCSROY\nDACLUC\nDDEN\nDDFN\nDDGN\n"
        "DBB19800102\nDBA20300102\nDAJNS\nDAKB3H 1A1\nDCGCAN\r"
    )
    licence = parse(text)
    assert licence.country == "CAN"
    assert licence.date_of_birth == date(1980, 1, 2)
    assert licence.jurisdiction == "NS"
    assert licence.address.postal_code == "B3H 1A1"


# --- names --------------------------------------------------------------------------------------


def with_names(*lines: str, version: int = 8) -> str:
    """The Virginia sample with its name elements replaced."""
    names = ("DCSSAMPLE", "DDEN", "DACMICHAEL", "DDFN", "DADJOHN", "DDGN", "DCUJR")
    text = VA.replace("ANSI 63600008", f"ANSI 636000{version:02d}")
    for element in names:
        text = text.replace(element + "\n", "", 1)
    return text.replace("DLDAQT64235789\n", "DLDAQT64235789\n" + "".join(f"{x}\n" for x in lines))


@pytest.mark.parametrize(
    ("full_name", "last", "first", "middle", "suffix"),
    [
        ("SMITH,JOHN,QUINCY", "SMITH", "JOHN", "QUINCY", ""),
        ("SMITH,JOHN,QUINCY,III", "SMITH", "JOHN", "QUINCY", "III"),
        ("SMITH$JOHN$QUINCY$JR", "SMITH", "JOHN", "QUINCY", "JR"),
        ("SMITH@JOHN@Q@SR", "SMITH", "JOHN", "Q", "SR"),
        ("SMITH,JOHN QUINCY", "SMITH", "JOHN", "QUINCY", ""),
        ("SMITH,JOHN,,V", "SMITH", "JOHN", "", "V"),
        ("SMITH,JOHN", "SMITH", "JOHN", "", ""),
        ("JOHN QUINCY ADAMS SMITH", "SMITH", "JOHN", "QUINCY ADAMS", ""),
        ("JOHN SMITH JR", "SMITH", "JOHN", "", "JR"),
        ("GARCIA-LOPEZ,ANA,MARIA,", "GARCIA-LOPEZ", "ANA", "MARIA", ""),
    ],
)
def test_version_01_full_name(full_name, last, first, middle, suffix):
    licence = parse(with_names(f"DAA{full_name}", version=1))
    assert (licence.last_name, licence.first_name) == (last, first)
    assert (licence.middle_name, licence.suffix) == (middle, suffix)


@pytest.mark.parametrize(
    ("given", "first", "middle"),
    [
        ("MARY,ANN", "MARY", "ANN"),
        ("MARY ANN", "MARY", "ANN"),
        ("MARY$ANN", "MARY", "ANN"),
        ("MARY,ANN,LOUISE", "MARY", "ANN LOUISE"),
        ("MARY ANN LOUISE", "MARY", "ANN LOUISE"),
        ("MARY", "MARY", ""),
        ("MARY,", "MARY", ""),
    ],
)
def test_given_names_of_versions_02_and_03(given, first, middle):
    licence = parse(with_names("DCSSMITH", f"DCT{given}", version=3))
    assert (licence.first_name, licence.middle_name, licence.last_name) == (first, middle, "SMITH")


@pytest.mark.parametrize(
    ("middle_element", "middle"),
    [
        ("DADANN,MARIE", "ANN MARIE"),
        ("DADANN MARIE", "ANN MARIE"),
        ("DADANN, MARIE ,LOUISE", "ANN MARIE LOUISE"),
        ("DADNONE", ""),
        ("DADNMN", ""),
        ("DAD", ""),
    ],
)
def test_several_or_no_middle_names(middle_element, middle):
    licence = parse(with_names("DCSSMITH", "DACJANE", middle_element))
    assert licence.middle_name == middle


@pytest.mark.parametrize(
    ("lines", "last", "middle", "suffix"),
    [
        (("DCSSMITH JR", "DACJOHN"), "SMITH", "", "JR"),
        (("DCSSMITH,III", "DACJOHN"), "SMITH", "", "III"),
        (("DCSSMITH", "DACJOHN", "DADLEE 2ND"), "SMITH", "LEE", "2ND"),
        (("DCSSMITH", "DACJOHN", "DCUJR."), "SMITH", "", "JR"),
        (("DCSSMITH", "DACJOHN", "DCUIV"), "SMITH", "", "IV"),
        (("DCSSMITH", "DACJOHN", "DCUNONE"), "SMITH", "", ""),
        # a middle initial V and a family name ending in a word are not suffixes
        (("DCSDE LA CRUZ", "DACJOHN", "DADV"), "DE LA CRUZ", "V", ""),
        (("DCSVAN DER BERG", "DACJOHN"), "VAN DER BERG", "", ""),
    ],
)
def test_suffixes(lines, last, middle, suffix):
    licence = parse(with_names(*lines))
    assert (licence.last_name, licence.middle_name, licence.suffix) == (last, middle, suffix)


def test_names_are_kept_as_printed_and_trimmed():
    licence = parse(with_names("DCS  o'brien   ", "DACMary-Jane ", "DAD"))
    assert licence.last_name == "o'brien"
    assert licence.first_name == "Mary-Jane"


@pytest.mark.parametrize(
    ("name", "display"),
    [
        ("O'BRIEN", "O'Brien"),
        ("GARCIA-LOPEZ", "Garcia-Lopez"),
        ("DE LA CRUZ", "De La Cruz"),
        ("BÉLANGER-CÔTÉ", "Bélanger-Côté"),
        ("SMITH III", "Smith III"),
        ("SMITH JR", "Smith Jr"),
        ("SMITH 3RD", "Smith 3rd"),
    ],
)
def test_display_case(name, display):
    assert aamva.display_case(name) == display


def test_truncation_flags():
    licence = parse(with_names("DCSWOLFESCHLEGELSTEINHAUSENBERGERDORFF", "DDET", "DACJO", "DDFU"))
    assert licence.truncated == {"last_name": True, "first_name": None, "middle_name": None}
    assert parse(VA).truncated == {"last_name": False, "first_name": False, "middle_name": False}


def test_mononym_marked_no_first_name_is_accepted():
    licence = parse(with_names("DCSMADONNA", "DACNFN"))
    assert (licence.first_name, licence.last_name) == ("", "MADONNA")


# --- dates, sex, address -----------------------------------------------------------------------


def test_us_dates_are_mmddccyy_and_canadian_ccyymmdd():
    assert parse(VA).date_of_birth == date(1986, 6, 6)
    ontario = parse(payload("on_v03_dl_padded_fields"))
    assert ontario.date_of_birth == date(1996, 6, 3)
    assert ontario.expires == date(2029, 6, 3)


def test_the_other_date_order_is_accepted_when_unambiguous():
    # some US issuers write CCYYMMDD; a year never starts with a valid month, so it is clear
    licence = parse(VA.replace("DBB06061986", "DBB19860606").replace("DBA12102024", "DBA20241210"))
    assert licence.date_of_birth == date(1986, 6, 6)
    assert licence.expires == date(2024, 12, 10)


@pytest.mark.parametrize("value", ["00000000", "99999999", "NONE", "unavl"])
def test_cards_that_never_expire(value):
    assert parse(VA.replace("DBA12102024", f"DBA{value}")).expires is None


def test_missing_expiry_is_none():
    assert parse(VA.replace("DBA12102024\n", "")).expires is None


@pytest.mark.parametrize(
    ("value", "sex"),
    [("1", "M"), ("2", "F"), ("9", "X"), ("M", "M"), ("F", "F"), ("X", "X"), ("U", ""), ("", "")],
)
def test_sex(value, sex):
    assert parse(VA.replace("DBC1", f"DBC{value}")).sex == sex


@pytest.mark.parametrize(
    ("raw", "postal"),
    [
        ("232690000  ", "23269"),
        ("232691234", "23269-1234"),
        ("23269-1234", "23269-1234"),
        ("23269    ", "23269"),
        ("23269", "23269"),
    ],
)
def test_us_postal_codes(raw, postal):
    assert parse(VA.replace("DAK232690000  ", f"DAK{raw}")).address.postal_code == postal


def test_street_joins_the_second_line():
    licence = parse(VA.replace("DAIRICHMOND", "DAHSUITE 100\nDAIRICHMOND"))
    assert licence.address.street == "2300 WEST BROAD STREET, SUITE 100"


def test_bytes_in_latin_1_are_read():
    text = payload("pr_v06_dl_spanish_name_padding")
    assert parse(text.encode("latin-1")).last_name == "MUÑOZ RIVERA"
    assert parse(text.encode("utf-8")).last_name == "MUÑOZ RIVERA"


def test_undefined_characters_are_dropped():
    text = VA.replace("DCSSAMPLE", "DCSSAM\x00PLE\x7f").replace("DACMICHAEL", "DACMICHAEL\x03")
    licence = parse(text)
    assert (licence.last_name, licence.first_name) == ("SAMPLE", "MICHAEL")


def test_duplicate_element_keeps_the_first_value():
    licence = parse(VA.replace("DDGN\n", "DDGN\nDCSOTHER\n"))
    assert licence.last_name == "SAMPLE"


# --- refusing what is not a licence -------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "hello world",
        "1234567890",
        "WIFI:S:SchoolGuest;T:WPA;P:secret;;",
        "BEGIN:VCARD\nVERSION:3.0\nFN:Jane Doe\nEND:VCARD",
        "MECARD:N:Doe,Jane;TEL:5551234;;",
        '{"first_name": "Jane", "last_name": "Doe"}',
        "DCS",
    ],
)
def test_text_that_is_not_aamva_is_refused(text):
    exc = error(text)
    assert exc.field == "barcode"
    assert "not the barcode of a driver's licence" in exc.message


def test_url_is_refused_as_a_url():
    exc = error("https://example.org/verify?id=123")
    assert exc.field == "barcode"
    assert "URL" in exc.message


@pytest.mark.parametrize("text", ["", "   \n\t ", b""])
def test_empty_input_is_refused(text):
    exc = error(text)
    assert exc.field == "barcode"
    assert "empty" in exc.message


def test_header_without_data_says_the_scan_was_cut_short():
    exc = error(VA[:43])  # the header and "DL", nothing more
    assert exc.field == "barcode"
    assert "cut short" in exc.message


def test_scan_cut_inside_the_names_says_so():
    exc = error(VA[:60])  # ends in "DCSSAMP"
    assert exc.field == "first_name"
    assert "cut short" in exc.message


def test_cut_short_scan_names_the_first_missing_field():
    exc = error(VA[: VA.index("DBB")])
    assert exc.field == "date_of_birth"
    assert "cut short" in exc.message


def test_too_long_input_is_refused():
    exc = error("@\n\x1e\rANSI 636000080002" + "X" * 20_000)
    assert exc.field == "barcode"
    assert "characters long" in exc.message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13011986", "13011986"),  # month 13
        ("02301986", "02301986"),  # 30 February
        ("00001986", "00001986"),
        ("1986", "1986"),
        ("ABCDEFGH", "ABCDEFGH"),
    ],
)
def test_impossible_date_of_birth_is_refused_naming_the_field(value, expected):
    exc = error(VA.replace("DBB06061986", f"DBB{value}"))
    assert exc.field == "date_of_birth"
    assert expected in exc.message
    assert "DBB" in exc.message


def test_impossible_expiry_is_refused():
    exc = error(VA.replace("DBA12102024", "DBA13452024"))
    assert exc.field == "expires"
    assert "13452024" in exc.message


def test_missing_date_of_birth_is_refused():
    exc = error(VA.replace("DBB06061986\n", ""))
    assert exc.field == "date_of_birth"
    assert "no date of birth" in exc.message


def test_birth_after_issue_is_refused():
    exc = error(VA.replace("DBB06061986", "DBB06062020"))
    assert exc.field == "date_of_birth"
    assert "after the card's issue date" in exc.message


def test_missing_family_name_is_refused():
    exc = error(VA.replace("DCSSAMPLE\n", ""))
    assert exc.field == "last_name"


def test_missing_given_name_is_refused():
    exc = error(VA.replace("DACMICHAEL\n", "").replace("DADJOHN\n", ""))
    assert exc.field == "first_name"


def test_missing_id_number_is_refused():
    exc = error(VA.replace("DLDAQT64235789\n", "DL"))
    assert exc.field == "id_number"


@pytest.mark.parametrize("value", [None, 12, ["@"], object()])
def test_wrong_types_are_refused(value):
    exc = error(value)  # type: ignore[arg-type]
    assert exc.field == "barcode"


def test_error_string_names_the_field():
    exc = error(VA.replace("DBB06061986", "DBB13011986"))
    assert str(exc).startswith("date_of_birth: ")
    assert isinstance(exc, ValueError)


def test_a_defect_still_answers_with_an_aamva_error(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(aamva, "_build", broken)
    exc = error(VA)
    assert exc.field == "barcode"
    assert isinstance(exc.__cause__, RuntimeError)
