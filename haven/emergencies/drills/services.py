"""Drills: schedule one, start it (it raises the DRILL incident through the same path as a real
emergency), log how it went — or log one run without Haven — the school year they count in, and
the school's drills as an iCalendar feed. How a school measures up against the drills it must run
is :mod:`haven.emergencies.drills.compliance`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import icalendar
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.access import policy
from haven.access.policy import Perm
from haven.audit import services as audit
from haven.core.models import School
from haven.emergencies.alerts import services
from haven.emergencies.models import (
    Drill,
    DrillKind,
    DrillPolicy,
    Incident,
    Protocol,
)

if TYPE_CHECKING:
    from haven.accounts.models import User

MAX_NOTE = 500
MAX_ISSUES = 4000
MAX_PARTICIPANTS = 100_000
MAX_DURATION = dt.timedelta(hours=12)
MAX_AHEAD = dt.timedelta(days=2 * 366)
DEFAULT_LENGTH = dt.timedelta(minutes=30)  # a calendar event's length before the drill is logged
DEFAULT_YEAR_START = 8  # August

#: The SRP protocols a finer kind of drill may be run under.
KIND_PROTOCOLS: dict[str, set[str]] = {
    DrillKind.FIRE: {Protocol.EVACUATE},
    DrillKind.TORNADO: {Protocol.SHELTER},
    DrillKind.HAZMAT: {Protocol.SHELTER, Protocol.EVACUATE},
    DrillKind.EARTHQUAKE: {Protocol.HOLD, Protocol.SHELTER, Protocol.EVACUATE},
    DrillKind.BUS: {Protocol.EVACUATE},
    DrillKind.REUNIFICATION: set(Protocol.values),
}


class Status:
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    OVERDUE = "overdue"
    DONE = "done"


def status_label(status: str) -> str:
    return {
        Status.SCHEDULED: _("Scheduled"),
        Status.IN_PROGRESS: _("In progress"),
        Status.OVERDUE: _("Overdue"),
        Status.DONE: _("Done"),
    }[status]


def status_tone(status: str) -> str:
    return {
        Status.SCHEDULED: "routine",
        Status.IN_PROGRESS: "life",
        Status.OVERDUE: "high",
        Status.DONE: "done",
    }[status]


def drill_status(drill: Drill, now: dt.datetime | None = None) -> str:
    """Done once logged; in progress once started; overdue when the day it was scheduled for has
    passed without either; scheduled before that."""
    if drill.logged_at is not None:
        return Status.DONE
    if drill.started_at is not None:
        return Status.IN_PROGRESS
    now = now or timezone.now()
    if timezone.localdate(drill.scheduled_for) < timezone.localdate(now):
        return Status.OVERDUE
    return Status.SCHEDULED


def type_label(protocol: str, kind: str = "") -> str:
    """ "Evacuate" or "Evacuate (fire)"."""
    word = str(Protocol(protocol).label)
    if kind:
        return _("%(protocol)s (%(kind)s)") % {
            "protocol": word,
            "kind": str(DrillKind(kind).label).lower(),
        }
    return word


def when(drill: Drill) -> dt.datetime:
    """When the drill happened (or is to happen): its start if it has one."""
    return drill.started_at or drill.scheduled_for


# --- who may --------------------------------------------------------------------------------------


def may_manage(user: User, school: Any) -> bool:
    return policy.may_manage_drills(user, school)


def visible(user: User) -> models.QuerySet[Drill]:
    return policy.visible_to(user, Drill).select_related("school", "incident", "logged_by")


def schools_seen(user: User) -> models.QuerySet[School]:
    return policy.schools_for(user, Perm.EMERGENCY_RECEIVE).order_by("name")


def _require_manage(user: User, school: Any) -> None:
    if not may_manage(user, school):
        raise PermissionDenied(
            _("Only the school's administrators and SRO schedule and log drills.")
        )


# --- the school year ------------------------------------------------------------------------------


def year_start_month(district: Any) -> int:
    district_id = getattr(district, "pk", district)
    found = DrillPolicy.objects.filter(district=district_id).values_list("year_starts", flat=True)
    month = found.first()
    return month if month and 1 <= month <= 12 else DEFAULT_YEAR_START


def school_year_of(day: dt.date, start_month: int) -> int:
    """The school year a day falls in, named by the calendar year it starts in."""
    return day.year if day.month >= start_month else day.year - 1


def year_bounds(year: int, start_month: int) -> tuple[dt.date, dt.date]:
    """[first day, first day of the next school year)."""
    return dt.date(year, start_month, 1), dt.date(year + 1, start_month, 1)


def year_label(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"


def _aware_bounds(year: int, start_month: int) -> tuple[dt.datetime, dt.datetime]:
    first, after = year_bounds(year, start_month)
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(first, dt.time.min, tzinfo=tz),
        dt.datetime.combine(after, dt.time.min, tzinfo=tz),
    )


def in_year(qs: models.QuerySet[Drill], year: int, start_month: int) -> models.QuerySet[Drill]:
    start, end = _aware_bounds(year, start_month)
    happened = models.Q(started_at__gte=start, started_at__lt=end)
    planned = models.Q(started_at__isnull=True, scheduled_for__gte=start, scheduled_for__lt=end)
    return qs.filter(happened | planned)


# --- validation ----------------------------------------------------------------------------------


def _clean_protocol(protocol: str) -> str:
    if protocol not in Protocol.values:
        raise ValidationError(
            {"protocol": _("Choose one of: %(choices)s.") % {"choices": ", ".join(Protocol.values)}}
        )
    return protocol


def _clean_kind(kind: str, protocol: str) -> str:
    kind = (kind or "").strip()
    if not kind:
        return ""
    if kind not in DrillKind.values:
        raise ValidationError(
            {"kind": _("Choose one of: %(choices)s.") % {"choices": ", ".join(DrillKind.values)}}
        )
    if protocol not in KIND_PROTOCOLS[kind]:
        allowed = ", ".join(
            str(Protocol(p).label) for p in Protocol.values if p in KIND_PROTOCOLS[kind]
        )
        raise ValidationError(
            {
                "kind": _("A %(kind)s drill is run under %(allowed)s.")
                % {"kind": str(DrillKind(kind).label).lower(), "allowed": allowed}
            }
        )
    return kind


def _clean_text(value: str | None, name: str, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise ValidationError({name: _("At most %(limit)d characters.") % {"limit": limit}})
    return value


def _clean_moment(value: Any, name: str) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise ValidationError({name: _("Enter a date and time.")})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _clean_run(
    started_at: Any, ended_at: Any, participants: Any, issues: str | None
) -> tuple[dt.datetime, dt.datetime, int | None, str]:
    start = _clean_moment(started_at, "started_at")
    end = _clean_moment(ended_at, "ended_at")
    if end <= start:
        raise ValidationError({"ended_at": _("The drill must end after it starts.")})
    if end - start > MAX_DURATION:
        raise ValidationError({"ended_at": _("A drill lasts at most 12 hours.")})
    if start > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"started_at": _("A drill cannot be logged before it has run.")})
    if participants is not None and participants != "":
        try:
            count = int(participants)
        except (TypeError, ValueError):
            raise ValidationError({"participants": _("Enter a whole number.")}) from None
        if not 0 <= count <= MAX_PARTICIPANTS:
            raise ValidationError(
                {"participants": _("Between 0 and %(max)d.") % {"max": MAX_PARTICIPANTS}}
            )
    else:
        count = None
    return start, end, count, _clean_text(issues, "issues", MAX_ISSUES)


# --- scheduling, starting, logging ----------------------------------------------------------------


def schedule(
    user: User,
    school: School,
    protocol: str,
    scheduled_for: Any,
    *,
    kind: str = "",
    note: str = "",
) -> Drill:
    """Put a drill on the school's calendar."""
    _require_manage(user, school)
    protocol = _clean_protocol(protocol)
    kind = _clean_kind(kind, protocol)
    note = _clean_text(note, "note", MAX_NOTE)
    moment = _clean_moment(scheduled_for, "scheduled_for")
    now = timezone.now()
    if timezone.localdate(moment) < timezone.localdate(now):
        raise ValidationError(
            {"scheduled_for": _("That day has passed: log a drill already run instead.")}
        )
    if moment > now + MAX_AHEAD:
        raise ValidationError({"scheduled_for": _("Schedule at most two years ahead.")})
    with transaction.atomic():
        drill = Drill.objects.create(
            school=school,
            protocol=protocol,
            kind=kind,
            scheduled_for=moment,
            note=note,
            created_by=user,
        )
        audit.record(
            user,
            "drill.schedule",
            drill,
            detail={"protocol": protocol, "kind": kind},
            school_id=school.pk,
        )
    return drill


def start(user: User, drill: Drill) -> Incident:
    """Run the drill now: raise its DRILL incident at the school (every staff device is alerted,
    marked DRILL) and link it to the drill."""
    _require_manage(user, drill.school_id)
    with transaction.atomic():
        drill = (
            Drill.objects.select_for_update(of=("self",)).select_related("school").get(pk=drill.pk)
        )
        if drill.started_at is not None or drill.logged_at is not None:
            raise ValidationError({"drill": _("This drill has already been run.")})
        incident = services.raise_incident(
            user,
            drill.school,
            drill.protocol,
            drill=True,
            note=drill.note or type_label(drill.protocol, drill.kind),
            via="drill",
        )
        drill.incident = incident
        drill.started_at = incident.raised_at
        drill.save(update_fields=["incident", "started_at"])
        audit.record(
            user, "drill.start", drill, detail={"incident": incident.pk}, school_id=drill.school_id
        )
    return incident


def log(
    user: User,
    drill: Drill,
    *,
    started_at: Any = None,
    ended_at: Any = None,
    participants: Any = None,
    issues: str = "",
) -> Drill:
    """Record how the drill went: when it started and ended, how many took part and what went
    wrong. A drill run through Haven defaults to its incident's times; logging a drill whose
    incident is still in effect declares it all clear. Logging again corrects the log."""
    _require_manage(user, drill.school_id)
    with transaction.atomic():
        drill = (
            Drill.objects.select_for_update(of=("self",))
            .select_related("school", "incident")
            .get(pk=drill.pk)
        )
        incident = drill.incident
        if incident is not None and incident.active:
            incident = services.declare_all_clear(user, incident, message=_("Drill over."))
        if started_at is None:
            started_at = drill.started_at or (incident.raised_at if incident else None)
        if ended_at is None:
            ended_at = drill.ended_at or (incident.all_clear_at if incident else None)
        start_at, end_at, count, issues = _clean_run(started_at, ended_at, participants, issues)
        corrected = drill.logged_at is not None
        drill.started_at, drill.ended_at = start_at, end_at
        drill.participants, drill.issues = count, issues
        drill.logged_at, drill.logged_by = timezone.now(), user
        drill.save()
        audit.record(
            user,
            "drill.log",
            drill,
            detail={"corrected": corrected, "off_system": drill.off_system},
            school_id=drill.school_id,
        )
    return drill


def log_off_system(
    user: User,
    school: School,
    protocol: str,
    *,
    started_at: Any,
    ended_at: Any,
    kind: str = "",
    participants: Any = None,
    issues: str = "",
    note: str = "",
) -> Drill:
    """Log a drill that was run without Haven (nothing was raised here)."""
    _require_manage(user, school)
    protocol = _clean_protocol(protocol)
    kind = _clean_kind(kind, protocol)
    note = _clean_text(note, "note", MAX_NOTE)
    start_at, end_at, count, issues = _clean_run(started_at, ended_at, participants, issues)
    with transaction.atomic():
        drill = Drill.objects.create(
            school=school,
            protocol=protocol,
            kind=kind,
            scheduled_for=start_at,
            note=note,
            started_at=start_at,
            ended_at=end_at,
            participants=count,
            issues=issues,
            off_system=True,
            created_by=user,
            logged_by=user,
            logged_at=timezone.now(),
        )
        audit.record(
            user,
            "drill.log",
            drill,
            detail={"corrected": False, "off_system": True},
            school_id=school.pk,
        )
    return drill


def cancel(user: User, drill: Drill) -> None:
    """Take a drill that has not been run off the calendar."""
    _require_manage(user, drill.school_id)
    with transaction.atomic():
        drill = Drill.objects.select_for_update().get(pk=drill.pk)
        if drill.started_at is not None or drill.logged_at is not None:
            raise ValidationError({"drill": _("A drill that has been run stays in the log.")})
        audit.record(
            user,
            "drill.cancel",
            drill,
            detail={"protocol": drill.protocol},
            school_id=drill.school_id,
        )
        drill.delete()


# --- iCalendar -----------------------------------------------------------------------------------


def calendar(school: School, drills: Iterable[Drill]) -> bytes:
    """The school's drills as an iCalendar feed: one event per drill, a stable UID, times in UTC."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Haven//Drills//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _("Drills — %(school)s") % {"school": school.name})
    for drill in drills:
        cal.add_component(_event(school, drill))
    return cal.to_ical()


def _event(school: School, drill: Drill) -> icalendar.Event:
    start_at = when(drill).astimezone(dt.UTC)
    end_at = (drill.ended_at or (when(drill) + DEFAULT_LENGTH)).astimezone(dt.UTC)
    status = drill_status(drill)
    event = icalendar.Event()
    event.add("uid", f"drill-{drill.pk}@{school.slug}.haven")
    event.add("dtstamp", (drill.logged_at or drill.created_at).astimezone(dt.UTC))
    event.add("dtstart", start_at)
    event.add("dtend", end_at)
    event.add(
        "summary",
        _("%(type)s drill — %(school)s")
        % {"type": type_label(drill.protocol, drill.kind), "school": school.name},
    )
    lines = [_("Status: %(status)s") % {"status": status_label(status)}]
    if drill.note:
        lines.append(drill.note)
    if drill.participants is not None:
        lines.append(_("Participants: %(n)d") % {"n": drill.participants})
    if drill.off_system:
        lines.append(_("Logged without Haven."))
    event.add("description", "\n".join(lines))
    event.add("categories", ["DRILL", drill.protocol.upper()])
    event.add("status", "CONFIRMED")
    return event
