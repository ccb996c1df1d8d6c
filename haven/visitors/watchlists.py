"""The district's watchlists, screened at check-in with the registry's matcher.

Three kinds of listing:

* :class:`~haven.visitors.models.WatchlistEntry` rows — banned persons, trespass and protective
  orders, other alerts — for one school or the whole district, in force from ``starts_on`` until
  ``expires_on`` (an expired or deactivated entry is ignored);
* custody restrictions, derived from the roster at screening time: the adult on a guardian link
  with ``custody_restriction`` is listed as "custody restriction for <student>" at the student's
  school, for as long as the roster says so (nothing is copied, so nothing goes stale).

The lists are small (tens to hundreds of people per school), so the index is built per screening
with :meth:`haven.screening.matcher.Index.build`, which compares every row when the list is short.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.access import policy
from haven.audit import services as audit
from haven.core.models import GuardianLink
from haven.screening import services as screening
from haven.screening.matcher import Index, Record
from haven.visitors.models import Outcome, WatchlistEntry

if TYPE_CHECKING:
    from haven.accounts.models import User

CUSTODY = "custody"


@dataclass(frozen=True)
class Listing:
    """What a watchlist hit says, beyond the name: the kind and the words for the clerk."""

    kind: str  # a WatchlistEntry.Kind, or "custody"
    label: str  # "Banned person", "Custody restriction for Maya Lopez"
    note: str = ""  # what the entry says to do, or the roster's custody note


def entries_in_force(school: Any, on: dt.date | None = None) -> QuerySet[WatchlistEntry]:
    day = on or timezone.localdate()
    return WatchlistEntry.objects.filter(
        Q(school=school) | Q(school__isnull=True, district_id=school.district_id),
        active=True,
        starts_on__lte=day,
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=day))


def custody_restrictions(school: Any) -> QuerySet[GuardianLink]:
    """The roster's custody restrictions at ``school`` (active students)."""
    return (
        GuardianLink.objects.filter(
            custody_restriction=True, student__school=school, student__active=True
        )
        .select_related("guardian", "student")
        .order_by("guardian__family_name", "guardian__given_name", "pk")
    )


def _born(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def records(school: Any, on: dt.date | None = None) -> tuple[list[Record], dict[str, Listing]]:
    """Every listing in force at ``school``, as matcher records, and what each one is."""
    found: list[Record] = []
    listings: dict[str, Listing] = {}
    for entry in entries_in_force(school, on):
        record_id = f"watchlist-{entry.pk}"
        found.append(
            Record.of(
                f"watchlist:{entry.kind}",
                record_id,
                entry.first_name,
                entry.last_name,
                _born(entry.date_of_birth),
                middle_name=entry.middle_name,
                aliases=[a for a in entry.aliases.split(";") if a.strip()],
            )
        )
        listings[record_id] = Listing(entry.kind, str(entry.get_kind_display()), entry.reason)
    for link in custody_restrictions(school):
        guardian, student = link.guardian, link.student
        record_id = f"custody-{link.pk}"
        aliases = []
        if guardian.preferred_name:
            aliases.append(f"{guardian.preferred_name} {guardian.family_name}")
        found.append(
            Record.of(
                CUSTODY,
                record_id,
                guardian.given_name,
                guardian.family_name,
                None,  # the roster has no adult's date of birth: a name hit is a review
                middle_name=guardian.middle_name,
                aliases=aliases,
            )
        )
        label = _("Custody restriction for %(student)s") % {"student": student.full_name}
        listings[record_id] = Listing(CUSTODY, label, link.custody_note)
    return found, listings


def screen(
    school: Any,
    first_name: str,
    last_name: str,
    date_of_birth: dt.date,
    middle_name: str = "",
    dob_typed_by_hand: bool = False,
) -> tuple[str, list[dict[str, Any]]]:
    """(outcome, matches) of a visitor against the watchlists in force at ``school``. Each match
    is the registry's shape (source, record_id, name, date_of_birth, score) plus ``kind``,
    ``label``, ``note`` and ``school`` (whose listing it is: who may read it depends on it, see
    :func:`shown_to`). Nothing is stored here; the visit keeps the matches (encrypted)."""
    found, listings = records(school)
    if not found:
        return Outcome.CLEAR, []
    outcome, hits = screening.search(
        Index.build(found), first_name, last_name, date_of_birth, middle_name, dob_typed_by_hand
    )
    matches = []
    for hit in hits:
        match = screening.record_match(hit)
        listing = listings[match["record_id"]]
        matches.append(
            {
                **match,
                "kind": listing.kind,
                "label": listing.label,
                "note": listing.note,
                "school": school.pk,
            }
        )
    return outcome, matches


def labelled(match: dict[str, Any]) -> dict[str, Any]:
    """A match with the words of its list: a watchlist's are stored with it, the registry's are
    made from its source ("Sex-offender registry (VA)")."""
    source, _sep, jurisdiction = str(match.get("source", "")).partition(":")
    if source != "registry":
        return match
    return {**match, "label": _("Sex-offender registry (%(where)s)") % {"where": jurisdiction}}


# What a match keeps when its reader may not see what it says: how strong it is, nothing listed.
_BARE = ("outcome", "score", "date_agrees")


def shown_to(
    user: User, matches: Iterable[Mapping[str, Any]], schools: Iterable[Any]
) -> list[dict[str, Any]]:
    """The matches of a screened record of ``schools`` (the registry's and the watchlists') as
    ``user`` may read them, decided by the access policy: none at all for someone who sees the
    outcome only (the volunteer coordinator); a custody restriction without its student or note
    for someone who may not see guardians; a listing of a school the reader does not screen for
    as "listed", nothing more. Pages, the API and exports show only what this returns."""
    schools = list(schools)
    if not policy.may_see_screening_matches(user, schools):
        return []
    shown = []
    for match in matches:
        sight = policy.match_sight(user, match, schools)
        if sight == policy.MatchSight.FULL:
            shown.append(dict(match))
            continue
        bare: dict[str, Any] = {key: match[key] for key in _BARE if key in match}
        bare.update(source="", record_id="", date_of_birth=None, note="", aliases="")
        if sight == policy.MatchSight.WITHOUT_CUSTODY:
            bare.update(
                kind=CUSTODY,
                name=match.get("name", ""),
                label=_("Custody restriction (the details are for staff who see guardians)"),
            )
        else:
            bare.update(
                kind="",
                name="",
                label=_("Listed at another school (the details are for its staff)"),
            )
        shown.append(bare)
    return shown


# --- changing the watchlist ---------------------------------------------------------------------


def save_entry(actor: User, entry: WatchlistEntry) -> WatchlistEntry:
    """Create or change an entry (already validated by the form), audited. The actor must manage
    the watchlist where the entry applies (its school, or district-wide)."""
    if not policy.may_manage_watchlist(actor, entry.school, entry.district):
        raise PermissionDenied(_("You may not change this watchlist."))
    creating = entry.pk is None
    with transaction.atomic():
        if creating:
            entry.created_by = actor
        entry.updated_at = timezone.now()
        entry.save()
        audit.record(
            actor,
            "create" if creating else "update",
            entry,
            detail={"kind": entry.kind, "active": entry.active},
            school_id=entry.school_id,
        )
    return entry
