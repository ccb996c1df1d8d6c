"""Demo cases: at every step of CSTAG, with notes in every compartment, pathway observations, a
screening, safety plans, reviews and referrals. ``counselor`` and ``sro`` are on the team of
northside-high's cases, ``counselor2`` and ``sro2`` on riverside-middle's.

Deterministic (fixed students and texts; dates relative to the day it is loaded) and idempotent
(each case is keyed by its ``reference``; loading again changes nothing). Everything goes through
the services, so the audit log and the timelines read as they would in use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from haven.access.models import Compartment
from haven.accounts.models import User
from haven.cases import services
from haven.cases.models import Case, Priority, Referral
from haven.core.models import School, Student

#: school slug -> (administrator, counsellor, SRO, a teacher) usernames from haven.core.demo.
PEOPLE = {
    "northside-high": ("principal", "counselor", "sro", "teacher"),
    "riverside-middle": ("principal2", "counselor2", "sro2", "teacher2"),
}


@dataclass(frozen=True)
class Scenario:
    key: str
    student: int  # the demo student's number at the school
    type: str
    priority: int
    summary: str
    reached: str  # how far the assessment has gone: see _advance_to
    pathway: tuple[tuple[str, int, str], ...] = ()  # (stage, days ago, source)
    screening: dict[str, bool] = field(default_factory=dict)
    closed: bool = False


SCENARIOS = (
    Scenario(
        "1",
        7,
        "threat",
        Priority.HIGH,
        "A classmate reported that the student said he would 'make them pay' after a fight.",
        "evaluate",
        (("grievance", 3, "witness"),),
    ),
    Scenario(
        "2",
        19,
        "threat",
        Priority.ROUTINE,
        "Said 'I'll kill you' to a friend during a basketball game; both laughed it off.",
        "transient",
        closed=True,
    ),
    Scenario(
        "3",
        31,
        "threat",
        Priority.HIGH,
        "Threatened to beat up a student who posted an embarrassing photo of her.",
        "respond",
        (("grievance", 12, "online"), ("ideation", 5, "student")),
    ),
    Scenario(
        "4",
        44,
        "both",
        Priority.URGENT,
        "Wrote in a notebook about bringing a gun to school; talked about not wanting to live.",
        "evaluation",
        (
            ("grievance", 40, "staff"),
            ("ideation", 21, "witness"),
            ("research_planning", 9, "online"),
            ("preparation", 2, "parent"),
        ),
        {"q1": True, "q2": True, "q3": True, "q4": False, "q5": False, "q6": False},
    ),
    Scenario(
        "5",
        58,
        "threat",
        Priority.ROUTINE,
        "Threatened a teacher after a detention; a safety plan is in place and being monitored.",
        "plan",
        (("grievance", 30, "staff"), ("ideation", 28, "student")),
    ),
    Scenario(
        "6",
        66,
        "self_harm",
        Priority.HIGH,
        "A friend reported messages about self-harm late at night.",
        "none",
        (),
        {"q1": True, "q2": False, "q6": False},
    ),
)

_NOTES = {
    Compartment.TEAM: "Team met; parents contacted; next steps agreed.",
    Compartment.CLINICAL: "Counselling session: student described stress at home and isolation.",
    Compartment.LAW_ENFORCEMENT: "Checked for access to weapons at home; none found. No charges.",
}


def load() -> int:
    """Create the demo cases that do not exist yet; returns how many demo cases exist."""
    with transaction.atomic():
        for slug, names in PEOPLE.items():
            school = School.objects.filter(slug=slug).first()
            users = {u.username: u for u in User.objects.filter(username__in=names)}
            if school is None or len(users) < len(names):
                continue  # the core demo has not created this school or its people
            admin, counselor, sro, teacher = (users[n] for n in names)
            for scenario in SCENARIOS:
                _load_case(school, scenario, admin, counselor, sro)
            _load_referral(school, teacher)
        return Case.objects.filter(reference__startswith="demo-").count()


def _student(school: School, number: int) -> Student | None:
    return Student.objects.filter(sourced_id=f"demo-{school.slug}-s{number:04d}").first()


def _load_case(school: School, s: Scenario, admin: Any, counselor: Any, sro: Any) -> None:
    reference = f"demo-{school.slug}-{s.key}"
    student = _student(school, s.student)
    if student is None or Case.objects.filter(reference=reference).exists():
        return
    today = timezone.localdate()
    case = services.open_case(
        admin,
        school=school,
        type=s.type,
        priority=s.priority,
        summary=s.summary,
        student=student,
        team=[admin, counselor, sro],
        reference=reference,
    )
    services.add_note(admin, case, Compartment.TEAM, _NOTES[Compartment.TEAM])
    clinical = services.add_note(
        counselor, case, Compartment.CLINICAL, _NOTES[Compartment.CLINICAL]
    )
    services.add_note(sro, case, Compartment.LAW_ENFORCEMENT, _NOTES[Compartment.LAW_ENFORCEMENT])
    services.publish_summary(
        counselor, clinical, "The student is engaged with counselling; no concerns to share."
    )
    services.post_message(admin, case, "Can we meet before first period tomorrow?")
    for stage, days_ago, source in s.pathway:
        services.observe(
            sro if source == "online" else counselor,
            case,
            stage=stage,
            observed_on=today - timedelta(days=days_ago),
            source=source,
            summary="",
        )
    if s.screening:
        services.screen(counselor, case, s.screening)
    if s.reached != "none":
        _advance_to(case, s.reached, admin, counselor, sro)
    if s.reached in ("plan", "transient") or s.screening:
        services.add_plan_item(
            admin,
            case,
            kind="support",
            description="Weekly check-in with the counsellor.",
            owner=counselor,
            due_on=today + timedelta(days=7),
        )
        services.add_plan_item(
            admin,
            case,
            kind="parent_meeting",
            description="Meet the parents to review the plan.",
            owner=admin,
            due_on=today + timedelta(days=3),
        )
        services.schedule_review(admin, case, due_on=today + timedelta(days=14))
    services.add_task(
        admin, case, title="Collect the witness statements", assignee=sro, due_on=today
    )
    if s.closed:
        plan = services.plan(admin, case)
        for item in plan.items:
            services.settle_plan_item(admin, item, status="done")
        for review in plan.reviews:
            services.record_review(admin, review, outcome="Resolved; no further concerns.")
        services.close_case(
            admin,
            case,
            criteria=list(services.CLOSURE_CRITERIA),
            summary="Transient threat resolved with an apology; no further concerns.",
        )


def _settle_and_close(user: User, assessment: Any, key: str, **step: Any) -> None:
    services.save_step(user, assessment, key, **step)
    view = services.assessment_view(user, assessment)
    current = next(v for v in view.steps if v.step.key == key)
    for item in current.actions:
        services.settle_action(user, item, status="done")
    services.close_step(user, assessment, key)


_EVALUATE = {
    "threat_words": '"You\'ll be sorry."',
    "target": "A classmate.",
    "context": "After an argument in the cafeteria.",
    "student_account": "Says he was angry and did not mean it.",
    "weapon_mentioned": False,
}


def _advance_to(case: Case, reached: str, admin: Any, counselor: Any, sro: Any) -> None:
    """Take the CSTAG assessment as far as ``reached``: evaluate (step 1 open), transient (closed
    at step 2), respond (step 3 open), evaluation (step 4 open), plan (step 5 open)."""
    assessment = services.start_assessment(admin, case, "cstag")
    if reached == "evaluate":
        services.save_step(admin, assessment, "evaluate", answers={"target": "A classmate."})
        return
    _settle_and_close(admin, assessment, "evaluate", answers=_EVALUATE)
    if reached == "transient":
        _settle_and_close(
            admin,
            assessment,
            "resolve_transient",
            answers={"resolution": "Apologised to his friend; both agree it was a joke."},
            classification="transient",
            rationale="An expression of frustration, resolved at once with an apology.",
        )
        return
    very_serious = reached == "evaluation"
    _settle_and_close(
        admin,
        assessment,
        "resolve_transient",
        answers={"resolution": "Could not be resolved: the student repeated the threat."},
        classification="very_serious_substantive" if very_serious else "serious_substantive",
        rationale="The threat was repeated and is specific; when in doubt, substantive.",
    )
    if reached == "respond":
        services.save_step(
            admin, assessment, "respond_substantive", answers={"protective_actions": "Seats moved."}
        )
        return
    _settle_and_close(
        admin,
        assessment,
        "respond_substantive",
        answers={"protective_actions": "Schedules separated; supervision between classes."},
        rationale="A threat to injure, with no weapon mentioned."
        if not very_serious
        else "A threat to kill, with a weapon mentioned.",
    )
    if reached == "evaluation":
        services.save_step(
            counselor,
            assessment,
            "safety_evaluation",
            answers={"weapons_access": "unknown"},
        )


def _load_referral(school: School, teacher: User) -> None:
    if Referral.objects.filter(school=school, referred_by=teacher).exists():
        return
    student = _student(school, 85)
    if student is None:
        return
    services.refer(
        teacher,
        school=school,
        student=student,
        concern="He has been withdrawn for weeks and wrote a dark poem in class.",
        warning_signs=["withdrawal", "hopelessness"],
    )
