"""Who may pick up a student at reunification: the adult as identified at the reunification point,
matched to the student's guardians on the roster and screened against the registry and the
district's watchlists, and the decision that follows. Everything here reads; nothing is stored
(the workflow that stores — check-in, runner, release, refusal — is
:mod:`haven.emergencies.reunification.services`).

The decision rule (:func:`decide`), most serious first:

* ``not_here`` — the student is not at the incident's school (or not active);
* ``custody_restriction`` — the adult matches a guardian link with a custody restriction (a
  court order): refused, and incident command and the SRO are alerted at once;
* ``watchlist`` — the screening matched (registry or watchlist): refused, and the same alert;
* ``already_released`` — the student was released during this incident (to whom, when);
* ``not_listed`` — the adult is not one of the student's guardians;
* ``not_allowed`` — a listed guardian who may not pick up;
* ``review`` — a possible screening match: held until incident command (or those who decide
  screenings) send a runner or refuse;
* ``authorised`` — a guardian with ``can_pick_up``.

Names are compared tolerantly (:func:`names_match`): case, diacritics and punctuation do not
matter, middle names are optional, a nickname or preferred name counts, and either part of a
compound surname. The roster has no adult's date of birth, so the date read off the ID serves the
screening only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from haven.core.models import Guardian, GuardianLink, School, Student
from haven.emergencies.models import Incident, Release, ReunificationRequest
from haven.screening import services as screening
from haven.screening.names import is_nickname_pair, surname_parts, tokens
from haven.visitors import watchlists
from haven.visitors.services import identity

if TYPE_CHECKING:
    from haven.accounts.models import User

Decision = ReunificationRequest.Decision
Source = ReunificationRequest.Source

#: Decisions that refuse the release at once (the others wait for a runner, or for a decision).
REFUSALS = frozenset(
    {
        Decision.NOT_HERE,
        Decision.CUSTODY,
        Decision.WATCHLIST,
        Decision.ALREADY_RELEASED,
        Decision.NOT_LISTED,
        Decision.NOT_ALLOWED,
    }
)
#: Refusals that alert incident command and the SRO at once.
URGENT = frozenset({Decision.CUSTODY, Decision.WATCHLIST})

_RANK = {"clear": 0, "review": 1, "match": 2}


# --- the adult ------------------------------------------------------------------------------------


@dataclass
class Adult:
    """The adult at the reunification point, as identified there (nothing stored yet)."""

    first_name: str
    last_name: str
    source: str
    middle_name: str = ""
    date_of_birth: dt.date | None = None
    dob_typed_by_hand: bool = False
    id_jurisdiction: str = ""
    id_number: str = field(default="", repr=False)  # never stored (see identity.id_hash)

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)


def adult_from_barcode(text: Any, field_name: str = "id_barcode") -> Adult:
    """The adult on a scanned (keyboard-wedge) licence barcode; a garbled one is a
    ValidationError naming ``field_name``."""
    if not isinstance(text, str) or not text.strip():
        raise ValidationError({field_name: _("Scan the barcode on the back of the ID.")})
    details = identity.from_barcode(text, field_name)
    return Adult(
        first_name=details.first_name,
        middle_name=details.middle_name,
        last_name=details.last_name,
        date_of_birth=details.date_of_birth,
        source=Source.SCAN,
        id_jurisdiction=details.id_jurisdiction,
        id_number=details.id_number,
    )


def adult_typed(
    first_name: Any, last_name: Any, date_of_birth: Any, middle_name: Any = ""
) -> Adult:
    """The adult as typed from their ID by staff (the date of birth is required: it is what the
    screening compares)."""
    details = identity.typed(first_name, last_name, date_of_birth, middle_name)
    return Adult(
        first_name=details.first_name,
        middle_name=details.middle_name,
        last_name=details.last_name,
        date_of_birth=details.date_of_birth,
        source=Source.TYPED,
        dob_typed_by_hand=True,
    )


def adult_from_guardian(guardian: Guardian) -> Adult:
    """A guardian picked from the roster by staff who checked the adult's ID themselves."""
    return Adult(
        first_name=guardian.given_name,
        middle_name=guardian.middle_name,
        last_name=guardian.family_name,
        source=Source.ROSTER,
    )


def adult_of(request: ReunificationRequest) -> Adult:
    """The adult as stored on a request (to decide again at release)."""
    born = None
    if request.adult_date_of_birth:
        try:
            born = dt.date.fromisoformat(request.adult_date_of_birth)
        except ValueError:
            born = None
    return Adult(
        first_name=request.adult_first_name,
        middle_name=request.adult_middle_name,
        last_name=request.adult_last_name,
        date_of_birth=born,
        source=request.id_source,
    )


# --- matching the adult to the student's guardians ------------------------------------------------


def names_match(
    first_name: str,
    last_name: str,
    middle_name: str,
    guardian: Any,
) -> bool:
    """Is the adult (as on their ID) the roster's ``guardian``? Tolerant of case, diacritics,
    punctuation and missing middle names; a nickname (Bill ↔ William), the guardian's preferred
    name or a given name used as a middle name counts; one part of a compound surname is
    enough (Garcia ↔ Garcia-Lopez). An initial alone is not a first name."""
    if not _surnames_agree(tokens(last_name), tokens(guardian.family_name)):
        return False
    adult_given = tokens(first_name)
    roster_given = tokens(guardian.given_name)
    preferred = tokens(guardian.preferred_name or "")
    if not adult_given or not roster_given:
        return False
    adult_all = set(adult_given) | set(tokens(middle_name))
    roster_all = set(roster_given) | set(tokens(guardian.middle_name or "")) | set(preferred)
    first, roster_first = adult_given[0], roster_given[0]
    if len(first) > 1 and first in roster_all:
        return True
    if len(roster_first) > 1 and roster_first in adult_all:
        return True
    return any(is_nickname_pair(first, name) for name in (roster_first, *preferred[:1]))


def _surnames_agree(adult: tuple[str, ...], roster: tuple[str, ...]) -> bool:
    """One identifying part in common (Garcia ↔ Garcia-Lopez, De La Cruz ↔ Cruz), or every word
    of one among the other's (a surname that is only a particle: Van ↔ Van-Dijk)."""
    if not adult or not roster:
        return False
    if not set(surname_parts(adult)).isdisjoint(surname_parts(roster)):
        return True
    return set(roster) <= set(adult) or set(adult) <= set(roster)


def matching_links(
    student: Student, adult: Adult, guardian: Guardian | None = None
) -> list[GuardianLink]:
    """The student's guardian links that stand for this adult: the one chosen (when its name
    agrees with the ID, or when staff chose from the roster), else every link whose name
    matches."""
    links = list(student.guardian_links.select_related("guardian"))
    if guardian is not None:
        links = [link for link in links if link.guardian_id == guardian.pk]
    if adult.source == Source.ROSTER:
        return links
    return [
        link
        for link in links
        if names_match(adult.first_name, adult.last_name, adult.middle_name, link.guardian)
    ]


@dataclass
class Verdict:
    """What the roster (and the screening) say about one adult and one student."""

    decision: str
    link: GuardianLink | None = None
    prior: Release | None = None  # the release that already happened

    @property
    def refused(self) -> bool:
        return self.decision in REFUSALS


def at_incident(incident: Incident, student: Student) -> bool:
    if not student.active:
        return False
    if incident.school_id is not None:
        return student.school_id == incident.school_id
    return School.objects.filter(pk=student.school_id, district=incident.district_id).exists()


def prior_release(incident: Incident, student: Student) -> Release | None:
    return (
        Release.objects.filter(incident=incident, student=student, refused=False)
        .select_related("released_by")
        .first()
    )


def decide(
    incident: Incident,
    student: Student,
    adult: Adult,
    guardian: Guardian | None = None,
    screening_outcome: str = "clear",
) -> Verdict:
    """The decision rule (see the module's docstring). Reads only; stores nothing."""
    if not at_incident(incident, student):
        return Verdict(Decision.NOT_HERE)
    links = matching_links(student, adult, guardian)
    custody = next((link for link in links if link.custody_restriction), None)
    if custody is not None:
        return Verdict(Decision.CUSTODY, custody)
    if screening_outcome == "match":
        return Verdict(Decision.WATCHLIST, links[0] if links else None)
    prior = prior_release(incident, student)
    if prior is not None:
        return Verdict(Decision.ALREADY_RELEASED, links[0] if links else None, prior)
    if not links:
        return Verdict(Decision.NOT_LISTED)
    barred = next((link for link in links if not link.can_pick_up), None)
    if barred is not None:
        return Verdict(Decision.NOT_ALLOWED, barred)
    if screening_outcome == "review":
        return Verdict(Decision.REVIEW, links[0])
    return Verdict(Decision.AUTHORISED, links[0])


def reason_text(verdict: Verdict) -> str:
    """The reason as staff read it (stored with a refusal, in the district's language). It never
    quotes the custody order: that stays on the roster, for staff who may see guardians."""
    with translation.override(settings.LANGUAGE_CODE):
        return _reason(verdict)


def _reason(verdict: Verdict) -> str:
    code = verdict.decision
    if code == Decision.ALREADY_RELEASED and verdict.prior is not None:
        prior = verdict.prior
        staff = prior.released_by.label if prior.released_by else "—"  # type: ignore[attr-defined]
        return _("Already released to %(adult)s at %(time)s by %(staff)s.") % {
            "adult": prior.adult_name,
            "time": timezone.localtime(prior.released_at).strftime("%H:%M"),
            "staff": staff,
        }
    texts: dict[str, str] = {
        Decision.NOT_HERE: _("The student is not at this incident's school."),
        Decision.CUSTODY: _(
            "A custody restriction (court order) concerns this adult and this student. Do not "
            "release; incident command has been alerted."
        ),
        Decision.WATCHLIST: _(
            "The adult matches a screening list. Do not release; incident command has been "
            "alerted. A name match is not an identification."
        ),
        Decision.NOT_LISTED: _("This adult is not on the student's list of guardians."),
        Decision.NOT_ALLOWED: _("This adult is on the student's list but may not pick them up."),
        Decision.REVIEW: _("Possible screening match: an administrator must decide first."),
        Decision.AUTHORISED: _("Authorised to pick up."),
    }
    return texts.get(code) or str(Decision(code).label)


# --- screening ------------------------------------------------------------------------------------


@dataclass
class Screened:
    outcome: str = "clear"
    registry: Any = None
    matches: list[dict[str, Any]] = field(default_factory=list)


def screen(actor: User, school: School, adult: Adult) -> Screened:
    """The adult against the registry (when the date of birth is known) and the watchlists in
    force at ``school``, through the visitors' screening. The roster's custody restrictions are
    left out of the watchlists' answer: :func:`decide` reads them from the student's own links."""
    registry = None
    outcome = "clear"
    if adult.date_of_birth is not None:
        registry = screening.screen(
            adult.first_name,
            adult.last_name,
            adult.date_of_birth,
            adult.middle_name,
            adult.dob_typed_by_hand,
            actor=actor,
        )
        outcome = str(registry.outcome)
    _listed, matches = watchlists.screen(
        school,
        adult.first_name,
        adult.last_name,
        adult.date_of_birth,  # type: ignore[arg-type]  # None: the name alone is compared
        adult.middle_name,
        adult.dob_typed_by_hand,
    )
    kept = [m for m in matches if m.get("kind") != watchlists.CUSTODY]
    for match in kept:
        if _RANK.get(str(match.get("outcome")), 0) > _RANK[outcome]:
            outcome = str(match["outcome"])
    return Screened(outcome, registry, kept)
