"""Emergencies: incidents, drills, roll call and accountability, reunification."""

from __future__ import annotations

from typing import Any

from django.db import models

from haven.access.policy.core import (
    Actor,
    Perm,
    _memberships,
    district_wide,
    has_perm,
    perms_for_role,
    school_q,
    scope,
    visible_to,
)


@scope("emergencies.incident")
def _incidents(user: Actor, qs: models.QuerySet) -> models.QuerySet:
    # A district-wide incident (no school) reaches everyone in the district who receives alerts.
    districts = {
        district
        for role, _, district in _memberships(user)
        if Perm.EMERGENCY_RECEIVE in perms_for_role(role)
    }
    return qs.filter(
        school_q(user, Perm.EMERGENCY_RECEIVE)
        | models.Q(school__isnull=True, district__in=districts)
    )


def may_raise_district_wide(user: Actor) -> bool:
    """A district-wide incident needs a district-level role that may raise one."""
    return bool(district_wide(user, Perm.EMERGENCY_RAISE))


def may_command(user: Actor, incident: Any) -> bool:
    """Incident command (administrators, the SRO) of the incident's school: change the protocol,
    post updates, declare all clear, download the after-action report. For a district-wide
    incident, incident command held district-wide."""
    if incident.school_id is not None:
        return has_perm(user, Perm.EMERGENCY_COMMAND, incident.school_id)
    return incident.district_id in district_wide(user, Perm.EMERGENCY_COMMAND)


def may_acknowledge(user: Actor, incident: Any) -> bool:
    """Everyone the incident reaches (whoever sees it) acknowledges it."""
    return visible_to(user, type(incident)).filter(pk=incident.pk).exists()


@scope("emergencies.drill")
def _drills(user: Actor, qs: models.QuerySet) -> models.QuerySet:
    # Every staff member of the school sees its drill schedule and log.
    return qs.filter(school_q(user, Perm.EMERGENCY_RECEIVE))


def may_manage_drills(user: Actor, school: Any) -> bool:
    """Schedule, start and log drills: the school's incident command (administrators, SROs)."""
    return has_perm(user, Perm.EMERGENCY_COMMAND, school)


# --- emergencies: roll call and accountability ----------------------------------------------------
#
# A teacher reports the classes they teach (core.Section.teachers); incident command reports for
# any class of the school. Names of the students not accounted for, and injuries (health
# information), are for incident command and the school's team roles (CASES_SCHOOL: administrators,
# counsellors, the SRO); other staff see the counts.


def may_report_roll_call(user: Actor, section: Any) -> bool:
    if has_perm(user, Perm.EMERGENCY_COMMAND, section.school_id):
        return True
    return (
        has_perm(user, Perm.ROLL_CALL, section.school_id)
        and section.teachers.filter(user=user.pk).exists()
    )


def may_see_accountability_names(user: Actor, school: Any) -> bool:
    return has_perm(user, Perm.EMERGENCY_COMMAND, school) or has_perm(
        user, Perm.CASES_SCHOOL, school
    )


def may_account_visitors(user: Actor, school: Any) -> bool:
    """The office accounts for the visitors on site (and incident command)."""
    return has_perm(user, Perm.VISITORS_MANAGE, school) or has_perm(
        user, Perm.EMERGENCY_COMMAND, school
    )


#: The after-action report is for incident command only.
may_download_after_action = may_command


# --- emergencies: reunification ------------------------------------------------------------------
#
# Checking an adult in at the reunification point, sending a runner, releasing a student and
# refusing a release are for staff who may see guardians and custody restrictions at the student's
# school (GUARDIANS_VIEW: administrators, counsellors, the SRO, the front desk) or who command the
# incident there (EMERGENCY_COMMAND). Everyone who sees the incident sees the board's counts; names
# on it need the roster (ROSTER_VIEW). A request held by the screening is decided by incident
# command or those who decide screenings.


def may_reunify(user: Actor, school: Any) -> bool:
    return has_perm(user, Perm.GUARDIANS_VIEW, school) or has_perm(
        user, Perm.EMERGENCY_COMMAND, school
    )


def may_decide_held_release(user: Actor, school: Any) -> bool:
    return has_perm(user, Perm.EMERGENCY_COMMAND, school) or has_perm(
        user, Perm.SCREENING_DECIDE, school
    )


@scope("emergencies.reunificationrequest")
def _reunification_requests(user: Actor, qs: models.QuerySet) -> models.QuerySet:
    return qs.filter(
        school_q(user, Perm.GUARDIANS_VIEW, "student__school")
        | school_q(user, Perm.EMERGENCY_COMMAND, "student__school")
    )
