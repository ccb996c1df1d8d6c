"""The cases API's input and output shapes (django-ninja / pydantic), and how model objects are
turned into them."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

from ninja import Field, Schema

from haven.cases import services
from haven.cases.models import (
    Case,
    CaseEvent,
    Message,
    Note,
    PathwayObservation,
    PlanItem,
    Priority,
    Referral,
    Review,
    Screening,
)

if TYPE_CHECKING:
    from haven.accounts.models import User

CompartmentName = Literal["team", "clinical", "law_enforcement"]
PriorityName = Literal["routine", "high", "urgent"]
PRIORITY_BY_NAME = {p.name.lower(): p.value for p in Priority}
PRIORITY_NAME = {v: k for k, v in PRIORITY_BY_NAME.items()}


class Person(Schema):
    username: str
    name: str


def person(user: User | None) -> dict[str, str] | None:
    if user is None:
        return None
    return {"username": user.get_username(), "name": getattr(user, "label", user.get_username())}


class StudentRef(Schema):
    id: int
    name: str
    grade: str


class CaseIn(Schema):
    school: int | str
    type: Literal["threat", "self_harm", "both"]
    summary: str = Field("", max_length=services.cases.MAX_SUMMARY)
    student: int | None = None
    unknown_person: str = Field("", max_length=services.cases.MAX_PERSON)
    priority: PriorityName = "routine"
    team: list[str] = Field(default_factory=list, max_length=services.cases.MAX_TEAM)
    source_tip: int | None = None
    source_signal_id: int | None = Field(None, gt=0)
    referral: int | None = None
    reference: str | None = Field(None, max_length=60)


class CaseSummaryOut(Schema):
    id: int
    reference: str | None
    school: str
    subject: str
    student: StudentRef | None
    type: str
    priority: PriorityName
    status: str
    source: str
    classification: str
    stage: str
    risk_level: str
    pathway_stage: str
    opened_at: datetime
    updated_at: datetime


class CompartmentOut(Schema):
    compartment: CompartmentName
    readable: bool
    writable: bool
    grant_until: datetime | None
    may_break_glass: bool


class CaseOut(CaseSummaryOut):
    unknown_person: str
    summary: str
    source_tip: int | None
    source_signal_id: int | None
    closed_at: datetime | None
    closure_criteria: list[str]
    closure_summary: str
    team: list[Person]
    compartments: list[CompartmentOut]


def case_summary(case: Case) -> dict[str, Any]:
    student = case.student
    return {
        "id": case.pk,
        "reference": case.reference,
        "school": case.school.slug,
        "subject": case.subject_label,
        "student": (
            {"id": student.pk, "name": student.full_name, "grade": student.grade}
            if student is not None
            else None
        ),
        "type": case.type,
        "priority": PRIORITY_NAME[case.priority],
        "status": case.status,
        "source": case.source,
        "classification": case.classification,
        "stage": case.stage,
        "risk_level": case.risk_level,
        "pathway_stage": case.pathway_stage,
        "opened_at": case.opened_at,
        "updated_at": case.updated_at,
    }


def case_detail(case: Case, access: list[services.CompartmentAccess]) -> dict[str, Any]:
    members = [m.user for m in case.team_members.select_related("user").order_by("added_at")]
    return {
        **case_summary(case),
        "unknown_person": case.unknown_person,
        "summary": case.summary,
        "source_tip": case.source_tip_id,
        "source_signal_id": case.source_signal_id,
        "closed_at": case.closed_at,
        "closure_criteria": list(case.closure_criteria),
        "closure_summary": case.closure_summary,
        "team": [person(u) for u in members],
        "compartments": [
            {
                "compartment": a.compartment.value,
                "readable": a.readable,
                "writable": a.writable,
                "grant_until": a.grant_until,
                "may_break_glass": a.may_break_glass,
            }
            for a in access
        ],
    }


# "text", not "body": the API's error handler drops "body" from a field's path, and a 422 must
# name the field.
class TextIn(Schema):
    text: str = Field(..., min_length=1, max_length=services.records.MAX_NOTE)


class NoteOut(Schema):
    id: int
    compartment: CompartmentName
    kind: str
    author: Person | None
    text: str
    source_note: int | None
    created_at: datetime


def note_out(note: Note) -> dict[str, Any]:
    return {
        "id": note.pk,
        "compartment": note.compartment,
        "kind": note.kind,
        "author": person(note.author),
        "text": note.body,
        "source_note": note.source_note_id,
        "created_at": note.created_at,
    }


class BreakGlassIn(Schema):
    compartment: CompartmentName
    reason: str = Field("", max_length=2000)


class GrantOut(Schema):
    grant: int
    case: int
    compartment: CompartmentName
    granted_at: datetime
    expires_at: datetime


class CaseScreeningIn(Schema):
    # Checked by the screener itself (strict yes/no, skip logic), so that each problem is named.
    answers: dict[str, Any]


class CaseScreeningOut(Schema):
    id: int
    risk_level: Literal["low", "moderate", "high"]
    positive: bool
    required_actions: list[str]
    performed_at: datetime
    performed_by: Person | None
    #: Only for those who may read the clinical record.
    answers: dict[str, bool] | None = None


def screening_out(s: Screening, answers: dict[str, bool] | None = None) -> dict[str, Any]:
    return {
        "id": s.pk,
        "risk_level": s.risk_level,
        "positive": s.positive,
        "required_actions": list(s.required_actions),
        "performed_at": s.performed_at,
        "performed_by": person(s.performed_by),
        "answers": answers,
    }


class CaseEventOut(Schema):
    at: datetime
    kind: str
    compartment: CompartmentName
    text: str
    actor: Person | None


def event_out(e: CaseEvent) -> dict[str, Any]:
    return {
        "at": e.at,
        "kind": e.kind,
        "compartment": e.compartment,
        "text": e.text,
        "actor": person(e.actor),
    }


class ObservationIn(Schema):
    stage: Literal[
        "grievance", "ideation", "research_planning", "preparation", "probing_breaching", "attack"
    ]
    observed_on: date
    source: Literal[
        "student", "witness", "staff", "parent", "online", "tip", "law_enforcement", "other"
    ]
    summary: str = Field("", max_length=services.observations.MAX_SUMMARY)


class ObservationOut(Schema):
    id: int
    stage: str
    observed_on: date
    source: str
    summary: str
    forward: bool
    recorded_by: Person | None
    recorded_at: datetime


def observation_out(o: PathwayObservation) -> dict[str, Any]:
    return {
        "id": o.pk,
        "stage": o.stage,
        "observed_on": o.observed_on,
        "source": o.source,
        "summary": o.summary,
        "forward": o.forward,
        "recorded_by": person(o.recorded_by),
        "recorded_at": o.recorded_at,
    }


class Problem(Schema):
    field: str
    message: str


class ActionOut(Schema):
    id: int
    key: str
    label: str
    status: str
    reason: str


class StepOut(Schema):
    key: str
    number: int
    title: str
    guidance: str
    status: str
    questions: list[dict[str, Any]]
    classifications: list[str]
    answers: dict[str, Any]
    classification: str
    rationale: str
    actions: list[ActionOut]
    blockers: list[Problem]


class ModelRef(Schema):
    slug: str
    version: str
    name: str
    kind: str


class AssessmentOut(Schema):
    id: int
    model: ModelRef
    classification: str
    classification_label: str
    completed_at: datetime | None
    steps: list[StepOut]


def assessment_out(view: services.AssessmentView) -> dict[str, Any]:
    a, m = view.assessment, view.model
    return {
        "id": a.pk,
        "model": {"slug": m.slug, "version": m.version, "name": m.name, "kind": m.kind},
        "classification": a.classification,
        "classification_label": view.classification_label,
        "completed_at": a.completed_at,
        "steps": [
            {
                "key": s.step.key,
                "number": s.step.number,
                "title": s.step.title,
                "guidance": s.step.guidance,
                "status": s.record.status,
                "questions": list(s.step.questions),
                "classifications": list(s.step.classifications),
                "answers": dict(s.record.answers),
                "classification": s.record.classification,
                "rationale": s.record.rationale,
                "actions": [
                    {
                        "id": i.pk,
                        "key": i.action.key,
                        "label": i.action.label,
                        "status": i.status,
                        "reason": i.reason,
                    }
                    for i in s.actions
                ],
                "blockers": [{"field": k, "message": v} for k, v in s.blockers.items()],
            }
            for s in view.steps
        ],
    }


class AssessmentIn(Schema):
    model: str = Field("cstag", max_length=60)


class StepIn(Schema):
    answers: dict[str, Any] | None = None
    classification: str | None = Field(None, max_length=40)
    rationale: str | None = Field(None, max_length=services.assessment.MAX_RATIONALE)


class SettleIn(Schema):
    status: Literal["pending", "done", "not_applicable"]
    reason: str = Field("", max_length=services.assessment.MAX_REASON)


class PlanItemIn(Schema):
    kind: Literal[tuple(PlanItem.Kind.values)]  # type: ignore[valid-type]
    description: str = Field(..., min_length=1, max_length=services.plans.MAX_DESCRIPTION)
    owner: str = Field(..., max_length=150)
    due_on: date


class PlanItemStatusIn(Schema):
    status: Literal["open", "done", "cancelled"]


class PlanItemOut(Schema):
    id: int
    kind: str
    description: str
    owner: Person | None
    due_on: date
    status: str
    done_at: datetime | None


def plan_item_out(i: PlanItem) -> dict[str, Any]:
    return {
        "id": i.pk,
        "kind": i.kind,
        "description": i.description,
        "owner": person(i.owner),
        "due_on": i.due_on,
        "status": i.status,
        "done_at": i.done_at,
    }


class CaseReviewIn(Schema):
    due_on: date


class ReviewOutcomeIn(Schema):
    outcome: str = Field(..., min_length=1, max_length=services.plans.MAX_OUTCOME)


class ReviewOut(Schema):
    id: int
    due_on: date
    outcome: str
    done_at: datetime | None


def review_out(r: Review) -> dict[str, Any]:
    return {"id": r.pk, "due_on": r.due_on, "outcome": r.outcome, "done_at": r.done_at}


class PlanOut(Schema):
    items: list[PlanItemOut]
    reviews: list[ReviewOut]


class CaseCloseIn(Schema):
    criteria: list[str] = Field(..., max_length=20)
    summary: str = Field(..., min_length=1, max_length=services.cases.MAX_SUMMARY)


class ReasonIn(Schema):
    reason: str = Field(..., max_length=services.cases.MAX_CONCERN)


class TeamIn(Schema):
    members: list[str] = Field(..., max_length=services.cases.MAX_TEAM)


class CaseMessageIn(Schema):
    text: str = Field(..., min_length=1, max_length=services.records.MAX_MESSAGE)


class CaseMessageOut(Schema):
    id: int
    author: Person | None
    text: str
    created_at: datetime


def message_out(m: Message) -> dict[str, Any]:
    return {"id": m.pk, "author": person(m.author), "text": m.body, "created_at": m.created_at}


class ReferralIn(Schema):
    school: int | str
    concern: str = Field(..., min_length=1, max_length=services.cases.MAX_CONCERN)
    warning_signs: list[str] = Field(default_factory=list, max_length=20)
    student: int | None = None
    unknown_person: str = Field("", max_length=services.cases.MAX_PERSON)


class ReferralOut(Schema):
    id: int
    school: str
    status: str
    created_at: datetime
    case: int | None
    #: The content, for the school's team only (the referrer sees the status of their own).
    student: StudentRef | None = None
    unknown_person: str | None = None
    concern: str | None = None
    warning_signs: list[str] | None = None
    referred_by: Person | None = None


def referral_out(r: Referral, *, full: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": r.pk,
        "school": r.school.slug,
        "status": r.status,
        "created_at": r.created_at,
        "case": r.case_id if full else None,
    }
    if full:
        student = r.student
        out |= {
            "student": (
                {"id": student.pk, "name": student.full_name, "grade": student.grade}
                if student
                else None
            ),
            "unknown_person": r.unknown_person,
            "concern": r.concern,
            "warning_signs": list(r.warning_signs),
            "referred_by": person(r.referred_by),
        }
    return out
