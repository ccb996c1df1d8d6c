"""Visitors and screening: visits, visitors, pre-registrations, the watchlist, the registry."""

from __future__ import annotations

from typing import Any

from django.db import models

from haven.access.policy.core import (
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
def _visits(user: Any, qs: models.QuerySet) -> models.QuerySet:
    return qs.filter(school_q(user, Perm.VISITORS_MANAGE) | school_q(user, Perm.SCREENING_VIEW))


@scope("screening.registrant")
def _registrants(user: Any, qs: models.QuerySet) -> models.QuerySet:
    # The registry is public record, but only those who screen people need to browse it.
    return qs if has_perm(user, Perm.SCREENING_VIEW) else qs.none()


@scope("screening.screening")
def _screenings(user: Any, qs: models.QuerySet) -> models.QuerySet:
    # A screening has no school of its own: it is the screener's, and belongs to the visits that
    # used it (a visit is seen by its school's front desk, administrators and SRO).
    if not has_perm(user, Perm.SCREENING_VIEW):
        return qs.none()
    from haven.visitors.models import Visit

    used_by = visible_to(user, Visit).filter(screening__isnull=False).values("screening")
    return qs.filter(models.Q(actor=user) | models.Q(pk__in=used_by))


@scope("visitors.person")
def _visitor_people(user: Any, qs: models.QuerySet) -> models.QuerySet:
    return qs.filter(district__in=_districts_with(user, Perm.VISITORS_MANAGE))


@scope("visitors.preregistration")
def _pre_registrations(user: Any, qs: models.QuerySet) -> models.QuerySet:
    return qs.filter(school_q(user, Perm.VISITORS_MANAGE))


@scope("visitors.watchlistentry")
def _watchlist(user: Any, qs: models.QuerySet) -> models.QuerySet:
    districts = _districts_with(user, Perm.SCREENING_VIEW)
    return qs.filter(
        school_q(user, Perm.SCREENING_VIEW) | models.Q(school__isnull=True, district__in=districts)
    )


def may_check_in(user: Any, school: Any) -> bool:
    return has_perm(user, Perm.VISITORS_MANAGE, school)


def may_see_screening(user: Any, visit: Any) -> bool:
    return has_perm(user, Perm.SCREENING_VIEW, visit.school_id)


def may_decide_screening(user: Any, visit: Any) -> bool:
    """The clerk answers a possible match (yes / no / not sure); once escalated ("not sure"), an
    administrator or the SRO of the school decides."""
    if visit.status == "escalated":
        return has_perm(user, Perm.SCREENING_DECIDE, visit.school_id)
    return has_perm(user, Perm.VISITORS_MANAGE, visit.school_id) or has_perm(
        user, Perm.SCREENING_DECIDE, visit.school_id
    )


def may_manage_watchlist(user: Any, school: Any = None, district: Any = None) -> bool:
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
def _kiosks(user: Any, qs: models.QuerySet) -> models.QuerySet:
    return qs.filter(school_q(user, Perm.VISITORS_MANAGE))


def may_manage_kiosks(user: Any, school: Any) -> bool:
    return has_perm(user, Perm.VISITORS_MANAGE, school)
