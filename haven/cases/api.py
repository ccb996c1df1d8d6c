"""The cases API (``/api/v1/cases``). Thin: every endpoint resolves its inputs, calls a service
and shapes the answer. The services decide (through haven.access): 404 for what the caller may
not see, 403 for what they see but may not do, 422 naming the field for bad input."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import Router, Status

from haven.access import policy
from haven.accounts.models import User
from haven.cases import services
from haven.cases.models import ActionItem, Case, Note, PlanItem, Referral, Review, Screening
from haven.cases.schemas import (
    PRIORITY_BY_NAME,
    AssessmentIn,
    AssessmentOut,
    BreakGlassIn,
    CaseCloseIn,
    CaseEventOut,
    CaseIn,
    CaseMessageIn,
    CaseMessageOut,
    CaseOut,
    CaseReviewIn,
    CaseScreeningIn,
    CaseScreeningOut,
    CaseSummaryOut,
    CompartmentName,
    GrantOut,
    NoteOut,
    ObservationIn,
    ObservationOut,
    PlanItemIn,
    PlanItemOut,
    PlanItemStatusIn,
    PlanOut,
    ReasonIn,
    ReferralIn,
    ReferralOut,
    ReviewOut,
    ReviewOutcomeIn,
    SettleIn,
    StepIn,
    TeamIn,
    TextIn,
    assessment_out,
    case_detail,
    case_summary,
    event_out,
    message_out,
    note_out,
    observation_out,
    plan_item_out,
    referral_out,
    review_out,
    screening_out,
)
from haven.core.models import School, Student
from haven.web.api import page
from haven.web.requests import SignedInRequest

router = Router(tags=["cases"])


def _school(request: SignedInRequest, value: int | str) -> School:
    schools = policy.visible_to(request.user, School)
    found = schools.filter(pk=value) if isinstance(value, int) else schools.filter(slug=value)
    school = found.first()
    if school is None:
        raise ValidationError({"school": "No such school."})
    return school


def _student(request: SignedInRequest, student_id: int | None) -> Student | None:
    if student_id is None:
        return None
    found = policy.visible_to(request.user, Student).filter(pk=student_id).first()
    if found is None:
        raise ValidationError({"student": "No such student."})
    return found


def _users(usernames: list[str], field: str) -> list[Any]:
    found = {u.username: u for u in User.objects.filter(username__in=usernames)}
    unknown = sorted(set(usernames) - set(found))
    if unknown:
        raise ValidationError({field: f"No such user: {', '.join(unknown)}."})
    return [found[name] for name in usernames]


def _case(request: SignedInRequest, case_id: int) -> Case:
    # Each service audits its own read; this only finds the case (404 if not visible).
    return services.require_case(request.user, case_id)


def _detail(request: SignedInRequest, case: Any) -> dict[str, Any]:
    return case_detail(case, services.compartment_access(request.user, case))


# --- cases ----------------------------------------------------------------------------------------


@router.get("", response=list[CaseSummaryOut], url_name="cases")
def list_cases(
    request: SignedInRequest,
    school: str | None = None,
    status: str | None = None,
    mine: bool = False,
    limit: int = 50,
    offset: int = 0,
):
    chosen = _school(request, school) if school else None
    window = page(limit, offset, most=500)
    rows = services.list_cases(
        request.user,
        school=chosen,
        status=status,
        mine=mine,
        limit=window.stop - window.start,
        offset=window.start,
    )
    return [case_summary(c) for c in rows]


@router.post("", response={201: CaseOut}, url_name="case_create")
def create_case(request: SignedInRequest, body: CaseIn):
    school = _school(request, body.school)
    if not policy.may_open_case(request.user, school):  # before looking at the other fields
        raise PermissionDenied("You cannot open cases at this school.")
    tip = None
    if body.source_tip is not None:
        from haven.tips.models import Tip

        tip = policy.visible_to(request.user, Tip).filter(pk=body.source_tip).first()
        if tip is None:
            raise ValidationError({"source_tip": "No such tip."})
    referral = None
    if body.referral is not None:
        referral = policy.visible_to(request.user, Referral).filter(pk=body.referral).first()
        if referral is None:
            raise ValidationError({"referral": "No such referral."})
    case = services.open_case(
        request.user,
        school=school,
        type=body.type,
        summary=body.summary,
        student=_student(request, body.student),
        unknown_person=body.unknown_person,
        priority=PRIORITY_BY_NAME[body.priority],
        team=_users(body.team, "team"),
        source_tip=tip,
        source_signal_id=body.source_signal_id,
        referral=referral,
        reference=body.reference,
    )
    return Status(201, _detail(request, services.get_case(request.user, case.pk)))


@router.get("/referrals", response=list[ReferralOut], url_name="case_referrals")
def list_referrals(request: SignedInRequest, status: str | None = None, limit: int = 50):
    window = page(limit, most=500)
    rows = services.referrals(request.user, status=status, limit=window.stop - window.start)
    return [referral_out(r, full=policy.may_handle_referral(request.user, r)) for r in rows]


@router.post("/referrals", response={201: ReferralOut}, url_name="case_referral_create")
def create_referral(request: SignedInRequest, body: ReferralIn):
    school = _school(request, body.school)
    if not policy.may_refer(request.user, school):
        raise PermissionDenied("You cannot make referrals at this school.")
    referral = services.refer(
        request.user,
        school=school,
        concern=body.concern,
        warning_signs=body.warning_signs,
        student=_student(request, body.student),
        unknown_person=body.unknown_person,
    )
    return Status(
        201, referral_out(referral, full=policy.may_handle_referral(request.user, referral))
    )


@router.post(
    "/referrals/{referral_id}/dismiss", response=ReferralOut, url_name="case_referral_dismiss"
)
def dismiss_referral(request: SignedInRequest, referral_id: int, body: ReasonIn):
    referral = services.get_referral(request.user, referral_id)
    referral = services.dismiss_referral(request.user, referral, body.reason)
    return referral_out(referral, full=True)


@router.get("/{case_id}", response=CaseOut, url_name="case")
def get_case(request: SignedInRequest, case_id: int):
    return _detail(request, services.get_case(request.user, case_id))


@router.post("/{case_id}/team", response=CaseOut, url_name="case_team")
def set_team(request: SignedInRequest, case_id: int, body: TeamIn):
    case = _case(request, case_id)
    services.set_team(request.user, case, _users(body.members, "members"))
    return _detail(request, case)


@router.post("/{case_id}/close", response=CaseOut, url_name="case_close")
def close_case(request: SignedInRequest, case_id: int, body: CaseCloseIn):
    case = services.close_case(
        request.user, _case(request, case_id), criteria=body.criteria, summary=body.summary
    )
    return _detail(request, case)


@router.post("/{case_id}/reopen", response=CaseOut, url_name="case_reopen")
def reopen_case(request: SignedInRequest, case_id: int, body: ReasonIn):
    case = services.reopen_case(request.user, _case(request, case_id), body.reason)
    return _detail(request, case)


@router.get("/{case_id}/timeline", response=list[CaseEventOut], url_name="case_timeline")
def timeline(request: SignedInRequest, case_id: int):
    return [event_out(e) for e in services.timeline(request.user, _case(request, case_id))]


# --- compartments ---------------------------------------------------------------------------------


@router.get("/{case_id}/notes", response=list[NoteOut], url_name="case_notes")
def list_notes(request: SignedInRequest, case_id: int, compartment: CompartmentName = "team"):
    case = _case(request, case_id)
    return [note_out(n) for n in services.notes(request.user, case, compartment)]


@router.post("/{case_id}/notes", response={201: NoteOut}, url_name="case_note_create")
def create_note(
    request: SignedInRequest, case_id: int, body: TextIn, compartment: CompartmentName = "team"
):
    note = services.add_note(request.user, _case(request, case_id), compartment, body.text)
    return Status(201, note_out(note))


@router.post(
    "/{case_id}/notes/{note_id}/summary", response={201: NoteOut}, url_name="case_note_publish"
)
def publish_summary(request: SignedInRequest, case_id: int, note_id: int, body: TextIn):
    case = _case(request, case_id)
    note = Note.objects.filter(case=case, pk=note_id).first()
    if note is None:
        raise Http404
    return Status(201, note_out(services.publish_summary(request.user, note, body.text)))


@router.post("/{case_id}/break-glass", response={201: GrantOut}, url_name="case_break_glass")
def break_glass(request: SignedInRequest, case_id: int, body: BreakGlassIn):
    case = _case(request, case_id)
    grant = services.break_glass(request.user, case, body.compartment, body.reason)
    return Status(
        201,
        {
            "grant": grant.pk,
            "case": case.pk,
            "compartment": grant.compartment,
            "granted_at": grant.granted_at,
            "expires_at": grant.expires_at,
        },
    )


@router.get("/{case_id}/screenings", response=list[CaseScreeningOut], url_name="case_screenings")
def list_screenings(request: SignedInRequest, case_id: int):
    case = _case(request, case_id)
    rows = services.screenings(request.user, case)
    clinical = policy.can_read_compartment(request.user, case, "clinical")
    return [
        screening_out(s, services.screening_answers(request.user, s) if clinical else None)
        for s in rows
    ]


@router.post(
    "/{case_id}/screenings", response={201: CaseScreeningOut}, url_name="case_screening_create"
)
def create_screening(request: SignedInRequest, case_id: int, body: CaseScreeningIn):
    screening: Screening = services.screen(request.user, _case(request, case_id), body.answers)
    return Status(201, screening_out(screening))


# --- pathway, assessments -------------------------------------------------------------------------


@router.get("/{case_id}/pathway", response=list[ObservationOut], url_name="case_pathway")
def pathway(request: SignedInRequest, case_id: int):
    rows = services.pathway_history(request.user, _case(request, case_id))
    return [observation_out(o) for o in rows]


@router.post("/{case_id}/pathway", response={201: ObservationOut}, url_name="case_pathway_create")
def observe(request: SignedInRequest, case_id: int, body: ObservationIn):
    observation = services.observe(
        request.user,
        _case(request, case_id),
        stage=body.stage,
        observed_on=body.observed_on,
        source=body.source,
        summary=body.summary,
    )
    return Status(201, observation_out(observation))


@router.get("/{case_id}/assessments", response=list[AssessmentOut], url_name="case_assessments")
def list_assessments(request: SignedInRequest, case_id: int):
    views = services.assessments(request.user, _case(request, case_id))
    return [assessment_out(v) for v in views]


@router.post(
    "/{case_id}/assessments", response={201: AssessmentOut}, url_name="case_assessment_create"
)
def start_assessment(request: SignedInRequest, case_id: int, body: AssessmentIn):
    assessment = services.start_assessment(request.user, _case(request, case_id), body.model)
    return Status(201, assessment_out(services.assessment_view(request.user, assessment)))


@router.post(
    "/{case_id}/assessments/{assessment_id}/steps/{step_key}",
    response=AssessmentOut,
    url_name="case_step_update",
)
def save_step(
    request: SignedInRequest, case_id: int, assessment_id: int, step_key: str, body: StepIn
):
    assessment = services.get_assessment(request.user, _case(request, case_id), assessment_id)
    services.save_step(
        request.user,
        assessment,
        step_key,
        answers=body.answers,
        classification=body.classification,
        rationale=body.rationale,
    )
    return assessment_out(services.assessment_view(request.user, assessment))


@router.post(
    "/{case_id}/assessments/{assessment_id}/steps/{step_key}/close",
    response=AssessmentOut,
    url_name="case_step_close",
)
def close_step(request: SignedInRequest, case_id: int, assessment_id: int, step_key: str):
    assessment = services.get_assessment(request.user, _case(request, case_id), assessment_id)
    services.close_step(request.user, assessment, step_key)
    return assessment_out(services.assessment_view(request.user, assessment))


@router.post("/{case_id}/actions/{item_id}", response=AssessmentOut, url_name="case_action")
def settle_action(request: SignedInRequest, case_id: int, item_id: int, body: SettleIn):
    case = _case(request, case_id)
    item = (
        ActionItem.objects.select_related("record__assessment")
        .filter(pk=item_id, record__assessment__case=case)
        .first()
    )
    if item is None:
        raise Http404
    services.settle_action(request.user, item, status=body.status, reason=body.reason)
    return assessment_out(services.assessment_view(request.user, item.record.assessment))


# --- plan, reviews, chat --------------------------------------------------------------------------


@router.get("/{case_id}/plan", response=PlanOut, url_name="case_plan")
def get_plan(request: SignedInRequest, case_id: int):
    found = services.plan(request.user, _case(request, case_id))
    return {
        "items": [plan_item_out(i) for i in found.items],
        "reviews": [review_out(r) for r in found.reviews],
    }


@router.post("/{case_id}/plan/items", response={201: PlanItemOut}, url_name="case_plan_item")
def add_plan_item(request: SignedInRequest, case_id: int, body: PlanItemIn):
    item = services.add_plan_item(
        request.user,
        _case(request, case_id),
        kind=body.kind,
        description=body.description,
        owner=_users([body.owner], "owner")[0],
        due_on=body.due_on,
    )
    return Status(201, plan_item_out(item))


@router.post(
    "/{case_id}/plan/items/{item_id}", response=PlanItemOut, url_name="case_plan_item_status"
)
def settle_plan_item(request: SignedInRequest, case_id: int, item_id: int, body: PlanItemStatusIn):
    item = PlanItem.objects.filter(case=_case(request, case_id), pk=item_id).first()
    if item is None:
        raise Http404
    return plan_item_out(services.settle_plan_item(request.user, item, status=body.status))


@router.post("/{case_id}/reviews", response={201: ReviewOut}, url_name="case_review")
def schedule_review(request: SignedInRequest, case_id: int, body: CaseReviewIn):
    review = services.schedule_review(request.user, _case(request, case_id), due_on=body.due_on)
    return Status(201, review_out(review))


@router.post("/{case_id}/reviews/{review_id}", response=ReviewOut, url_name="case_review_record")
def record_review(request: SignedInRequest, case_id: int, review_id: int, body: ReviewOutcomeIn):
    review = Review.objects.filter(case=_case(request, case_id), pk=review_id).first()
    if review is None:
        raise Http404
    return review_out(services.record_review(request.user, review, outcome=body.outcome))


@router.get("/{case_id}/messages", response=list[CaseMessageOut], url_name="case_messages")
def list_messages(request: SignedInRequest, case_id: int):
    return [message_out(m) for m in services.messages(request.user, _case(request, case_id))]


@router.post("/{case_id}/messages", response={201: CaseMessageOut}, url_name="case_message_create")
def post_message(request: SignedInRequest, case_id: int, body: CaseMessageIn):
    message = services.post_message(request.user, _case(request, case_id), body.text)
    return Status(201, message_out(message))
