"""Screening a person against the sex-offender registry.

:func:`screen` is what the front desk, the API and ``haven screen`` call: it checks the input,
searches the registry's index, stores the :class:`~haven.screening.models.Screening` (the query
encrypted) and records an audit event without anything personal in it, in one transaction.

The index is built once per process from the stored normalised names, lazily, and rebuilt when the
registry changes: each screening compares the newest :class:`RegistryImport` (id and token, one
indexed query) with the one the index was built from.

Watchlists are screened with the same matcher: build a :class:`~haven.screening.matcher.Index`
from :class:`~haven.screening.matcher.Record` objects and call :func:`search`.
"""

from __future__ import annotations

import datetime as dt
import threading
from array import array
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.audit import services as audit
from haven.screening.matcher import Builder, Hit, Index, Query, Record, overall
from haven.screening.models import Registrant, RegistryImport, Screening
from haven.screening.names import tokens

if TYPE_CHECKING:
    from haven.accounts.models import User

MAX_NAME = 200
MAX_MATCHES = 20  # the most alike; a common name typed by hand can have more


@dataclass
class _Built:
    version: tuple[int, str] | None = None
    index: Index | None = None


_built = _Built()
_lock = threading.Lock()


def registry_version() -> tuple[int, str] | None:
    newest = RegistryImport.objects.order_by("-id").values_list("id", "token").first()
    return None if newest is None else (newest[0], str(newest[1]))


def build_registry_index() -> Index:
    """An index over every stored registrant; each hit's ``ref`` is the registrant's id."""
    builder = Builder(refs=array("q"))
    rows = Registrant.objects.order_by().values_list("id", "names", "date_of_birth")
    for pk, names, born in rows.iterator(chunk_size=20_000):
        builder.add(pk, names, born)
    return builder.finish()


def registry_index() -> tuple[Index, tuple[int, str] | None]:
    """The registry's index for this process (built or rebuilt if the registry changed)."""
    version = registry_version()
    with _lock:
        if _built.index is None or _built.version != version:
            _built.index = None  # let the old one go first: two at once would double the memory
            _built.index, _built.version = build_registry_index(), version
        return _built.index, _built.version


def forget_index() -> None:
    """Drop this process's index (the next screening rebuilds it)."""
    with _lock:
        _built.index, _built.version = None, None


def _clean_name(errors: dict[str, str], field: str, value: Any, required: bool) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not isinstance(value, str) and value is not None:
        errors[field] = _("Must be text.")
    elif len(text) > MAX_NAME:
        errors[field] = _("At most %(count)d characters.") % {"count": MAX_NAME}
    elif required and not text:
        errors[field] = _("This field is required.")
    elif text and not tokens(text):
        errors[field] = _("A name needs at least one letter.")
    return text


def _clean_date(errors: dict[str, str], value: Any) -> dt.date | None:
    born: dt.date | None = None
    if isinstance(value, dt.datetime):
        born = value.date()
    elif isinstance(value, dt.date):
        born = value
    elif isinstance(value, str):
        try:
            born = dt.date.fromisoformat(value.strip())
        except ValueError:
            errors["date_of_birth"] = _("Write the date as YYYY-MM-DD.")
            return None
    else:
        errors["date_of_birth"] = _("This field is required.")
        return None
    if born > timezone.localdate():
        errors["date_of_birth"] = _("A date of birth cannot be in the future.")
    elif born.year < 1900:
        errors["date_of_birth"] = _("A date of birth before 1900 is not plausible.")
    return born


def search(
    index: Index,
    first_name: str,
    last_name: str,
    date_of_birth: dt.date | None,
    middle_name: str = "",
    dob_typed_by_hand: bool = False,
) -> tuple[str, list[Hit]]:
    """(outcome, hits) of a person against any index (a watchlist's, say). Nothing is stored."""
    query = Query.of(
        first_name, last_name, date_of_birth, middle_name, dob_typed_by_hand=dob_typed_by_hand
    )
    hits = index.search(query, limit=MAX_MATCHES)
    return overall(hits), hits


def record_match(hit: Hit) -> dict[str, Any]:
    """A hit on an index built from :class:`Record` objects, as a screening's match."""
    record = hit.ref
    if not isinstance(record, Record):
        raise TypeError("record_match() needs an index built from Record objects")
    born = record.date_of_birth
    return {
        "source": record.source,
        "record_id": record.record_id,
        "name": record.display_name,
        "date_of_birth": born.isoformat() if born else None,
        "score": round(hit.score, 3),
        "outcome": hit.outcome,
        "date_agrees": hit.relation.name.lower(),
    }


def _registry_matches(hits: list[Hit]) -> tuple[str, list[dict[str, Any]]]:
    found = Registrant.objects.in_bulk([hit.ref for hit in hits])
    kept, matches = [], []
    for hit in hits:
        registrant = found.get(hit.ref)
        if registrant is None:  # replaced by an import since the index was built
            continue
        kept.append(hit)
        matches.append(
            {
                "source": f"registry:{registrant.jurisdiction}",
                "record_id": registrant.record_id,
                "name": registrant.display_name,
                "date_of_birth": registrant.date_of_birth.isoformat(),
                "score": round(hit.score, 3),
                "outcome": hit.outcome,
                "date_agrees": hit.relation.name.lower(),
                "aliases": registrant.aliases,
                "sex": registrant.sex,
                "source_url": registrant.source_url,
            }
        )
    return overall(kept), matches


def screen(
    first_name: str,
    last_name: str,
    date_of_birth: dt.date | str,
    middle_name: str = "",
    dob_typed_by_hand: bool = False,
    *,
    actor: User | None = None,
) -> Screening:
    """Screen a person against the registry and store the result (see the module's docstring).

    Raises :class:`~django.core.exceptions.ValidationError` naming the field for bad input.
    ``dob_typed_by_hand`` widens the date comparison to ± 5 years (a date read off an ID card is
    trusted more than one typed in).
    """
    errors: dict[str, str] = {}
    first = _clean_name(errors, "first_name", first_name, True)
    last = _clean_name(errors, "last_name", last_name, True)
    middle = _clean_name(errors, "middle_name", middle_name, False)
    born = _clean_date(errors, date_of_birth)
    if errors or born is None:
        raise ValidationError({field: [message] for field, message in errors.items()})
    index, version = registry_index()
    _, hits = search(index, first, last, born, middle, bool(dob_typed_by_hand))
    outcome, matches = _registry_matches(hits)
    with transaction.atomic():
        screening = Screening.objects.create(
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            first_name=first,
            middle_name=middle,
            last_name=last,
            date_of_birth=born.isoformat(),
            dob_typed_by_hand=bool(dob_typed_by_hand),
            outcome=outcome,
            matches=cast(Any, matches),  # JSON, encrypted
            registry_version=version[0] if version else None,
        )
        audit.record(
            actor,
            "create",
            ("screening.check", str(screening.pk)),
            detail={"outcome": outcome, "matches": len(matches)},
        )
    return screening
