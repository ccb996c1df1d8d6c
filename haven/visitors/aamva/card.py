"""What a licence says: the issuers (IINs), the header's parts, and the parsed card.

Part of :mod:`haven.visitors.aamva`; see its docstring.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from haven.visitors.aamva.names import _display_suffix, display_case

# A PDF417 holds at most ~1.8 KB; a wedge that spells out control characters ("<LF>") makes it
# longer, but nothing real comes close to this.
MAX_PAYLOAD_CHARS = 10_000


class AamvaError(ValueError):
    """The text is not a readable AAMVA payload; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Jurisdiction(NamedTuple):
    code: str  # USPS / Canada Post abbreviation
    country: str  # "USA" or "CAN"
    name: str


def _j(code: str, name: str, country: str = "USA") -> Jurisdiction:
    return Jurisdiction(code, country, name)


# Issuer Identification Numbers assigned by AAMVA to licence issuers.
IIN_JURISDICTIONS: dict[str, Jurisdiction] = {
    "636033": _j("AL", "Alabama"),
    "636059": _j("AK", "Alaska"),
    "636026": _j("AZ", "Arizona"),
    "636021": _j("AR", "Arkansas"),
    "636014": _j("CA", "California"),
    "636020": _j("CO", "Colorado"),
    "636006": _j("CT", "Connecticut"),
    "636011": _j("DE", "Delaware"),
    "636043": _j("DC", "District of Columbia"),
    "636010": _j("FL", "Florida"),
    "636055": _j("GA", "Georgia"),
    "636047": _j("HI", "Hawaii"),
    "636050": _j("ID", "Idaho"),
    "636035": _j("IL", "Illinois"),
    "636037": _j("IN", "Indiana"),
    "636018": _j("IA", "Iowa"),
    "636022": _j("KS", "Kansas"),
    "636046": _j("KY", "Kentucky"),
    "636007": _j("LA", "Louisiana"),
    "636041": _j("ME", "Maine"),
    "636003": _j("MD", "Maryland"),
    "636002": _j("MA", "Massachusetts"),
    "636032": _j("MI", "Michigan"),
    "636038": _j("MN", "Minnesota"),
    "636051": _j("MS", "Mississippi"),
    "636030": _j("MO", "Missouri"),
    "636008": _j("MT", "Montana"),
    "636054": _j("NE", "Nebraska"),
    "636049": _j("NV", "Nevada"),
    "636039": _j("NH", "New Hampshire"),
    "636036": _j("NJ", "New Jersey"),
    "636009": _j("NM", "New Mexico"),
    "636001": _j("NY", "New York"),
    "636004": _j("NC", "North Carolina"),
    "636034": _j("ND", "North Dakota"),
    "636023": _j("OH", "Ohio"),
    "636058": _j("OK", "Oklahoma"),
    "636029": _j("OR", "Oregon"),
    "636025": _j("PA", "Pennsylvania"),
    "636052": _j("RI", "Rhode Island"),
    "636005": _j("SC", "South Carolina"),
    "636042": _j("SD", "South Dakota"),
    "636053": _j("TN", "Tennessee"),
    "636015": _j("TX", "Texas"),
    "636040": _j("UT", "Utah"),
    "636024": _j("VT", "Vermont"),
    "636000": _j("VA", "Virginia"),
    "636045": _j("WA", "Washington"),
    "636061": _j("WV", "West Virginia"),
    "636031": _j("WI", "Wisconsin"),
    "636060": _j("WY", "Wyoming"),
    # territories
    "604427": _j("AS", "American Samoa"),
    "636019": _j("GU", "Guam"),
    "604430": _j("MP", "Northern Mariana Islands"),
    "604431": _j("PR", "Puerto Rico"),
    "636062": _j("VI", "US Virgin Islands"),
    # Canada
    "604432": _j("AB", "Alberta", "CAN"),
    "990876": _j("AB", "Alberta", "CAN"),  # Alberta's older, non-ISO number
    "636028": _j("BC", "British Columbia", "CAN"),
    "636048": _j("MB", "Manitoba", "CAN"),
    "636017": _j("NB", "New Brunswick", "CAN"),
    "636016": _j("NL", "Newfoundland and Labrador", "CAN"),
    "636013": _j("NS", "Nova Scotia", "CAN"),
    "604434": _j("NT", "Northwest Territories", "CAN"),
    "604433": _j("NU", "Nunavut", "CAN"),
    "636012": _j("ON", "Ontario", "CAN"),
    "604426": _j("PE", "Prince Edward Island", "CAN"),
    "604428": _j("QC", "Quebec", "CAN"),
    "636044": _j("SK", "Saskatchewan", "CAN"),
    "604429": _j("YT", "Yukon", "CAN"),
}

_PROVINCES = {j.code for j in IIN_JURISDICTIONS.values() if j.country == "CAN"}


@dataclass(frozen=True, slots=True)
class Subfile:
    type: str  # "DL", "ID" or a jurisdiction's "Z?"
    offset: int  # as written in the header; often wrong in practice
    length: int


@dataclass(frozen=True, slots=True)
class Header:
    file_type: str  # "ANSI" or "AAMVA"
    iin: str
    aamva_version: int
    jurisdiction_version: int | None  # absent in version 01
    entries: int
    subfiles: tuple[Subfile, ...]
    end: int  # index in the normalised text where the subfile data begins


@dataclass(frozen=True, slots=True)
class Address:
    street: str
    city: str
    state: str
    postal_code: str

    def to_api(self) -> dict[str, str]:
        return {
            "street": self.street,
            "city": self.city,
            "state": self.state,
            "postal_code": self.postal_code,
        }


@dataclass(frozen=True, slots=True)
class License:
    """What the card says about its holder. Names are kept as printed (usually upper case)."""

    first_name: str
    middle_name: str
    last_name: str
    suffix: str
    date_of_birth: date
    id_number: str
    expires: date | None
    sex: str  # "M", "F", "X" or ""
    address: Address
    jurisdiction: str  # "VA", "ON", ...
    country: str  # "USA" or "CAN"
    aamva_version: int  # 0 when the header is missing
    # True = truncated on the card, False = not, None = unknown (or before version 04)
    truncated: dict[str, bool | None] = field(default_factory=dict)
    document_type: str = ""  # "DL", "ID" or "" when the header does not say
    issued: date | None = None
    iin: str = ""
    jurisdiction_version: int | None = None
    # every element read, by ID ("DAQ", "DCS", "ZVA", ...), trimmed; for whoever needs more
    elements: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def display_first_name(self) -> str:
        return display_case(self.first_name)

    @property
    def display_middle_name(self) -> str:
        return display_case(self.middle_name)

    @property
    def display_last_name(self) -> str:
        return display_case(self.last_name)

    @property
    def display_name(self) -> str:
        """The full name in title case ("Mary Ann O'Brien-Garcia Jr"), for screens and badges."""
        parts = [self.first_name, self.middle_name, self.last_name]
        name = " ".join(display_case(p) for p in parts if p)
        return f"{name} {_display_suffix(self.suffix)}".strip()

    def to_api(self) -> dict[str, Any]:
        """The body of ``POST /api/v1/id/parse``."""
        return {
            "first_name": self.first_name,
            "middle_name": self.middle_name,
            "last_name": self.last_name,
            "suffix": self.suffix,
            "date_of_birth": self.date_of_birth.isoformat(),
            "id_number": self.id_number,
            "expires": self.expires.isoformat() if self.expires else None,
            "sex": self.sex,
            "address": self.address.to_api(),
            "jurisdiction": self.jurisdiction,
            "aamva_version": self.aamva_version,
        }
