"""The demo district's emergencies: this school year's drills at both schools (done, scheduled
ahead, one overdue), the district's own drill policy, and one past incident at Northside with its
whole timeline — a Secure that became a Lockdown, updates, acknowledgements, deliveries, a roll
call of every class, students released to their guardians, then the all clear.

The past is written as it happened (times in the past), so rows are made directly rather than
through the services, which stamp "now". Deterministic and idempotent: each drill is keyed by its
school and note, the incident by its school and note; dates are relative to the day it first runs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from haven.accounts.models import User
from haven.core.models import District, GuardianLink, School, Section
from haven.emergencies.alerts import audience, services
from haven.emergencies.alerts.payload import payload_for
from haven.emergencies.drills import services as drills
from haven.emergencies.models import (
    Acknowledgement,
    Alert,
    Delivery,
    Drill,
    DrillPolicy,
    DrillRequirement,
    Incident,
    IncidentEvent,
    Release,
    RollCall,
    RollCallEntry,
)

POLICY_NOTE = "Demo Unified board policy (demo data, not any state's law)"

#: (protocol, kind, per year): the demo district's own policy.
REQUIREMENTS = [
    ("lockdown", "", 2),
    ("evacuate", "fire", 4),
    ("shelter", "tornado", 2),
    ("secure", "", 1),
    ("hold", "", 1),
]

#: (school, protocol, kind, when, note, run): ``when`` is a fraction of the school year elapsed so
#: far (a float, for drills already run) or days from today (an int, for drills not run yet);
#: ``run`` is (minutes, participants, issues, through Haven?) for drills already run.
DRILLS: list[tuple[str, str, str, float | int, str, tuple[int, int, str, bool] | None]] = [
    ("northside-high", "evacuate", "fire", 0.08, "First fire drill of the year",
     (9, 1214, "Two east-wing classrooms did not hear the alarm over the HVAC.", True)),
    ("northside-high", "lockdown", "", 0.35, "Lockdown drill, second period",
     (14, 1187, "Room 114 door did not latch; blinds missing in portable 3.", True)),
    ("northside-high", "evacuate", "fire", 0.55, "Fire marshal's walk-through (alarm pulled by "
     "the office)", (11, 1201, "", False)),
    ("northside-high", "shelter", "tornado", 0.8, "Tornado drill with the county",
     (18, 1176, "Gym bleachers slow to clear; use the locker-room corridor next time.", True)),
    ("northside-high", "secure", "", -3, "Secure drill with the front office", None),
    ("northside-high", "evacuate", "fire", 9, "Fire drill, lunch period", None),
    ("northside-high", "lockdown", "", 40, "Second lockdown drill (announced to staff only)",
     None),
    ("northside-high", "hold", "", 61, "Hold drill, passing period", None),
    ("riverside-middle", "evacuate", "fire", 0.1, "First fire drill of the year",
     (8, 612, "", True)),
    ("riverside-middle", "lockdown", "", 0.45, "Lockdown drill, third period",
     (12, 598, "Substitute in room 21 had no key: add keys to sub folders.", True)),
    ("riverside-middle", "evacuate", "fire", 0.75, "Fire drill with the fire department",
     (10, 605, "", False)),
    ("riverside-middle", "shelter", "tornado", 14, "Tornado drill", None),
    ("riverside-middle", "evacuate", "fire", 30, "Fire drill, after lunch", None),
]  # fmt: skip

INCIDENT_NOTE = "Police activity on Elm Street, two blocks north of campus."


def load(district: District) -> dict[str, int]:
    """Add what is missing; returns the demo schools' drill and incident counts."""
    schools = {s.slug: s for s in School.objects.filter(district=district)}
    users = {u.username: u for u in User.objects.filter(is_demo=True)}
    if not schools or not {"principal", "sro", "principal2", "frontdesk"} <= set(users):
        return {"drills": 0, "incidents": 0}  # the core demo has not made its people yet
    with transaction.atomic():
        _load_policy(district)
        today = timezone.localdate()
        start_month = drills.year_start_month(district)
        first, _after = drills.year_bounds(drills.school_year_of(today, start_month), start_month)
        for slug, protocol, kind, when, note, run in DRILLS:
            school = schools.get(slug)
            if school is not None:
                commander = users["principal" if slug == "northside-high" else "principal2"]
                _load_drill(school, commander, protocol, kind, when, note, run, first, today)
        northside = schools.get("northside-high")
        if northside is not None:
            _load_incident(northside, users, today)
    return {
        "drills": Drill.objects.filter(school__in=schools.values()).count(),
        "incidents": Incident.objects.filter(district=district, drill=False).count(),
    }


def _load_policy(district: District) -> None:
    DrillPolicy.objects.get_or_create(district=district, defaults={"year_starts": 8})
    for protocol, kind, per_year in REQUIREMENTS:
        DrillRequirement.objects.get_or_create(
            district=district,
            jurisdiction="",
            protocol=protocol,
            kind=kind,
            defaults={"per_year": per_year, "note": POLICY_NOTE, "source": POLICY_NOTE},
        )


def _moment(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def _weekday(day: dt.date) -> dt.date:
    """The school day on or before ``day``."""
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def _load_drill(
    school: School,
    commander: Any,
    protocol: str,
    kind: str,
    when: float | int,
    note: str,
    run: tuple[int, int, str, bool] | None,
    first: dt.date,
    today: dt.date,
) -> None:
    if Drill.objects.filter(school=school, note=note).exists():
        return
    if isinstance(when, float):
        elapsed = max((today - first).days - 1, 1)
        day = _weekday(first + dt.timedelta(days=max(1, round(elapsed * when))))
        day = min(day, _weekday(today - dt.timedelta(days=1)))
    else:
        day = today + dt.timedelta(days=when)
        if when < 0:
            day = _weekday(day)
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
    scheduled = _moment(day, 10, 15)
    drill = Drill(
        school=school,
        protocol=protocol,
        kind=kind,
        scheduled_for=scheduled,
        note=note,
        created_by=commander,
        created_at=scheduled - dt.timedelta(days=21),
    )
    if run is not None:
        minutes, participants, issues, through_haven = run
        started = scheduled + dt.timedelta(minutes=2)
        ended = started + dt.timedelta(minutes=minutes)
        drill.started_at, drill.ended_at = started, ended
        drill.participants = participants
        drill.issues = issues
        drill.off_system = not through_haven
        drill.logged_by = commander
        drill.logged_at = ended + dt.timedelta(minutes=25)
        if through_haven:
            drill.incident = _past_drill_incident(school, commander, drill, started, ended)
    drill.save()


def _past_drill_incident(
    school: School, commander: Any, drill: Drill, started: dt.datetime, ended: dt.datetime
) -> Incident:
    incident = Incident.objects.create(
        district_id=school.district_id,
        school=school,
        protocol=drill.protocol,
        drill=True,
        note=drill.note,
        raised_by=commander,
        raised_at=started,
        status=Incident.Status.ALL_CLEAR,
        all_clear_at=ended,
        all_clear_by=commander,
    )
    IncidentEvent.objects.bulk_create(
        [
            IncidentEvent(
                incident=incident,
                kind=IncidentEvent.Kind.RAISED,
                actor=commander,
                at=started,
                data={
                    "protocol": drill.protocol,
                    "drill": True,
                    "note": drill.note,
                    "via": "drill",
                },
            ),
            IncidentEvent(
                incident=incident,
                kind=IncidentEvent.Kind.ALL_CLEAR,
                actor=commander,
                at=ended,
                data={"message": "Drill over."},
            ),
        ]
    )
    return incident


# --- the past incident ---------------------------------------------------------------------------


def _load_incident(school: School, users: dict[str, Any], today: dt.date) -> None:
    if Incident.objects.filter(school=school, drill=False, note=INCIDENT_NOTE).exists():
        return
    sro, principal, frontdesk = users["sro"], users["principal"], users["frontdesk"]
    t0 = _moment(_weekday(today - dt.timedelta(days=12)), 10, 42)

    def at(minutes: float) -> dt.datetime:
        return t0 + dt.timedelta(seconds=round(minutes * 60))

    incident = Incident.objects.create(
        district_id=school.district_id,
        school=school,
        protocol="secure",
        note=INCIDENT_NOTE,
        raised_by=sro,
        raised_at=t0,
        status=Incident.Status.ALL_CLEAR,
        all_clear_at=at(82),
        all_clear_by=principal,
    )
    recipients = list(audience.recipients(incident).order_by("pk"))
    events: list[IncidentEvent] = []

    def event(minutes: float, kind: str, actor: User, **data: Any) -> None:
        events.append(
            IncidentEvent(incident=incident, kind=kind, actor=actor, at=at(minutes), data=data)
        )

    event(0, "raised", sro, protocol="secure", drill=False, note=INCIDENT_NOTE, via="page")
    _alert(incident, school, "raised", at(0), "secure", "", recipients)
    # Everyone but the volunteer coordinator (off site that morning) acknowledges.
    acks = [u for u in recipients if u.username != "coordinator"]
    for n, user in enumerate(acks):
        moment = at(0.3 + n * 0.35)
        Acknowledgement.objects.create(incident=incident, user=user, at=moment, via="page")
        event(0.3 + n * 0.35, "ack", user, via="page")
    lockdown_message = "Suspect reported inside the building near the gym. LOCKDOWN."
    event(4.2, "protocol_changed", sro, **{"from": "secure"}, protocol="lockdown",
          message=lockdown_message)  # fmt: skip
    _alert(incident, school, "protocol_changed", at(4.2), "lockdown", lockdown_message, recipients)
    for n, (section, reporter) in enumerate(_sections(school, users)):
        counts = _roll_call(incident, section, reporter, at(6 + n * 0.9), injured=n == 2)
        event(6 + n * 0.9, "roll_call", reporter, section=section.pk, section_title=section.title,
              reporter_status="safe", counts=counts, corrected=False, via="page")  # fmt: skip
    update = "Police are clearing the building room by room. Stay in lockdown."
    event(19, "update", principal, **{"from": "lockdown"}, protocol="lockdown", message=update)
    _alert(incident, school, "update", at(19), "lockdown", update, recipients)
    secure_message = (
        "Building cleared; suspect detained off campus. Back to SECURE: classes resume inside, "
        "parents may collect students at the front office."
    )
    event(38, "protocol_changed", principal, **{"from": "lockdown"}, protocol="secure",
          message=secure_message)  # fmt: skip
    _alert(incident, school, "protocol_changed", at(38), "secure", secure_message, recipients)
    for n, release in enumerate(_releases(incident, school, frontdesk, at(44))):
        event(44 + n * 6.5, "release", frontdesk, release=release.pk,
              student=release.student_id, via="page")  # fmt: skip
    clear = "All clear. Normal schedule resumes with fourth period."
    event(82, "all_clear", principal, message=clear)
    _alert(incident, school, "all_clear", at(82), "secure", clear, recipients)
    IncidentEvent.objects.bulk_create(sorted(events, key=lambda e: e.at))


def _alert(
    incident: Incident,
    school: School,
    kind: str,
    when: dt.datetime,
    protocol: str,
    message: str,
    recipients: list[Any],
) -> None:
    incident.protocol = protocol
    data = payload_for(incident, kind, school, message)
    data["sent_at"] = when.isoformat()
    data["status"] = "all_clear" if kind == "all_clear" else "active"
    sequence = services._next_sequence(school)
    data["alert"] = sequence
    alert = Alert.objects.create(
        incident=incident, school=school, kind=kind, sequence=sequence, sent_at=when, payload=data
    )
    rows = []
    for n, user in enumerate(recipients):
        reached = user.username != "coordinator"
        rows.append(
            Delivery(
                alert=alert,
                channel=Delivery.Channel.STREAM if reached else Delivery.Channel.EMAIL,
                user=user,
                status=Delivery.Status.DELIVERED,
                attempts=1,
                created_at=when,
                delivered_at=when + dt.timedelta(seconds=1 + n % 3),
            )
        )
    Delivery.objects.bulk_create(rows)


def _sections(school: School, users: dict[str, Any]) -> list[tuple[Section, Any]]:
    """Every class of the school, with who reported it: its teacher where they have a sign-in,
    else the principal for them (incident command may report any class)."""
    found = []
    for section in Section.objects.filter(school=school).order_by("sourced_id"):
        teacher = next(
            (u for u in User.objects.filter(staff__sections=section, is_active=True)), None
        )
        found.append((section, teacher or users["principal"]))
    return found


def _roll_call(
    incident: Incident, section: Section, reporter: Any, when: dt.datetime, *, injured: bool
) -> dict[str, int]:
    roll_call = RollCall.objects.create(
        incident=incident,
        section=section,
        reported_by=reporter,
        reporter_status=RollCall.ReporterStatus.SAFE,
        submitted_at=when,
    )
    students = list(section.students.order_by("sourced_id"))
    entries = []
    counts = {status: 0 for status in RollCallEntry.Status.values}
    for n, student in enumerate(students):
        status = RollCallEntry.Status.PRESENT
        note = ""
        if injured and n == 0:
            status = RollCallEntry.Status.INJURED
            note = "Twisted an ankle moving to the corner; the nurse came after the lockdown."
        entries.append(
            RollCallEntry(roll_call=roll_call, student=student, status=status, note=note)
        )
        counts[status] += 1
    RollCallEntry.objects.bulk_create(entries)
    return counts


def _releases(incident: Incident, school: School, clerk: Any, start: dt.datetime) -> list[Release]:
    """Four students collected by a parent allowed to pick them up."""
    links = (
        GuardianLink.objects.filter(
            student__school=school, can_pick_up=True, custody_restriction=False
        )
        .filter(~Q(relationship=GuardianLink.Relationship.EMERGENCY_CONTACT))
        .select_related("guardian", "student")
        .order_by("student__sourced_id")
    )
    done: list[Release] = []
    seen: set[int] = set()
    for link in links[:40:9]:
        if link.student_id in seen:
            continue
        seen.add(link.student_id)
        done.append(
            Release.objects.create(
                incident=incident,
                student=link.student,
                guardian=link.guardian,
                adult_name=link.guardian.full_name,
                released_by=clerk,
                released_at=start + dt.timedelta(minutes=6.5 * len(done)),
            )
        )
        if len(done) == 4:
            break
    return done
