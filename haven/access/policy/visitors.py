"""Visitors and screening: visits, visitors, pre-registrations, the watchlist, the registry."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from django.apps import apps
from django.db import models

from haven.access.policy.core import (
    Actor,
    Perm,
    _districts_with,
    _memberships,
    has_perm,
    perms_for_role,
    school_q,
    scope,
    visible_to,
)

# --- visitors -------------------------------------------------------------------------------------
#
# Visits are seen by the front desk and everyone who sees screening results at the school (the
# administrators and the SRO, who are alerted of matches). Watchlist entries are seen where
# screening results are; a district-wide entry (no school) by those roles anywhere in the district.


@scope("visitors.visit")
def _visits(user: Actor, qs: models.QuerySet) -> models.QuerySet:
    return qs.filter(school_q(user, Perm.VISITORS_MANAGE) | school_q(user, Perm.SCREENING_VIEW))


@scope("screening.registrant")
def _registrants(user: Actor, qs: models.QuerySet) -> models.QuerySet:
    # The registry is public record, but only those who screen people need to browse it.
    return qs if has_perm(user, Perm.SCREENING_VIEW) else qs.none()


@scope("screening.screening")
def _screenings(user: Actor, qs: models.QuerySet) -> models.QuerySet:
    # A screening has no school of its own: it is the screener's, and belongs to the visits that
    # used it (a visit is seen by its school's front desk, administrators and SRO).
    if not has_perm(user, Perm.SCREENING_VIEW):
        return qs.none()
    visits = visible_to(user, apps.get_model("visitors", "Visit"))
    used_by = visits.filter(screening__isnull=False).values("screening")
    return qs.filter(models.Q(actor=user) | models.Q(pk__in=used_by))


@scope("visitors.person")
def _visitor_people(user: Actor, qs: models.QuerySet) -> models.QuerySet:
    return qs.filter(district__in=_districts_with(user, Perm.VISITORS_MANAGE))


@scope("visitors.preregistration")
def _pre_registrations(user: Actor, qs: models.QuerySet) -> models.QuerySet:
    return qs.filter(school_q(user, Perm.VISITORS_MANAGE))


@scope("visitors.watchlistentry")
def _watchlist(user: Actor, qs: models.QuerySet) -> models.QuerySet:
    districts = _districts_with(user, Perm.SCREENING_VIEW)
    return qs.filter(
        school_q(user, Perm.SCREENING_VIEW) | models.Q(school__isnull=True, district__in=districts)
    )


def may_check_in(user: Actor, school: Any) -> bool:
    return has_perm(user, Perm.VISITORS_MANAGE, school)


def may_see_screening(user: Actor, visit: Any) -> bool:
    """The matches of a visit's screening (a visit is also seen by whoever checks visitors in)."""
    return may_see_screening_matches(user, [visit.school_id])


# --- what of a screening each person sees ---------------------------------------------------------
#
# Whoever sees a screened record — a visit, a volunteer's application, a reunification request —
# sees its outcome (clear, needs review, match) and who decides it. Who was matched, on which list
# and what the listing says are for those who see screenings (SCREENING_VIEW) at the school the
# listing belongs to; a custody restriction's student and the roster's note only for those who
# also see guardians there (GUARDIANS_VIEW). So the volunteer coordinator, who decides
# applications, sees outcomes only; a counsellor at the reunification point sees that a
# screening held a release, not what the watchlist says. A match names its school (``"school"``);
# one without (the registry's, or stored before matches named it) belongs to every school of the
# record, and a custody match without one needs GUARDIANS_VIEW at all of them.


class MatchSight(StrEnum):
    FULL = "full"  # the listed person, the list and what the listing says
    WITHOUT_CUSTODY = "without_custody"  # a custody restriction, without its student or note
    LISTED = "listed"  # that a listing matched, nothing about it


def _ids(schools: Iterable[Any]) -> list[int]:
    return [getattr(school, "pk", school) for school in schools]


def may_see_screening_matches(user: Actor, schools: Iterable[Any]) -> bool:
    """Any detail of a screening's matches at all, for a record of ``schools`` (objects or ids);
    without it, only the outcome and who decides."""
    return any(has_perm(user, Perm.SCREENING_VIEW, school) for school in _ids(schools))


def may_see_custody_matches(user: Actor, school: Any) -> bool:
    """The student and the roster's note behind a custody restriction matched at ``school``."""
    return has_perm(user, Perm.SCREENING_VIEW, school) and has_perm(
        user, Perm.GUARDIANS_VIEW, school
    )


def match_sight(user: Actor, match: Mapping[str, Any], schools: Iterable[Any]) -> MatchSight:
    """How much of one match of a record of ``schools`` ``user`` sees (callers first ask
    :func:`may_see_screening_matches`: without it, no match is shown at all)."""
    ids = _ids(schools)
    where = match.get("school")
    at = [where] if isinstance(where, int) else ids
    if not any(has_perm(user, Perm.SCREENING_VIEW, school) for school in at):
        return MatchSight.LISTED
    if match.get("kind") == "custody":
        custody = (
            may_see_custody_matches(user, where)
            if isinstance(where, int)
            else bool(ids) and all(may_see_custody_matches(user, school) for school in ids)
        )
        if not custody:
            return MatchSight.WITHOUT_CUSTODY
    return MatchSight.FULL


def may_decide_screening(user: Actor, visit: Any) -> bool:
    """The clerk answers a possible match (yes / no / not sure); once escalated ("not sure"), an
    administrator or the SRO of the school decides."""
    if visit.status == "escalated":
        return has_perm(user, Perm.SCREENING_DECIDE, visit.school_id)
    return has_perm(user, Perm.VISITORS_MANAGE, visit.school_id) or has_perm(
        user, Perm.SCREENING_DECIDE, visit.school_id
    )


def may_manage_watchlist(user: Actor, school: Any = None, district: Any = None) -> bool:
    """Add or change an entry for ``school`` — or, with only ``district``, a district-wide entry
    (district-wide roles only)."""
    if school is not None:
        return has_perm(user, Perm.WATCHLIST_MANAGE, school)
    district_id = getattr(district, "pk", district)
    return any(
        Perm.WATCHLIST_MANAGE in perms_for_role(role) and school_id is None and d == district_id
        for role, school_id, d in _memberships(user)
    )


# --- lobby kiosks ---------------------------------------------------------------------------------
#
# A kiosk is a device the front desk enrolled for one school; it reaches the kiosk's pages only.
# The front desk (and whoever else manages visitors there) sees, enrols and revokes it.


@scope("visitors.kiosk")
def _kiosks(user: Actor, qs: models.QuerySet) -> models.QuerySet:
    return qs.filter(school_q(user, Perm.VISITORS_MANAGE))


def may_manage_kiosks(user: Actor, school: Any) -> bool:
    return has_perm(user, Perm.VISITORS_MANAGE, school)
