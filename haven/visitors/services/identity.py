"""Who the visitor is: read from the ID's barcode (scanned or photographed), typed by hand, or
taken from a saved record. Every reader returns a :class:`VisitorDetails` or raises a
:class:`~django.core.exceptions.ValidationError` naming the form field that is wrong.

The ID number is never stored. :func:`id_hash` turns it (with the issuing jurisdiction) into an
HMAC keyed from the newest pepper (``HAVEN_PEPPERS``) — stable across encryption-key rotations,
unknown to someone with only the database — so a returning visitor's card finds their saved record
(:func:`id_hashes` also finds one hashed under an older pepper, or under the audit key before the
peppers existed; the check-in then stores the newest); the last four digits are kept to tell two
cards apart on screen.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.core import crypto
from haven.visitors import aamva, barcode
from haven.visitors.models import Person, Visit

MAX_NAME = 100
EARLIEST_BIRTH_YEAR = 1900


@dataclass
class VisitorDetails:
    """A visitor as the front desk identified them, before anything is stored."""

    first_name: str
    last_name: str
    date_of_birth: dt.date
    source: str  # Visit.Source
    middle_name: str = ""
    suffix: str = ""
    dob_typed_by_hand: bool = False
    id_number: str = field(default="", repr=False)  # full; never stored (see id_hash)
    id_jurisdiction: str = ""
    id_expires: dt.date | None = None
    address: dict[str, str] | None = field(default=None, repr=False)
    person: Person | None = None  # a saved visitor picked at the desk

    @property
    def name(self) -> str:
        parts = (self.first_name, self.middle_name, self.last_name, self.suffix)
        return " ".join(p for p in parts if p)

    @property
    def id_expired(self) -> bool:
        return self.id_expires is not None and self.id_expires < timezone.localdate()


def id_hash(jurisdiction: str, id_number: str) -> str:
    """The keyed hash that stands for an ID number (see the module's docstring)."""
    return id_hashes(jurisdiction, id_number)[0]


def id_hashes(jurisdiction: str, id_number: str) -> list[str]:
    """:func:`id_hash` under every configured pepper, newest first, then the audit key's."""
    number = re.sub(r"[\s-]", "", id_number).upper()
    message = f"{jurisdiction.upper()}\x1f{number}".encode()
    return crypto.keyed_hashes("visitor-id", message, legacy_label=b"haven-visitor-id")


def from_license(card: aamva.License, source: str) -> VisitorDetails:
    return VisitorDetails(
        first_name=card.display_first_name[:MAX_NAME],
        middle_name=card.display_middle_name[:MAX_NAME],
        last_name=card.display_last_name[:MAX_NAME],
        suffix=card.suffix[:20],
        date_of_birth=card.date_of_birth,
        source=source,
        id_number=card.id_number,
        id_jurisdiction=card.jurisdiction,
        id_expires=card.expires,
        address=card.address.to_api(),
    )


def from_barcode(text: str, field_name: str = "id_barcode") -> VisitorDetails:
    """The visitor on a scanned (keyboard-wedge) barcode's text."""
    try:
        card = aamva.parse(text)
    except aamva.AamvaError as exc:
        raise ValidationError({field_name: _barcode_message(exc)}) from exc
    details = from_license(card, Visit.Source.SCAN)
    _check_birth(details.date_of_birth, field_name)
    return details


def decode_photo(data: bytes, field_name: str = "barcode_photo") -> str:
    """The text of the barcode in a photo of the back of an ID."""
    try:
        return barcode.decode_pdf417(data)
    except barcode.BarcodeError as exc:
        message = _("The photo: %(problem)s.") % {"problem": exc.message}
        raise ValidationError({field_name: message}) from exc


def from_photo(data: bytes, field_name: str = "barcode_photo") -> VisitorDetails:
    """The visitor on a photo of the back of their ID."""
    details = from_barcode(decode_photo(data, field_name), field_name)
    details.source = Visit.Source.PHOTO
    return details


def typed(
    first_name: Any, last_name: Any, date_of_birth: Any, middle_name: Any = ""
) -> VisitorDetails:
    """The visitor as typed at the desk (or sent to the API); the date of birth is then less
    certain, so the screening widens its comparison."""
    errors: dict[str, str] = {}
    first = _name(errors, "first_name", first_name, required=True)
    last = _name(errors, "last_name", last_name, required=True)
    middle = _name(errors, "middle_name", middle_name, required=False)
    born = parse_date(errors, "date_of_birth", date_of_birth)
    if errors or born is None:
        raise ValidationError(errors)
    return VisitorDetails(
        first_name=first,
        middle_name=middle,
        last_name=last,
        date_of_birth=born,
        source=Visit.Source.TYPED,
        dob_typed_by_hand=True,
    )


def saved(person: Person) -> VisitorDetails:
    """A saved (frequent) visitor, screened again with what their record holds."""
    errors: dict[str, str] = {}
    born = parse_date(errors, "person", person.date_of_birth) if person.date_of_birth else None
    if born is None:
        raise ValidationError(
            {"person": _("This saved visitor has no date of birth: scan their ID instead.")}
        )
    return VisitorDetails(
        first_name=person.first_name,
        middle_name=person.middle_name,
        last_name=person.last_name,
        suffix=person.suffix,
        date_of_birth=born,
        source=Visit.Source.SAVED,
        dob_typed_by_hand=not person.dob_from_id,
        person=person,
    )


def parse_date(errors: dict[str, str], field_name: str, value: Any) -> dt.date | None:
    """A date of birth from a date or a YYYY-MM-DD string; impossible ones are named."""
    born: dt.date | None = None
    if isinstance(value, dt.datetime):
        born = value.date()
    elif isinstance(value, dt.date):
        born = value
    elif isinstance(value, str) and value.strip():
        try:
            born = dt.date.fromisoformat(value.strip())
        except ValueError:
            errors[field_name] = _("Not a real date: write it as YYYY-MM-DD (e.g. 1980-07-31).")
            return None
    else:
        errors[field_name] = _("The date of birth is required.")
        return None
    problem = _birth_problem(born)
    if problem:
        errors[field_name] = problem
    return born


def _birth_problem(born: dt.date) -> str:
    if born > timezone.localdate():
        return _("The date of birth is in the future.")
    if born.year < EARLIEST_BIRTH_YEAR:
        return _("The date of birth is before %(year)d.") % {"year": EARLIEST_BIRTH_YEAR}
    return ""


def _check_birth(born: dt.date, field_name: str) -> None:
    problem = _birth_problem(born)
    if problem:
        message = _("The ID's barcode: %(problem)s") % {"problem": problem}
        raise ValidationError({field_name: message})


def _name(errors: dict[str, str], field_name: str, value: Any, *, required: bool) -> str:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        errors[field_name] = _("Must be text.")
    elif len(text) > MAX_NAME:
        errors[field_name] = _("At most %(n)d characters.") % {"n": MAX_NAME}
    elif required and not text:
        errors[field_name] = _("This field is required.")
    elif text and not any(ch.isalpha() for ch in text):
        errors[field_name] = _("A name needs letters.")
    return text


def _barcode_message(exc: aamva.AamvaError) -> str:
    """The parser's message for the person at the desk: what is wrong, and what to do."""
    message = exc.message
    if exc.field == "barcode":
        text = _("The ID's barcode %(problem)s.") % {"problem": message}
    else:
        text = _("The ID's barcode could not be used (%(field)s): %(problem)s.") % {
            "field": exc.field,
            "problem": message,
        }
    return text + " " + _("Scan it again, upload a photo of it, or type the details.")
