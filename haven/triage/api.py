"""Triage's API: signals from monitoring tools (``POST /signals``), the signals a user may see and
their review, and the classifier on request (``POST /triage/classify``).

An integration is a dedicated service account holding a role with ``SIGNALS_SUBMIT`` (a school or
district administrator role) and an API token (``haven token create USERNAME``). Access is checked
before the body is read, so a caller who may not submit learns nothing from a 422; bodies are read
by hand and bad ones are a 400 or a 422 naming the field, never a 500.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from haven.access import policy
from haven.access.policy import Perm
from haven.triage import services
from haven.triage.models import DismissReason, Signal, Urgency
from haven.triage.models import Status as SignalStatus
from haven.triage.text import MAX_CHARS
from haven.web.api import page, read_body, request_body
from haven.web.requests import SignedInRequest

router = Router(tags=["triage"])
LIST_LIMIT = 200


class SignalIn(Schema):
    student: str = Field(..., description="The student's OneRoster sourcedId, or Haven id")
    source: str = Field(..., description="The monitoring tool's name")
    text: str = Field(
        ..., description=f"What was flagged; cut to {MAX_CHARS} characters (see `truncated`)"
    )
    observed_at: datetime
    url: str = ""
    context: str | dict[str, Any] | list[Any] | None = None


class CategoryScore(Schema):
    name: str
    score: float


class EvidenceOut(Schema):
    start: int
    end: int
    category: str


class SignalOut(Schema):
    id: int
    student: int
    school: str
    source: str
    urgency: str
    route: str
    status: str
    sensitive: bool
    categories: list[CategoryScore]
    flagged: list[str]
    evidence: list[EvidenceOut]
    truncated: bool
    repeat_count: int
    observed_at: datetime
    received_at: datetime
    last_seen_at: datetime
    dismiss_reason: str


class IntakeOut(SignalOut):
    duplicate_of: int | None


class SignalDetail(SignalOut):
    text: str
    url: str
    context: Any
    review_note: str
    case_id: int | None


class ReviewIn(Schema):
    verdict: Literal["confirm", "dismiss"]
    reason: DismissReason | None = None
    note: str = ""
    open_case: bool = False
    case_type: Literal["threat", "self_harm", "both", ""] = ""


class ClassifyIn(Schema):
    text: str


class ClassifyOut(Schema):
    categories: list[CategoryScore]
    urgency: str
    evidence: list[EvidenceOut]
    truncated: bool
    reported: bool


def _out(signal: Signal) -> dict[str, Any]:
    reading = signal.reading or {}
    return {
        "id": signal.pk,
        "student": signal.student_id,
        "school": signal.school.slug,
        "source": signal.source,
        "urgency": signal.urgency,
        "route": signal.route,
        "status": signal.status,
        "sensitive": signal.sensitive,
        "categories": reading.get("categories", []),
        "flagged": signal.flagged,
        "evidence": reading.get("evidence", []),
        "truncated": signal.truncated,
        "repeat_count": signal.repeat_count,
        "observed_at": signal.observed_at,
        "received_at": signal.received_at,
        "last_seen_at": signal.last_seen_at,
        "dismiss_reason": signal.dismiss_reason,
    }


def _detail(signal: Signal) -> dict[str, Any]:
    return {
        **_out(signal),
        "text": signal.text,
        "url": signal.url,
        "context": signal.context,
        "review_note": signal.review_note,
        "case_id": signal.case_id,
    }


@router.post(
    "/signals",
    response={200: IntakeOut, 201: IntakeOut},
    url_name="signal_submit",
    openapi_extra=request_body(SignalIn),
)
def submit_signal(request: SignedInRequest):
    """Receive a signal from a monitoring tool. 201 with the new signal, or 200 with the first
    one (``duplicate_of``) when the same text about the same student came within the window."""
    if not policy.has_perm(request.user, Perm.SIGNALS_SUBMIT):
        raise PermissionDenied(_("You cannot submit signals."))
    payload = read_body(request, SignalIn, fallback_charset="cp1252")
    try:
        intake = services.submit_signal(
            request.user,
            services.SignalInput(
                student=payload.student,
                source=payload.source,
                text=payload.text,
                observed_at=payload.observed_at,
                url=payload.url,
                context=payload.context,
            ),
        )
    except services.UnknownStudent as exc:
        raise HttpError(
            404,
            "No such student at the schools you submit signals for: send the student's "
            "OneRoster sourcedId or Haven id.",
        ) from exc
    body = {**_out(intake.signal), "duplicate_of": intake.duplicate_of}
    body["truncated"] = intake.truncated
    return Status(200 if intake.duplicate_of else 201, body)


@router.get("/signals", response=list[SignalOut], url_name="signals")
def list_signals(
    request: SignedInRequest,
    status: SignalStatus | None = None,
    urgency: Urgency | None = None,
    school: str = "",
    source: str = "",
    limit: int = 50,
):
    """Signals the caller may see, the most urgent and newest first (without their text)."""
    qs = policy.visible_to(request.user, Signal).select_related("school")
    if status:
        qs = qs.filter(status=status)
    if urgency:
        qs = qs.filter(urgency=urgency)
    if school:
        qs = qs.filter(school__slug=school)
    if source:
        qs = qs.filter(source=source)
    return [_out(s) for s in qs.order_by("-received_at", "-pk")[page(limit, most=LIST_LIMIT)]]


@router.get("/signals/{signal_id}", response=SignalDetail, url_name="signal")
def get_signal(request: SignedInRequest, signal_id: int):
    """One signal with its text (the read is audited)."""
    return _detail(services.get_signal(request.user, signal_id))


@router.post(
    "/signals/{signal_id}/review",
    response=SignalDetail,
    url_name="signal_review",
    openapi_extra=request_body(ReviewIn),
)
def review_signal(request: SignedInRequest, signal_id: int):
    """Confirm (optionally opening a case) or dismiss a signal, with a reason."""
    if not services.may_see(request.user, Signal(pk=signal_id)):
        raise HttpError(404, "Not found.")
    payload = read_body(request, ReviewIn, fallback_charset="cp1252")
    if payload.verdict == "confirm":
        signal = services.confirm(
            request.user,
            signal_id,
            note=payload.note,
            open_case=payload.open_case,
            case_type=payload.case_type,
        )
    else:
        signal = services.dismiss(
            request.user, signal_id, reason=payload.reason or "", note=payload.note
        )
    return _detail(signal)


@router.post(
    "/triage/classify",
    response=ClassifyOut,
    url_name="triage_classify",
    openapi_extra=request_body(ClassifyIn),
)
def classify(request: SignedInRequest):
    """The classifier's reading of a text: scores per category, urgency, evidence spans. Texts
    over the limit are cut to it (``truncated``). Audited without the text."""
    if not policy.may_classify(request.user):
        raise PermissionDenied(_("You cannot use the classifier."))
    payload = read_body(request, ClassifyIn, fallback_charset="cp1252")
    return services.classify_for(request.user, payload.text)
