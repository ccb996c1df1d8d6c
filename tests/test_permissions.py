"""The permission table: every page and API endpoint, tried as anonymous, as an outsider from the
other school, as members of the school without the right, and as a member with it.

Nothing here is typed call by call. Each route states who may use it — a rule over the permissions
of docs/access.md (parsed below, and pinned against ``ROLE_PERMS``), the school and, for cases,
the team and the compartment — and the expected answer of every call is computed from that rule
and the cast of tests/conftest.py. docs/access.md ("The permission table") describes the format.

A route missing from the table fails the suite, so a new view or API endpoint cannot ship without
saying who may reach it. A row whose rule gives the same answer to the outsider, the member without
the right and the member with it fails too, unless the route says why it is open to everyone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from haven.access.policy import ROLE_PERMS, Perm
from tests.cases.test_permission_matrix import ENDPOINTS as CASE_MATRIX
from tests.conftest import signed_in
from tests.emergencies.test_drills import world_drill
from tests.emergencies.test_reunification import world_reunification_request
from tests.emergencies.world import incident as _incident
from tests.triage.world import signal as _signal
from tests.visitors.test_pages import world_entry, world_expected, world_kiosk, world_visit
from tests.volunteers.world import world_opportunity, world_signup, world_volunteer

World = dict[str, Any]
NORTHSIDE, RIVERSIDE = "northside-high", "riverside-middle"
ACCESS_MD = Path(__file__).resolve().parent.parent / "docs" / "access.md"

# --- the written spec: roles, and who is who ------------------------------------------------------


def read_access_table(text: str) -> dict[str, frozenset[str]]:
    """docs/access.md's table as {role: permissions}: a header row of roles in backticks, then one
    row per permission (its name in backticks) with ✓ where the role holds it and · where not."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| Permission |"))
    header, rows = lines[start], []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(line)
    roles = re.findall(r"`([a-z_]+)`", header)
    table: dict[str, set[str]] = {role: set() for role in roles}
    for row in rows:
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        perm = cells[0].strip("`")
        marks = cells[1 : 1 + len(roles)]
        assert all(mark in ("✓", "·") for mark in marks), f"row {perm}: use ✓ or · in {marks}"
        for role, mark in zip(roles, marks, strict=True):
            if mark == "✓":
                table[role].add(perm)
    return {role: frozenset(perms) for role, perms in table.items()}


ROLES = read_access_table(ACCESS_MD.read_text(encoding="utf-8"))

#: The people of tests/conftest.py: their role and where they hold it (None: district-wide).
#: All of them are in one district, so a district-wide role reaches both schools.
CAST: dict[str, tuple[str | None, str | None]] = {
    "principal": ("school_admin", NORTHSIDE),
    "counselor": ("counselor", NORTHSIDE),
    "sro": ("sro", NORTHSIDE),
    "teacher": ("staff", NORTHSIDE),
    "frontdesk": ("front_desk", NORTHSIDE),
    "coordinator": ("volunteer_coordinator", NORTHSIDE),
    "team_member": ("safety_team", NORTHSIDE),
    "outsider": ("counselor", RIVERSIDE),
    "principal2": ("school_admin", RIVERSIDE),
    "admin": ("district_admin", None),
    "auditor": ("auditor", None),
    "nobody": (None, None),
}
#: Northside's members, in the order a member "with" and "without" the right are picked.
MEMBERS = [
    "teacher",
    "frontdesk",
    "coordinator",
    "team_member",
    "counselor",
    "sro",
    "principal",
    "auditor",
    "admin",
]
#: The Northside case of the table (made by ``_case``) has this team; the teacher teaches the
#: class of the table (English 10).
CASE_TEAM = {"principal", "counselor", "sro"}
TEACHES_ENGLISH = {"teacher"}


def holds(person: str, perm: Perm, school: str | None) -> bool:
    """Does ``person`` hold ``perm`` at ``school`` (None: anywhere)? From the spec, not the code."""
    role, where = CAST[person]
    if role is None or perm.value not in ROLES[role]:
        return False
    return school is None or where is None or where == school


@dataclass(frozen=True)
class Rule:
    """Who may: a test of a person at a school (None: at any school of theirs)."""

    test: Callable[[str, str | None], bool]
    label: str

    def __call__(self, person: str, school: str | None = NORTHSIDE) -> bool:
        return self.test(person, school)

    def __or__(self, other: Rule) -> Rule:
        return Rule(lambda p, s: self(p, s) or other(p, s), f"({self.label} or {other.label})")

    def __and__(self, other: Rule) -> Rule:
        return Rule(lambda p, s: self(p, s) and other(p, s), f"({self.label} and {other.label})")

    def __invert__(self) -> Rule:
        return Rule(lambda p, s: not self(p, s), f"not {self.label}")


def perm(p: Perm) -> Rule:
    return Rule(lambda person, school: holds(person, p, school), p.value)


def district_wide(p: Perm) -> Rule:
    """Holds ``p`` across the district (a role without a school)."""
    return Rule(lambda person, school: holds(person, p, None) and CAST[person][1] is None, p.value)


def among(names: set[str], label: str) -> Rule:
    """Named people (a case's team, a class's teacher), at the school they are in."""
    return Rule(lambda person, school: person in names and school in (None, NORTHSIDE), label)


#: Anyone with a role at Northside (there, or district-wide).
AT_NORTHSIDE = Rule(
    lambda person, school: CAST[person][0] is not None and CAST[person][1] in (None, school),
    "a role at the school",
)
#: Anyone signed in, whatever their role: only for routes open to every account (say why).
SIGNED_IN = Rule(lambda person, school: True, "anyone signed in")

# The rules of the areas, as docs/access.md and the threat model state them.
ROSTER = perm(Perm.ROSTER_VIEW)
TIPS = perm(Perm.TIPS_VIEW)
RECEIVE = perm(Perm.EMERGENCY_RECEIVE)
COMMAND = perm(Perm.EMERGENCY_COMMAND)
REUNIFY = perm(Perm.GUARDIANS_VIEW) | COMMAND
VISITS = perm(Perm.VISITORS_MANAGE) | perm(Perm.SCREENING_VIEW)
VOLUNTEERS = perm(Perm.VOLUNTEERS_MANAGE)
REVIEW = perm(Perm.TRIAGE_REVIEW)
#: A Northside case: every case of the school (cases.school), or its team (cases.team + on it).
CASE = perm(Perm.CASES_SCHOOL) | (perm(Perm.CASES_TEAM) & among(CASE_TEAM, "on the case's team"))
CLINICAL = CASE & perm(Perm.CASES_CLINICAL)
#: A high-urgency signal that is not sensitive: its reviewers, and the school's case team.
SIGNAL = REVIEW | perm(Perm.CASES_SCHOOL)
#: Training: every staff role takes the modules; the school's administrators oversee them; a
#: learner's own attempt, certificate and uploaded certificate are theirs (the teacher's here).
TAKE = perm(Perm.TRAINING_TAKE)
OVERSEE = perm(Perm.TRAINING_OVERSEE)
LEARNER = among({"teacher"}, "the learner themselves")
#: Reports: aggregate figures of a school, its administrators (district-wide: every school).
REPORTS = perm(Perm.REPORTS_TIPS)


@dataclass(frozen=True)
class Route:
    """One route's row of the spec.

    ``may`` decides: who it holds for at Northside gets ``ok``. Everyone else gets 403 when
    ``sees`` holds for them (they see the record, and may not do this), else ``denied`` (404: the
    record is not theirs). A route that is not about one Northside record (a list, a form for a new
    record) is ``own_school``: whoever ``may`` at any school of theirs gets ``ok``, and ``shows``
    says whether the answer shows the Northside record — it must exactly when ``may`` holds at
    Northside, whatever the status. ``everyone`` says why a route is the same for every account.
    """

    url: Callable[[World], str]
    may: Rule
    method: str = "get"
    ok: int = 200
    body: Callable[[World], Any] | None = None
    sees: Rule | None = None
    denied: int = 404
    own_school: bool = False
    shows: Callable[[World, Any], bool] | None = None
    api: bool = False
    everyone: str = ""
    #: Why a list the outsider reads shows nothing of Northside's: content shared by every school.
    shared: str = ""
    form: dict[str, Any] | Callable[[World], dict[str, Any]] = field(
        default_factory=lambda: {"next": "/"}
    )

    def expect(self, person: str) -> int:
        if self.may(person, NORTHSIDE) or (self.own_school and self.may(person, None)):
            return self.ok
        if self.sees is not None and self.sees(person, NORTHSIDE):
            return 403
        return self.denied

    def shown_to(self, person: str) -> bool:
        return self.may(person, NORTHSIDE)

    def answer(self, person: str) -> tuple[int, bool | None]:
        return (self.expect(person), self.shown_to(person) if self.shows else None)


def member_with(route: Route) -> str:
    return next(p for p in MEMBERS if route.may(p, NORTHSIDE))


def members_without(route: Route) -> list[str]:
    """Up to two Northside members the rule refuses: one who sees the record (403) and one who
    does not, when there are such people."""
    refused = [p for p in MEMBERS if not route.may(p, NORTHSIDE)]
    picked: list[str] = []
    for wanted in (403, route.denied):
        person = next((p for p in refused if route.expect(p) == wanted), None)
        if person is not None and person not in picked:
            picked.append(person)
    return picked


def page(url: Callable[[World], str], may: Rule, method: str = "get", ok: int = 200, **kw: Any):
    return Route(url, may, method, ok, **kw)


def api(url: Callable[[World], str], may: Rule, method: str = "get", ok: int = 200, **kw: Any):
    return Route(url, may, method, ok, api=True, **kw)


def _rows(key: Callable[[World], Any]) -> Callable[[World, Any], bool]:
    """An API list shows the record when one of its rows has its id."""
    return lambda world, response: key(world) in {row["id"] for row in response.json()}


def _text(text: Callable[[World], str]) -> Callable[[World, Any], bool]:
    return lambda world, response: text(world) in response.content.decode()


# --- the records the routes are tried on (made once per test) -------------------------------------


def _student(world: World) -> str:
    return str(world["maya"].pk)


def _section(world: World) -> str:
    return str(world["english"].pk)


def _tip(world: World) -> Any:
    """A tip at Northside with one attached picture."""
    if "tip" not in world:
        import io

        from django.core.files.uploadedfile import SimpleUploadedFile
        from PIL import Image

        from haven.tips import services

        picture = io.BytesIO()
        Image.new("RGB", (4, 4), "red").save(picture, format="PNG")
        world["tip"], _ = services.submit(
            services.TipInput(
                category="bullying",
                description="Someone keeps pushing a kid in the hallway.",
                school=NORTHSIDE,
                files=[SimpleUploadedFile("p.png", picture.getvalue())],
            )
        )
    return world["tip"]


def _training_type(world: World) -> int:
    """A training the district asks of its volunteers."""
    if "training_type" not in world:
        from haven.volunteers.models import TrainingType

        world["training_type"] = TrainingType.objects.create(
            district=world["maya"].school.district, name="Mandated reporter"
        )
    return world["training_type"].pk


def _training(world: World) -> World:
    """The shipped training modules, the pathway module required of the whole district, the
    teacher's passed post-test (an attempt and a completion) and an external certificate."""
    if "training" not in world:
        import datetime as dt

        from django.core.files.uploadedfile import SimpleUploadedFile

        from haven.training import content, services
        from haven.training.models import Assignment, Requirement
        from tests.training.test_status import _pdf
        from tests.training.world import answers

        module = {m.slug: m for m in content.load_folder(content.SHIPPED)}["pathway-to-violence"]
        district = world["maya"].school.district
        Requirement.objects.create(
            district=district,
            name="Pathway",
            module=module,
            due=Requirement.Due.FIXED,
            due_on=dt.date(2027, 3, 1),
        )
        services.sync_assignments(district)
        teacher = world["teacher"]
        attempt, completion = services.submit(teacher, module, "post", answers(module))
        cert = services.add_certificate(
            teacher,
            teacher,
            kind="qpr",
            issuer="QPR Institute",
            issued_on=dt.date(2026, 1, 1),
            expires_on=None,
            upload=SimpleUploadedFile("cert.pdf", _pdf()),
        )
        world["training"] = {
            "module": module,
            "answers": answers(module, "pre"),
            "attempt": attempt,
            "completion": completion,
            "cert": cert,
            "assignment": Assignment.objects.get(user=teacher, school__slug=NORTHSIDE),
        }
    return world["training"]


def _in_training(path: str | Callable[[World], str]) -> Callable[[World], str]:
    """A training URL, once the training of the table exists."""
    return lambda w: (_training(w), path if isinstance(path, str) else path(w))[1]


def _extend_form(world: World) -> dict[str, str]:
    import datetime as dt

    return {"due": (timezone.localdate() + dt.timedelta(days=60)).isoformat(), "reason": "Leave"}


def _attendance_form(world: World) -> dict[str, Any]:

    return {
        "school": NORTHSIDE,
        "module": "standard-response-protocol",
        "on": timezone.localdate().isoformat(),
        "people": [world["teacher"].pk],
    }


def _case(world: World, part: str | Callable[[World], str] = "") -> str:
    """/cases/<id>/<part> for a Northside case about Maya (its team: CASE_TEAM) with a CSTAG
    assessment started."""
    if "case" not in world:
        from haven.cases import services as cases

        world["case"] = cases.open_case(
            world["principal"],
            school=world["maya"].school,
            type="threat",
            student=world["maya"],
            team=[world[name] for name in sorted(CASE_TEAM)],
        )
        world["assessment"] = cases.start_assessment(world["principal"], world["case"])
    return f"/cases/{world['case'].pk}/{part(world) if callable(part) else part}"


def _case_document(world: World) -> str:
    """A text document in the team record of the Northside case."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from haven.cases import services as cases

    _case(world)
    document = cases.add_document(
        world["principal"], world["case"], "team", SimpleUploadedFile("n.txt", b"Minutes.")
    )
    return _case(world, f"documents/{document.pk}/")


def _assessment(world: World, part: str | Callable[[World], str] = "") -> str:
    _case(world)
    tail = part(world) if callable(part) else part
    return _case(world, f"assessments/{world['assessment'].pk}/{tail}")


def _tip_url(world: World, action: str = "") -> str:
    return f"/tips/{_tip(world).pk}/{action}"


def _tip_file(world: World) -> str:
    return _tip_url(world, f"files/{_tip(world).attachments.get().token}/")


def _incident_url(world: World, part: str = "") -> str:
    return f"/emergencies/{_incident(world)}/{part}"


def _api_incident(world: World, part: str = "") -> str:
    return f"/api/v1/incidents/{_incident(world)}{part}"


def _made(make: Callable[[World], Any], path: str) -> Callable[[World], str]:
    """``path``, once ``make`` has made the record a list is checked for."""
    return lambda world: (make(world), path)[1]


def _id(make: Callable[[World], Any]) -> Callable[[World], int]:
    def key(world: World) -> int:
        made = make(world)
        return int(getattr(made, "pk", made))

    return key


def _barcode() -> str:
    from tests.visitors.test_aamva import VA

    return str(VA)


# --- the spec -------------------------------------------------------------------------------------

PAGES: dict[str, Route] = {
    "home": page(lambda w: "/", SIGNED_IN, everyone="every account's home page"),
    "core:students": page(
        lambda w: "/roster/students/", ROSTER, own_school=True, shows=_text(lambda w: "Maya")
    ),
    "core:student": page(lambda w: f"/roster/students/{_student(w)}/", ROSTER),
    "core:sections": page(
        lambda w: "/roster/classes/", ROSTER, own_school=True, shows=_text(lambda w: "English 10")
    ),
    "core:section": page(lambda w: f"/roster/classes/{_section(w)}/", ROSTER),
    "audit:log": page(lambda w: "/audit/", perm(Perm.AUDIT_VIEW), own_school=True),
    "notify:inbox": page(lambda w: "/notifications/", SIGNED_IN, everyone="one's own inbox"),
    "notify:unread": page(
        lambda w: "/notifications/unread.json", SIGNED_IN, everyone="one's own inbox"
    ),
    "notify:mark_read": page(
        lambda w: "/notifications/read/", SIGNED_IN, "post", 302, everyone="one's own inbox"
    ),
    "accounts:switch_school": page(
        lambda w: "/accounts/school/", SIGNED_IN, "post", 302, everyone="one's own session"
    ),
    "accounts:logout": page(
        lambda w: "/accounts/sign-out/", SIGNED_IN, "post", 302, everyone="one's own session"
    ),
    # The district administrator's people page: enrolment codes, resetting a lost authenticator.
    "accounts:people": page(
        lambda w: "/accounts/people/", perm(Perm.ACCOUNTS_MANAGE), own_school=True
    ),
    "accounts:enrol_code": page(
        lambda w: f"/accounts/people/{w['teacher'].pk}/enrolment-code/",
        perm(Perm.ACCOUNTS_MANAGE),
        "post",
    ),
    "accounts:reset_second_factor": page(
        lambda w: f"/accounts/people/{w['counselor'].pk}/reset/", perm(Perm.ACCOUNTS_MANAGE), "post"
    ),
    # Tips: the responders (tips.view); forms posted empty come back with their errors (200).
    "tips:inbox": page(lambda w: "/tips/", TIPS, own_school=True),
    "tips:detail": page(lambda w: _tip_url(w), TIPS),
    "tips:download": page(_tip_file, TIPS),
    "tips:acknowledge": page(lambda w: _tip_url(w, "acknowledge/"), TIPS, "post", 302),
    "tips:triaged": page(lambda w: _tip_url(w, "triaged/"), TIPS, "post", 302),
    "tips:close": page(lambda w: _tip_url(w, "close/"), TIPS, "post", 200),
    "tips:reopen": page(lambda w: _tip_url(w, "reopen/"), TIPS, "post", 302),
    "tips:message": page(lambda w: _tip_url(w, "message/"), TIPS, "post", 200),
    "tips:assign": page(lambda w: _tip_url(w, "assign/"), TIPS, "post", 302),
    "tips:link": page(lambda w: _tip_url(w, "link/"), TIPS, "post", 200),
    "tips:contact": page(lambda w: _tip_url(w, "contact/"), TIPS, "post", 200),
    # The tip's group (the same responders): acknowledged at once, or the form comes back.
    "tips:group_acknowledge": page(lambda w: _tip_url(w, "group/acknowledge/"), TIPS, "post", 302),
    "tips:group_message": page(lambda w: _tip_url(w, "group/message/"), TIPS, "post", 200),
    "tips:group_close": page(lambda w: _tip_url(w, "group/close/"), TIPS, "post", 200),
    "tips:group_merge": page(lambda w: _tip_url(w, "group/merge/"), TIPS, "post", 200),
    "tips:group_leave": page(lambda w: _tip_url(w, "group/leave/"), TIPS, "post", 302),
    # A legal hold: administrators (tips.legal_hold); a responder who sees the tip gets a 403.
    "tips:hold": page(
        lambda w: _tip_url(w, "hold/"), perm(Perm.LEGAL_HOLD), "post", 302, sees=TIPS
    ),
    # Emergencies: everyone who receives alerts sees the school's incidents; incident command
    # (emergency.command) changes them, and staff who see the incident get a 403.
    "emergencies:list": page(lambda w: "/emergencies/", RECEIVE, own_school=True),
    "emergencies:raise": page(
        lambda w: "/emergencies/raise/", perm(Perm.EMERGENCY_RAISE), own_school=True
    ),
    "emergencies:detail": page(lambda w: _incident_url(w), RECEIVE),
    "emergencies:cap": page(lambda w: _incident_url(w, "cap.xml"), RECEIVE),
    "emergencies:acknowledge": page(
        lambda w: _incident_url(w, "acknowledge/"), RECEIVE, "post", 302
    ),
    "emergencies:update": page(
        lambda w: _incident_url(w, "update/"), COMMAND, "post", 302, sees=RECEIVE
    ),
    "emergencies:all_clear": page(
        lambda w: _incident_url(w, "all-clear/"), COMMAND, "post", 302, sees=RECEIVE
    ),
    # Posted without a subscription: reached, and told what is missing.
    "emergencies:push_subscribe": page(
        lambda w: "/emergencies/push/subscribe", RECEIVE, "post", 422, own_school=True
    ),
    "emergencies:push_unsubscribe": page(
        lambda w: "/emergencies/push/unsubscribe", RECEIVE, "post", 422, own_school=True
    ),
    # Drills: every staff member sees the school's schedule; incident command schedules, starts
    # and logs them (the forms for a new drill are a 403 for anyone else).
    "emergencies:drills": page(lambda w: "/emergencies/drills/", RECEIVE, own_school=True),
    "emergencies:drill_schedule": page(
        lambda w: "/emergencies/drills/schedule/", COMMAND, own_school=True, denied=403
    ),
    "emergencies:drill_log_off_system": page(
        lambda w: "/emergencies/drills/log/", COMMAND, own_school=True, denied=403
    ),
    "emergencies:drill_compliance": page(
        lambda w: "/emergencies/drills/compliance/", COMMAND, own_school=True
    ),
    "emergencies:drill_calendar": page(
        lambda w: f"/emergencies/drills/calendar.ics?school={NORTHSIDE}", RECEIVE
    ),
    "emergencies:drill": page(world_drill, RECEIVE),
    "emergencies:drill_start": page(
        lambda w: world_drill(w, "start/"), COMMAND, "post", 302, sees=RECEIVE
    ),
    # Posted without its times: the drill's page comes back with the errors.
    "emergencies:drill_log": page(
        lambda w: world_drill(w, "log/"), COMMAND, "post", 200, sees=RECEIVE
    ),
    "emergencies:drill_cancel": page(
        lambda w: world_drill(w, "cancel/"), COMMAND, "post", 302, sees=RECEIVE
    ),
    # Reunification: everyone who sees the incident sees the board; checking adults in is for
    # staff who see guardians and incident command; a request (a guardian's) is hidden from others.
    "emergencies:reunification": page(lambda w: _incident_url(w, "reunification/"), RECEIVE),
    "emergencies:reunification_board": page(
        lambda w: _incident_url(w, "reunification/board.json"), RECEIVE
    ),
    "emergencies:reunification_check_in": page(
        lambda w: _incident_url(w, "reunification/check-in/"), REUNIFY, sees=RECEIVE
    ),
    "emergencies:reunification_request": page(world_reunification_request, REUNIFY),
    **{
        f"emergencies:reunification_{action}": page(
            lambda w, action=action: f"{world_reunification_request(w)}{action}/",
            REUNIFY,
            "post",
            302,
        )
        for action in ("runner", "release", "refuse")
    },
    # Roll call: a class's teacher and incident command report it; staff who see the incident
    # and do not teach the class get a 403.
    "emergencies:roll_call": page(lambda w: _incident_url(w, "roll-call/"), RECEIVE, ok=302),
    "emergencies:roll_call_section": page(
        lambda w: _incident_url(w, f"roll-call/{_section(w)}/"),
        COMMAND | (perm(Perm.ROLL_CALL) & among(TEACHES_ENGLISH, "teaches the class")),
        sees=RECEIVE,
    ),
    "emergencies:accountability": page(lambda w: _incident_url(w, "accountability/"), RECEIVE),
    "emergencies:accountability_json": page(
        lambda w: _incident_url(w, "accountability.json"), RECEIVE
    ),
    # Visitors during an incident: the office (visitors.manage) and incident command.
    "emergencies:visitors": page(
        lambda w: _incident_url(w, "visitors/"),
        perm(Perm.VISITORS_MANAGE) | COMMAND,
        sees=RECEIVE,
    ),
    # The after-action report: incident command.
    "emergencies:report_pdf": page(lambda w: _incident_url(w, "report.pdf"), COMMAND, sees=RECEIVE),
    "emergencies:report_csv": page(lambda w: _incident_url(w, "report.csv"), COMMAND, sees=RECEIVE),
    # Triage: the reviewers (triage.review) of each school; the case team sees the urgent ones.
    "triage:review": page(lambda w: "/triage/review/", REVIEW, own_school=True),
    "triage:team": page(lambda w: "/triage/team/", perm(Perm.CASES_SCHOOL), own_school=True),
    "triage:signal": page(lambda w: f"/triage/signals/{_signal(w)}/", SIGNAL),
    "triage:confirm": page(
        lambda w: f"/triage/signals/{_signal(w)}/confirm/", REVIEW, "post", 302, sees=SIGNAL
    ),
    "triage:dismiss": page(
        lambda w: f"/triage/signals/{_signal(w)}/dismiss/",
        REVIEW,
        "post",
        302,
        sees=SIGNAL,
        form={"reason": "lyrics"},
    ),
    "triage:quality": page(
        lambda w: "/triage/quality/", perm(Perm.TRIAGE_QUALITY), own_school=True
    ),
    "triage:settings": page(
        lambda w: "/triage/settings/", perm(Perm.TRIAGE_QUALITY), own_school=True
    ),
    # Server-sent events; under the test client the stream returns its catch-up and ends.
    "alert_stream": api(lambda w: f"/api/v1/alerts/stream?school={NORTHSIDE}", RECEIVE),
    # Visitors: the front desk, and who sees screenings (the school's administrators, the SRO).
    "visitors:on_site": page(lambda w: "/visitors/", VISITS, own_school=True),
    "visitors:check_in": page(
        lambda w: "/visitors/check-in/", perm(Perm.VISITORS_MANAGE), own_school=True
    ),
    "visitors:scan": page(lambda w: "/visitors/scan/", perm(Perm.VISITORS_MANAGE), own_school=True),
    "visitors:log": page(lambda w: "/visitors/log/", VISITS, own_school=True),
    "visitors:export": page(lambda w: "/visitors/log.csv", VISITS, own_school=True),
    "visitors:expected": page(
        lambda w: "/visitors/expected/", perm(Perm.VISITORS_MANAGE), own_school=True
    ),
    "visitors:expected_cancel": page(
        lambda w: f"/visitors/expected/{world_expected(w)}/cancel/",
        perm(Perm.VISITORS_MANAGE),
        "post",
        302,
    ),
    "visitors:watchlist": page(
        lambda w: "/visitors/watchlist/", perm(Perm.SCREENING_VIEW), own_school=True
    ),
    "visitors:watchlist_new": page(
        lambda w: "/visitors/watchlist/new/", perm(Perm.WATCHLIST_MANAGE), own_school=True
    ),
    "visitors:watchlist_edit": page(
        lambda w: f"/visitors/watchlist/{world_entry(w)}/",
        perm(Perm.WATCHLIST_MANAGE),
        sees=perm(Perm.SCREENING_VIEW),
    ),
    # The front desk's lobby kiosks (enrol, revoke); the kiosk's own pages are in PUBLIC.
    "visitors:kiosks": page(
        lambda w: "/visitors/kiosks/", perm(Perm.VISITORS_MANAGE), own_school=True
    ),
    "visitors:kiosk_revoke": page(
        lambda w: f"/visitors/kiosks/{world_kiosk(w)}/revoke/",
        perm(Perm.VISITORS_MANAGE),
        "post",
        302,
    ),
    "visitors:visit": page(lambda w: f"/visitors/{world_visit(w)}/", VISITS),
    "visitors:status": page(lambda w: f"/visitors/{world_visit(w)}/status/", VISITS),
    # A clear visit needs no decision: back to the visit with a message.
    "visitors:decide": page(
        lambda w: f"/visitors/{world_visit(w)}/decide/",
        perm(Perm.VISITORS_MANAGE) | perm(Perm.SCREENING_DECIDE),
        "post",
        302,
        sees=VISITS,
    ),
    "visitors:sign_out": page(
        lambda w: f"/visitors/{world_visit(w)}/sign-out/", VISITS, "post", 302
    ),
    "visitors:frequent": page(
        lambda w: f"/visitors/{world_visit(w)}/frequent/", VISITS, "post", 302
    ),
    "visitors:badge": page(lambda w: f"/visitors/{world_visit(w)}/badge.pdf", VISITS),
    "visitors:photo": page(lambda w: f"/visitors/{world_visit(w)}/photo.jpg", VISITS),
    # Volunteers: the coordinator's pages (volunteers.manage) for one eligible Northside
    # volunteer; a form posted empty comes back with its errors (400), one-button actions
    # redirect (302).
    "volunteers:list": page(
        _made(world_volunteer, "/volunteers/"),
        VOLUNTEERS,
        own_school=True,
        shows=_text(lambda w: w["volunteer"].last_name),
    ),
    "volunteers:detail": page(lambda w: f"/volunteers/{world_volunteer(w)}/", VOLUNTEERS),
    # Already approved: approving again is refused next to the form.
    **{
        f"volunteers:{name}": page(
            lambda w, part=part: f"/volunteers/{world_volunteer(w)}/{part}/",
            VOLUNTEERS,
            "post",
            ok,
        )
        for name, part, ok in (
            ("approve", "approve", 400),
            ("decline", "decline", 400),
            ("rescreen", "screen", 302),
            ("check", "check", 400),
            ("record_training", "training", 400),
            ("signup_link", "sign-up-link", 200),  # the link is shown once, on this page
        )
    },
    "volunteers:opportunities": page(
        lambda w: "/volunteers/opportunities/", VOLUNTEERS, own_school=True
    ),
    "volunteers:opportunity": page(
        lambda w: f"/volunteers/opportunities/{world_opportunity(w)}/", VOLUNTEERS
    ),
    "volunteers:sign_up": page(
        lambda w: f"/volunteers/opportunities/{world_opportunity(w)}/sign-up/",
        VOLUNTEERS,
        "post",
        400,
    ),
    # Posted without a reason: refused next to the form.
    "volunteers:cancel_opportunity": page(
        lambda w: f"/volunteers/opportunities/{world_opportunity(w)}/cancel/",
        VOLUNTEERS,
        "post",
        400,
    ),
    "volunteers:cancel_sign_up": page(
        lambda w: f"/volunteers/sign-ups/{world_signup(w)}/cancel/", VOLUNTEERS, "post", 302
    ),
    "volunteers:training": page(lambda w: "/volunteers/training/", VOLUNTEERS, own_school=True),
    "volunteers:change_training": page(
        lambda w: f"/volunteers/training/{_training_type(w)}/", VOLUNTEERS
    ),
    "volunteers:hours": page(lambda w: "/volunteers/hours/", VOLUNTEERS, own_school=True),
    "volunteers:hours_export": page(lambda w: "/volunteers/hours.csv", VOLUNTEERS, own_school=True),
    # Cases: the Northside case (CASE: every case of the school, or its team); compartments
    # (clinical) only for their owners. A form posted empty comes back with its errors (200) or,
    # for one-button actions, redirects to the case (302).
    "cases:list": page(lambda w: "/cases/", perm(Perm.CASES_TEAM), own_school=True),
    "cases:refer": page(lambda w: "/cases/refer/", perm(Perm.CASES_REFER), own_school=True),
    "cases:referred": page(
        lambda w: "/cases/refer/sent/", SIGNED_IN, everyone="a thank-you page with no data in it"
    ),
    "cases:referrals": page(
        lambda w: "/cases/referrals/", perm(Perm.CASES_SCHOOL), own_school=True
    ),
    # Without a reason the inbox comes back with the error (a redirect, nothing dismissed).
    "cases:dismiss": page(
        lambda w: (
            "/cases/referrals/"
            f"{w['maya'].school.referrals.create(concern='x', referred_by=w['counselor']).pk}"
            "/dismiss/"
        ),
        perm(Perm.CASES_SCHOOL),
        "post",
        302,
    ),
    # Opening a case (cases.school at one's schools); the form posted empty comes back.
    "cases:new": page(
        lambda w: "/cases/new/", perm(Perm.CASES_SCHOOL), "post", 200, own_school=True
    ),
    "cases:case": page(lambda w: _case(w), CASE),
    "cases:add_note": page(lambda w: _case(w, "notes/clinical/"), CLINICAL, "post"),
    "cases:publish": page(
        lambda w: _case(
            w,
            lambda w: (
                "notes/"
                + str(
                    w["case"]
                    .notes.create(compartment="clinical", author=w["counselor"], body="x")
                    .pk
                )
                + "/publish/"
            ),
        ),
        CLINICAL,
        "post",
        302,
    ),
    # Breaking glass into the law-enforcement record: case-wide roles that do not own it (its
    # owner has no glass to break: the page is not found for them).
    "cases:break_glass": page(
        lambda w: _case(w, "break-glass/law_enforcement/"),
        CASE & perm(Perm.BREAK_GLASS) & ~perm(Perm.CASES_LAW_ENFORCEMENT),
    ),
    "cases:message": page(lambda w: _case(w, "messages/"), CASE, "post"),
    "cases:add_task": page(lambda w: _case(w, "tasks/"), CASE, "post"),
    "cases:start_assessment": page(lambda w: _case(w, "assessments/start/"), CASE, "post", 302),
    "cases:assessment": page(lambda w: _assessment(w), CASE),
    # Saved blank, the step stays open and the page is shown again (a redirect).
    "cases:save_step": page(lambda w: _assessment(w, "steps/evaluate/"), CASE, "post", 302),
    # Without a status the checklist comes back with the error.
    "cases:settle_action": page(
        lambda w: _assessment(
            w, lambda w: f"actions/{w['assessment'].records.order_by('pk')[0].actions.first().pk}/"
        ),
        CASE,
        "post",
    ),
    # The C-SSRS screener is clinical; the pathway is the team's. Posted without answers: back
    # with the refusal.
    "cases:screening": page(lambda w: _case(w, "screening/"), CLINICAL, "post"),
    "cases:pathway": page(lambda w: _case(w, "pathway/"), CASE, "post"),
    "cases:export": page(lambda w: _case(w, "export.pdf"), CASE),
    # The equity report: district-wide case roles.
    "cases:equity": page(
        lambda w: "/cases/equity/", district_wide(Perm.CASES_SCHOOL), own_school=True
    ),
    "cases:plan": page(lambda w: _case(w, "plan/"), CASE),
    "cases:add_plan_item": page(lambda w: _case(w, "plan/items/"), CASE, "post"),
    "cases:settle_plan_item": page(
        lambda w: _case(
            w,
            lambda w: (
                "plan/items/"
                + str(
                    w["case"]
                    .plan_items.create(
                        kind="support",
                        description="Check-in",
                        owner=w["counselor"],
                        due_on=w["case"].opened_at.date(),
                    )
                    .pk
                )
                + "/"
            ),
        ),
        CASE,
        "post",
    ),
    "cases:schedule_review": page(lambda w: _case(w, "plan/reviews/"), CASE, "post"),
    "cases:record_review": page(
        lambda w: _case(
            w,
            lambda w: (
                f"plan/reviews/{w['case'].reviews.create(due_on=w['case'].opened_at.date()).pk}/"
            ),
        ),
        CASE,
        "post",
    ),
    # Closing without the criteria, or reopening an open case: the page shows the refusal.
    "cases:close": page(lambda w: _case(w, "close/"), CASE & perm(Perm.CASES_SCHOOL), "post"),
    "cases:reopen": page(lambda w: _case(w, "reopen/"), CASE & perm(Perm.CASES_SCHOOL), "post"),
    "cases:complete_task": page(
        lambda w: _case(
            w,
            lambda w: (
                "tasks/"
                f"{w['case'].tasks.create(title='Call home', created_by=w['principal']).pk}/done/"
            ),
        ),
        CASE,
        "post",
        302,
    ),
    "cases:update": page(lambda w: _case(w, "edit/"), CASE & perm(Perm.CASES_SCHOOL)),
    # Saved with nobody ticked, the team page comes back with "at least one member".
    "cases:team": page(lambda w: _case(w, "team/"), CASE & perm(Perm.CASES_SCHOOL), "post"),
    "cases:timeline": page(lambda w: _case(w, "timeline/"), CASE),
    "cases:document": page(_case_document, CASE),
    # Posted without a file, the case page comes back with the form's error.
    "cases:add_document": page(lambda w: _case(w, "documents/clinical/"), CLINICAL, "post"),
    # The step is not closed: the assessment page shows the refusal.
    "cases:reopen_step": page(lambda w: _assessment(w, "steps/evaluate/reopen/"), CASE, "post"),
    # Training (docs/training.md): one's own modules, attempts and transcript; the overseers'
    # dashboard and records of others (404 to anyone else: the record is not theirs).
    "training:mine": page(lambda w: "/training/", TAKE, own_school=True),
    "training:module": page(
        _in_training("/training/modules/pathway-to-violence/"), TAKE, own_school=True
    ),
    "training:start": page(
        _in_training("/training/modules/pathway-to-violence/pre/start/"),
        TAKE,
        "post",
        302,
        own_school=True,
    ),
    "training:attempt": page(
        _in_training(lambda w: f"/training/attempts/{w['training']['attempt'].pk}/"), LEARNER
    ),
    "training:transcript": page(lambda w: "/training/transcript/", TAKE, own_school=True),
    "training:person": page(
        _in_training(lambda w: f"/training/people/{w['teacher'].pk}/"), LEARNER | OVERSEE
    ),
    "training:certificate": page(
        _in_training(lambda w: f"/training/certificates/{w['training']['completion'].pk}.pdf"),
        LEARNER | OVERSEE,
    ),
    # Posted empty: the form comes back with its errors.
    "training:add_external": page(
        lambda w: "/training/external/", TAKE, "post", 422, own_school=True
    ),
    "training:external_file": page(
        _in_training(lambda w: f"/training/external/{w['training']['cert'].pk}/"),
        LEARNER | OVERSEE,
    ),
    "training:dashboard": page(_in_training(f"/training/dashboard/?school={NORTHSIDE}"), OVERSEE),
    "training:dashboard_csv": page(
        _in_training(f"/training/dashboard.csv?school={NORTHSIDE}"), OVERSEE
    ),
    "training:certification_pdf": page(
        _in_training("/training/certification.pdf"), OVERSEE, own_school=True
    ),
    "training:extend": page(
        _in_training(lambda w: f"/training/assignments/{w['training']['assignment'].pk}/extend/"),
        OVERSEE,
        "post",
        302,
        form=_extend_form,
    ),
    "training:attendance": page(
        _in_training("/training/attendance/"), OVERSEE, "post", 302, form=_attendance_form
    ),
    # Reports (docs/reports.md): figures only; a member without the right is refused (403).
    "reports:index": page(lambda w: "/reports/", REPORTS, own_school=True, denied=403),
    "reports:report": page(lambda w: "/reports/tips/", REPORTS, own_school=True, denied=403),
    "reports:pdf": page(
        lambda w: "/reports/cases/report.pdf", REPORTS, own_school=True, denied=403
    ),
    "reports:csv": page(
        lambda w: "/reports/drills/by-status.csv", REPORTS, own_school=True, denied=403
    ),
}

API: dict[str, Route] = {
    "api:me": api(lambda w: "/api/v1/me", SIGNED_IN, everyone="one's own account"),
    "api:schools": api(
        lambda w: "/api/v1/schools", SIGNED_IN, everyone="the schools one belongs to (own rows)"
    ),
    # A list answers 200 to everyone signed in, with the rows they may see.
    "api:students": api(
        lambda w: "/api/v1/students",
        ROSTER,
        own_school=True,
        denied=200,
        shows=_rows(lambda w: w["maya"].pk),
    ),
    "api:student": api(lambda w: f"/api/v1/students/{_student(w)}", ROSTER),
    "api:sections": api(
        lambda w: "/api/v1/sections",
        ROSTER,
        own_school=True,
        denied=200,
        shows=_rows(lambda w: w["english"].pk),
    ),
    "api:events": api(lambda w: "/api/v1/audit", perm(Perm.AUDIT_VIEW), own_school=True),
    "api:tips": api(
        _made(_tip, "/api/v1/tips"), TIPS, own_school=True, denied=200, shows=_rows(_id(_tip))
    ),
    "api:tip": api(lambda w: f"/api/v1/tips/{_tip(w).pk}", TIPS),
    "api:tip_acknowledge": api(lambda w: f"/api/v1/tips/{_tip(w).pk}/acknowledge", TIPS, "post"),
    "api:tip_messages": api(
        lambda w: f"/api/v1/tips/{_tip(w).pk}/messages",
        TIPS,
        "post",
        201,
        body=lambda w: {"body": "Thank you, we are looking into it."},
    ),
    "api:tip_close": api(
        lambda w: f"/api/v1/tips/{_tip(w).pk}/close",
        TIPS,
        "post",
        body=lambda w: {"disposition": "resolved"},
    ),
    "api:incidents": api(
        _made(_incident, "/api/v1/incidents"),
        RECEIVE,
        own_school=True,
        denied=200,
        shows=_rows(_id(_incident)),
    ),
    # Raising at a school one has a role at: everyone who may raise (emergency.raise); a school
    # one has no role at is not found.
    "api:incidents#post": api(
        lambda w: "/api/v1/incidents",
        perm(Perm.EMERGENCY_RAISE),
        "post",
        201,
        sees=AT_NORTHSIDE,
        body=lambda w: {"school": NORTHSIDE, "protocol": "lockdown"},
    ),
    "api:incident": api(lambda w: _api_incident(w), RECEIVE),
    "api:incident_cap": api(lambda w: _api_incident(w, "/cap.xml"), RECEIVE),
    "api:incident_acknowledge": api(lambda w: _api_incident(w, "/acknowledge"), RECEIVE, "post"),
    "api:incident_updates": api(
        lambda w: _api_incident(w, "/updates"),
        COMMAND,
        "post",
        201,
        sees=RECEIVE,
        body=lambda w: {"message": "Stay in your rooms."},
    ),
    "api:incident_all_clear": api(
        lambda w: _api_incident(w, "/all-clear"),
        COMMAND,
        "post",
        sees=RECEIVE,
        body=lambda w: {"message": "All clear."},
    ),
    "api:incident_releases": api(lambda w: _api_incident(w, "/releases"), REUNIFY, sees=RECEIVE),
    # Releasing Maya to her mother (who may pick her up).
    "api:incident_releases#post": api(
        lambda w: _api_incident(w, "/releases"),
        REUNIFY,
        "post",
        201,
        sees=RECEIVE,
        body=lambda w: {"student": w["maya"].pk, "guardian": w["mother"].pk},
    ),
    "api:incident_roll_call": api(
        lambda w: _api_incident(w, "/roll-call"),
        COMMAND | (perm(Perm.ROLL_CALL) & among(TEACHES_ENGLISH, "teaches the class")),
        "post",
        201,
        sees=RECEIVE,
        body=lambda w: {
            "section": w["english"].pk,
            "statuses": [
                {"student": w["maya"].pk, "status": "present"},
                {"student": w["eli"].pk, "status": "present"},
            ],
        },
    ),
    "api:incident_accountability": api(lambda w: _api_incident(w, "/accountability"), RECEIVE),
    # A monitoring tool's service account (triage.signals_submit) submits; nobody else may.
    "api:signal_submit": api(
        lambda w: "/api/v1/signals",
        perm(Perm.SIGNALS_SUBMIT),
        "post",
        201,
        own_school=True,
        denied=403,
        body=lambda w: {
            "student": "stu-maya",
            "source": "Lightspeed Alert",
            "text": "I keep cutting myself and I can't stop",
            "observed_at": "2026-01-05T10:00:00Z",
        },
    ),
    "api:signals": api(
        _made(_signal, "/api/v1/signals"),
        SIGNAL,
        own_school=True,
        denied=200,
        shows=_rows(_id(_signal)),
    ),
    "api:signal": api(lambda w: f"/api/v1/signals/{_signal(w)}", SIGNAL),
    "api:signal_review": api(
        lambda w: f"/api/v1/signals/{_signal(w)}/review",
        REVIEW,
        "post",
        sees=SIGNAL,
        body=lambda w: {"verdict": "dismiss", "reason": "lyrics"},
    ),
    # Staff who read tips or cases, and integrations, classify a text.
    "api:triage_classify": api(
        lambda w: "/api/v1/triage/classify",
        TIPS | perm(Perm.CASES_TEAM) | perm(Perm.SIGNALS_SUBMIT),
        "post",
        own_school=True,
        denied=403,
        body=lambda w: {"text": "kids are vaping in the bathroom"},
    ),
    # Visitors: the front desk, and who sees screenings.
    "api:visits": api(
        _made(world_visit, "/api/v1/visits"), VISITS, own_school=True, shows=_rows(world_visit)
    ),
    "api:visits#post": api(
        lambda w: "/api/v1/visits",
        perm(Perm.VISITORS_MANAGE),
        "post",
        201,
        body=lambda w: {
            "school": NORTHSIDE,
            "purpose": "Meeting",
            "first_name": "Grace",
            "last_name": "Whitman",
            "date_of_birth": "1980-02-03",
        },
    ),
    "api:visit": api(lambda w: f"/api/v1/visits/{world_visit(w)}", VISITS),
    "api:visit_sign_out": api(
        lambda w: f"/api/v1/visits/{world_visit(w)}/sign-out", VISITS, "post"
    ),
    # The visit was clear: past the access check, the answer is refused as not needed (422).
    "api:visit_review": api(
        lambda w: f"/api/v1/visits/{world_visit(w)}/review",
        perm(Perm.VISITORS_MANAGE) | perm(Perm.SCREENING_DECIDE),
        "post",
        422,
        sees=VISITS,
        body=lambda w: {"answer": "no"},
    ),
    "api:id_parse": api(
        lambda w: "/api/v1/id/parse",
        perm(Perm.VISITORS_MANAGE),
        "post",
        own_school=True,
        body=lambda w: {"barcode": _barcode()},
    ),
    "api:volunteers": api(
        _made(world_volunteer, "/api/v1/volunteers"),
        VOLUNTEERS,
        own_school=True,
        shows=_rows(world_volunteer),
    ),
    "api:volunteer": api(lambda w: f"/api/v1/volunteers/{world_volunteer(w)}", VOLUNTEERS),
    "api:volunteer_hours": api(lambda w: "/api/v1/volunteers/hours", VOLUNTEERS, own_school=True),
    # Screening a name against the registries: who sees screenings.
    "api:screenings": api(
        lambda w: "/api/v1/screenings",
        perm(Perm.SCREENING_VIEW),
        "post",
        own_school=True,
        body=lambda w: {
            "first_name": "Grace",
            "last_name": "Whitman",
            "date_of_birth": "1980-02-03",
        },
    ),
    # Training: the contract of docs/training.md.
    "api:training_modules": api(
        _in_training("/api/v1/training/modules"),
        TAKE,
        own_school=True,
        denied=403,
        shared="the installation's modules, the same at every school",
    ),
    "api:training_module": api(
        _in_training("/api/v1/training/modules/pathway-to-violence"),
        TAKE,
        own_school=True,
        denied=403,
        shared="the installation's modules, the same at every school",
    ),
    "api:training_attempts": api(
        _in_training("/api/v1/training/modules/pathway-to-violence/attempts"),
        TAKE,
        "post",
        201,
        own_school=True,
        denied=403,
        body=lambda w: {"kind": "pre", "answers": w["training"]["answers"]},
    ),
    # One's own assignments: the teacher's completed module shows to the teacher only.
    "api:training_me": api(
        _in_training("/api/v1/training/me"),
        TAKE,
        own_school=True,
        denied=403,
        shows=lambda w, response: any(row["completed_at"] for row in response.json()),
    ),
    "api:training_compliance": api(
        _in_training(f"/api/v1/training/compliance?school={NORTHSIDE}"), OVERSEE, denied=403
    ),
    # Reports: the contract of docs/reports.md.
    "api:report_tips": api(lambda w: "/api/v1/reports/tips", REPORTS, own_school=True, denied=403),
    "api:report_cases": api(
        lambda w: "/api/v1/reports/cases", REPORTS, own_school=True, denied=403
    ),
    "api:report_drills": api(
        lambda w: "/api/v1/reports/drills", REPORTS, own_school=True, denied=403
    ),
}

#: The case API's endpoints are specified in tests/cases/test_permission_matrix.py (every person,
#: every compartment, real bodies, leak checks); its ENDPOINTS is this table's for them.
CASE_API = {f"api:{name}" for name in CASE_MATRIX}

#: Reachable without signing in, on purpose.
PUBLIC = {
    "healthz",
    "accounts:login",
    "set_language",
    "api:openapi-json",
    "api:openapi-view",
    "api:api-root",
    # The sign-in steps themselves: they require a signed-in user and redirect anyone else.
    "accounts:verify",
    "accounts:enroll",
    # The Web Push service worker: a static script, served at the root for its scope.
    "service_worker",
    # The tip line's reporter pages: anonymous on purpose (tests/tips/test_pages.py).
    "report:report",
    "report:report_school",
    "report:follow_up",
    # The tip line's public API: submission and follow-up with the receipt (tests/tips/test_api.py).
    "api:public_tip_submit",
    "api:public_tip_mine",
    "api:public_tip_message",
    # The lobby kiosk's pages: reached with a kiosk's credential (a device the front desk
    # enrolled), never a staff session (tests/visitors/test_kiosk.py).
    "visitors:kiosk_enrol",
    "visitors:kiosk",
    "visitors:kiosk_done",
    "visitors:kiosk_badge",
    # The public volunteer application (tests/volunteers/test_pages.py).
    "volunteer:apply",
    # A volunteer's opportunities, opened with their private code (tests/volunteers/test_links.py).
    "volunteer:shifts",
    # The tip line's figures a district chose to publish: counts only, small ones withheld, 404
    # while off (tests/reports/test_public.py).
    "reports:public",
}

TABLE = {**PAGES, **API}


# --- the spec is complete and means something -----------------------------------------------------


def test_the_table_of_roles_is_the_policys():
    """docs/access.md is the written table; ROLE_PERMS is the same table as data."""
    assert ROLES == {
        str(role): frozenset(p.value for p in perms) for role, perms in ROLE_PERMS.items()
    }
    assert {p for perms in ROLES.values() for p in perms} <= {p.value for p in Perm}
    text = ACCESS_MD.read_text(encoding="utf-8")
    listed = re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", text, re.M)
    assert sorted(listed) == sorted(p.value for p in Perm), "every permission has its row"


def test_the_cast_is_the_fixtures(world):
    for name, (role, school) in CAST.items():
        assignments = list(world[name].role_assignments.values_list("role", "school__slug"))
        assert assignments == ([(role, school)] if role else [])


def test_no_row_gives_everyone_the_same_answer():
    """A row must tell the outsider, the members without the right and a member with it apart —
    by status, or by what a list shows — unless it says why the route is the same for everyone."""
    for name, route in TABLE.items():
        answers = {route.answer(p) for p in ["outsider", *members_without(route)]}
        answers.add(route.answer(member_with(route)))
        if route.everyone:
            assert route.may is SIGNED_IN, name
        else:
            assert len(answers) > 1, f"{name}: every person gets {answers}"
        if route.api and route.method == "get" and route.expect("outsider") == 200:
            assert route.everyone or route.shows or route.shared, (
                f"{name}: say how the Northside record shows"
            )


def _route_names(patterns: list[Any], namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":  # superusers only, behind the same sign-in
                continue
            prefix = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _route_names(pattern.url_patterns, prefix)
        elif isinstance(pattern, URLPattern):
            names.add(f"{namespace}{pattern.name}")
    return names


def _api_operations() -> set[tuple[str, str]]:
    """Every operation of the API: (url name, method), named as django-ninja names its URL
    patterns (``BoundRouter.urls_paths``)."""
    from haven.api import api as ninja_api

    found = set()
    for bound in ninja_api._get_bound_routers():
        for path_view in bound.path_operations.values():
            for operation in path_view.operations:
                name = getattr(operation, "url_name", "") or ninja_api.get_operation_url_name(
                    operation, router=bound.template
                )
                found |= {(f"api:{name}", method.lower()) for method in operation.methods}
    assert len(found) > 50, "the API's operations were not found"
    return found


def _row_name(key: str) -> str:
    return key.split("#", 1)[0]


def test_every_route_is_in_the_permission_table():
    routes = _route_names(get_resolver().url_patterns)
    specified = {_row_name(key) for key in TABLE} | PUBLIC | CASE_API
    missing = routes - specified
    assert not missing, f"add these routes to tests/test_permissions.py: {sorted(missing)}"
    stale = specified - routes
    assert not stale, f"the table names routes that no longer exist: {sorted(stale)}"


def test_every_api_operation_is_in_the_permission_table():
    """Each method of each API path has its row (a GET and a POST on one path are two rows)."""
    rows = {(_row_name(key), route.method) for key, route in TABLE.items() if route.api}
    missing = sorted(
        f"{method.upper()} {name}"
        for name, method in _api_operations()
        if name not in PUBLIC and name not in CASE_API and (name, method) not in rows
    )
    assert not missing, f"add these API operations to tests/test_permissions.py: {missing}"


# --- the calls ------------------------------------------------------------------------------------


def _call(client: Any, route: Route, world: World):
    url = route.url(world)
    if route.method == "get":
        return client.get(url)
    if route.body is not None:
        return client.post(url, json.dumps(route.body(world)), content_type="application/json")
    if route.api:
        return client.post(url, content_type="application/json")
    return client.post(url, route.form(world) if callable(route.form) else route.form)


@pytest.fixture
def world(people, roster):
    return {**people, **roster}


def _check(world: World, name: str, person: str) -> None:
    route = TABLE[name]
    response = _call(signed_in(world[person]), route, world)
    expected = route.expect(person)
    assert response.status_code == expected, (person, response.content[:300])
    if route.api and expected >= 400:
        assert "detail" in response.json()
    if route.shows is not None and response.status_code == 200:
        shown = route.shows(world, response)
        assert shown is route.shown_to(person), f"{person} shown the Northside record: {shown}"


@pytest.mark.parametrize("name", sorted(TABLE))
def test_anonymous_is_sent_to_sign_in(client, world, name):
    route = TABLE[name]
    response = _call(client, route, world)
    if route.api:
        assert response.status_code == 401
        assert "detail" in response.json()
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/sign-in/")


@pytest.mark.parametrize("name", sorted(TABLE))
def test_outsider_from_the_other_school(world, name):
    _check(world, name, "outsider")


@pytest.mark.parametrize(
    ("name", "person"), [(name, p) for name in sorted(TABLE) for p in members_without(TABLE[name])]
)
def test_member_without_the_right(world, name, person):
    _check(world, name, person)


@pytest.mark.parametrize("name", sorted(TABLE))
def test_member_with_the_right(world, name):
    _check(world, name, member_with(TABLE[name]))
