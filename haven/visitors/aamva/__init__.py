"""Read the PDF417 barcode on the back of a US or Canadian driver's licence or ID card.

The payload follows the AAMVA DL/ID Card Design Standard (versions 01 to 10, and later ones are
read the same way):

    @ LF RS CR  "ANSI " IIN(6) version(2) jurisdiction-version(2) entries(2)
    then one directory entry per subfile: type(2) offset(4) length(4), e.g. "DL00410278"
    then each subfile: "DL" DAQ... LF DCS... LF ... CR

Real scans are messier than that: keyboard-wedge scanners drop the control characters or turn
them into other characters ("|", spaces, "<LF>"), some jurisdictions write "AAMVA" instead of
"ANSI ", offsets are wrong, fields are padded, names carry suffixes. So the directory's offsets
are read but not trusted: the data elements are found by their three-letter IDs, and where the
separators are missing the split that gives the most well-formed values wins (see _segment).

Pure Python, no Django: ``parse(text)`` returns a ``License`` or raises ``AamvaError(field,
message)``, and raises nothing else whatever the input.

The package: :mod:`.card` (issuers, the header's parts, the parsed card), :mod:`.elements` (finding
the elements, reading dates), :mod:`.names` (names and suffixes); putting it together is here.
"""

from __future__ import annotations

import re
from datetime import date

from haven.visitors.aamva.card import _PROVINCES as _PROVINCES
from haven.visitors.aamva.card import IIN_JURISDICTIONS as IIN_JURISDICTIONS
from haven.visitors.aamva.card import MAX_PAYLOAD_CHARS as MAX_PAYLOAD_CHARS
from haven.visitors.aamva.card import AamvaError as AamvaError
from haven.visitors.aamva.card import Address as Address
from haven.visitors.aamva.card import Header as Header
from haven.visitors.aamva.card import Jurisdiction as Jurisdiction
from haven.visitors.aamva.card import License as License
from haven.visitors.aamva.card import Subfile as Subfile
from haven.visitors.aamva.elements import _CANADIAN_POSTAL as _CANADIAN_POSTAL
from haven.visitors.aamva.elements import _NEVER_EXPIRES as _NEVER_EXPIRES
from haven.visitors.aamva.elements import _looks_like_date as _looks_like_date
from haven.visitors.aamva.elements import _normalise as _normalise
from haven.visitors.aamva.elements import _read_date as _read_date
from haven.visitors.aamva.elements import _segment as _segment
from haven.visitors.aamva.elements import _value_score as _value_score
from haven.visitors.aamva.elements import parse_header as parse_header
from haven.visitors.aamva.names import _split_full_name as _split_full_name
from haven.visitors.aamva.names import _split_given as _split_given
from haven.visitors.aamva.names import _split_suffix as _split_suffix
from haven.visitors.aamva.names import _tidy as _tidy
from haven.visitors.aamva.names import _tidy_middle as _tidy_middle
from haven.visitors.aamva.names import _tidy_suffix as _tidy_suffix
from haven.visitors.aamva.names import display_case as display_case

__all__ = [
    "IIN_JURISDICTIONS",
    "AamvaError",
    "Address",
    "Header",
    "Jurisdiction",
    "License",
    "Subfile",
    "display_case",
    "parse",
    "parse_header",
]


# ---------------------------------------------------------------------------------------------
# Putting it together


def parse(payload: str | bytes) -> License:
    """Parse the text of a licence's PDF417 barcode. Raises AamvaError, and nothing else."""
    try:
        return _parse(payload)
    except AamvaError:
        raise
    except Exception as exc:  # a defect, but the visitor at the desk still gets a clear answer
        raise AamvaError("barcode", "could not be read; scan it again or type the details") from exc


def _parse(payload: str | bytes) -> License:
    text = _normalise(payload)
    header = parse_header(text)
    body = text[header.end :] if header else text
    version = header.aamva_version if header else 0
    z_letters: frozenset[str] | None = None
    if header and header.subfiles:
        z_letters = frozenset(s.type[1] for s in header.subfiles if s.type[0] == "Z")
    types = {s.type for s in header.subfiles} if header else set()
    pairs = _segment(body, version, z_letters, id_card="ID" in types and "DL" not in types)

    elements: dict[str, str] = {}
    for eid, value in pairs:
        if eid not in elements or (value and not elements[eid]):
            elements[eid] = value
    data = {k: v for k, v in elements.items() if k[0] != "Z"}
    well_formed = sum(1 for k, v in data.items() if v and _value_score(k, v) > 0)
    identifying = {"DAQ", "DBB", "DCS", "DAA", "DAB", "DAC", "DCT"} & data.keys()
    if header is None and (well_formed < 3 or not identifying):
        raise AamvaError("barcode", _not_aamva(text))
    if not data:
        raise AamvaError(
            "barcode",
            "has an AAMVA header but no licence data: the scan was cut short; scan it again",
        )
    try:
        return _build(header, data, elements)
    except AamvaError as exc:
        if exc.message.startswith("the barcode has no") and _looks_cut_short(header, body):
            message = f"{exc.message}; the scan looks cut short, scan it again"
            raise AamvaError(exc.field, message) from exc
        raise


def _looks_cut_short(header: Header | None, body: str) -> bool:
    """Shorter by a fifth than the header says? (Stripped separators alone cost less.)"""
    if header is None:
        return False
    declared = sum(s.length for s in header.subfiles)
    return declared > 0 and len(body) < 0.8 * declared


def _not_aamva(text: str) -> str:
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", text.strip()):
        return "is a web address (URL), not the barcode of a driver's licence or ID card"
    return (
        "is not the barcode of a driver's licence or ID card: it has no AAMVA header "
        "('ANSI ' or 'AAMVA') and no licence data elements"
    )


def _build(header: Header | None, data: dict[str, str], elements: dict[str, str]) -> License:
    version = header.aamva_version if header else 0
    iin = header.iin if header else ""
    issuer = IIN_JURISDICTIONS.get(iin)
    state = data.get("DAJ", "").upper()
    postal_raw = data.get("DAK", "")

    dcg = data.get("DCG", "").upper()[:3]
    if dcg in {"USA", "CAN"}:
        country = dcg
    elif issuer is not None:
        country = issuer.country
    elif state in _PROVINCES or _CANADIAN_POSTAL.fullmatch(postal_raw):
        country = "CAN"
    else:
        country = "USA"
    if issuer is not None:
        jurisdiction = issuer.code
    elif re.fullmatch(r"[A-Z]{2}", state):
        jurisdiction = state
    else:
        jurisdiction = ""
    ymd = country == "CAN" or version == 1

    # names
    last = _tidy(data.get("DCS", "") or data.get("DAB", ""))
    first = _tidy(data.get("DAC", ""))
    middle = _tidy_middle(data.get("DAD", ""))
    suffix = _tidy_suffix(data.get("DCU", "") or data.get("DAE", ""))
    has_first = "DAC" in data
    if "DCT" in data and not first:
        first, given_middle = _split_given(data["DCT"])
        middle = middle or given_middle
        has_first = True
    if "DAA" in data and not (last and first):
        full_last, full_first, full_middle, full_suffix = _split_full_name(data["DAA"])
        last = last or full_last
        first = first or full_first
        middle = middle or full_middle
        suffix = suffix or full_suffix
        has_first = has_first or bool(full_first)
    if not suffix:
        last, suffix = _split_suffix(last)
    if not suffix and middle:
        middle, suffix = _split_suffix(middle)
    if not last:
        raise AamvaError("last_name", "the barcode has no family name (element DCS, or DAA)")
    if not has_first:
        raise AamvaError("first_name", "the barcode has no given name (element DAC, DCT or DAA)")

    # dates
    dob_raw = data.get("DBB", "")
    if not dob_raw:
        raise AamvaError("date_of_birth", "the barcode has no date of birth (element DBB)")
    dob = _read_date(dob_raw, "date_of_birth", "date of birth", "DBB", ymd)
    expires: date | None = None
    dba = data.get("DBA", "")
    if dba and not _NEVER_EXPIRES.fullmatch(dba):
        expires = _read_date(dba, "expires", "expiry date", "DBA", ymd)
    issued: date | None = None
    if data.get("DBD") and _looks_like_date(data["DBD"]):
        issued = _read_date(data["DBD"], "issued", "issue date", "DBD", ymd)
    if issued is not None and dob > issued:
        raise AamvaError(
            "date_of_birth",
            f"date of birth {dob.isoformat()} is after the card's issue date {issued.isoformat()}",
        )
    if expires is not None and dob >= expires:
        raise AamvaError(
            "date_of_birth",
            f"date of birth {dob.isoformat()} is not before the expiry date {expires.isoformat()}",
        )

    id_number = data.get("DAQ", "").strip()
    if not id_number:
        raise AamvaError("id_number", "the barcode has no licence or ID number (element DAQ)")

    street = _tidy(data.get("DAG", ""))
    line2 = _tidy(data.get("DAH", ""))
    if line2:
        street = f"{street}, {line2}" if street else line2
    address = Address(
        street=street,
        city=_tidy(data.get("DAI", "")),
        state=state,
        postal_code=_postal_code(postal_raw, country),
    )

    document_type = ""
    if header is not None:
        document_type = next((s.type for s in header.subfiles if s.type in {"DL", "ID"}), "")

    return License(
        first_name=first,
        middle_name=middle,
        last_name=last,
        suffix=suffix,
        date_of_birth=dob,
        id_number=id_number,
        expires=expires,
        sex=_sex(data.get("DBC", "")),
        address=address,
        jurisdiction=jurisdiction,
        country=country,
        aamva_version=version,
        truncated={
            "last_name": _flag(data.get("DDE")),
            "first_name": _flag(data.get("DDF")),
            "middle_name": _flag(data.get("DDG")),
        },
        document_type=document_type,
        issued=issued,
        iin=iin,
        jurisdiction_version=header.jurisdiction_version if header else None,
        elements=elements,
    )


def _sex(value: str) -> str:
    # 9 is "not specified"; cards printed with an X marker carry 9 in the barcode
    return {"1": "M", "2": "F", "9": "X", "M": "M", "F": "F", "X": "X"}.get(value.upper(), "")


def _flag(value: str | None) -> bool | None:
    return {"T": True, "N": False}.get((value or "").upper())


def _postal_code(value: str, country: str) -> str:
    compact = re.sub(r"\s+", "", value).upper()
    if re.fullmatch(r"[A-Z][0-9][A-Z][0-9][A-Z][0-9]", compact):
        return f"{compact[:3]} {compact[3:]}"
    digits = re.sub(r"[^0-9]", "", value)
    if country != "CAN" and len(digits) >= 5:
        zip5, plus4 = digits[:5], digits[5:9]
        return f"{zip5}-{plus4}" if len(plus4) == 4 and plus4 != "0000" else zip5
    return value.strip()
