"""The tip line's API: public submission and follow-up (no sign-in), and the responders' endpoints
(token or session), scoped by the access policy."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from haven.access import policy
from haven.tips import services, throttle
from haven.tips.models import Category, Disposition, Tip
from haven.web.api import page, parse, read_body, read_data, request_body
from haven.web.requests import SignedInRequest

log = logging.getLogger(__name__)

public = Router(tags=["tip line (public)"], auth=None)
staff = Router(tags=["tips"])

RECEIPT_HEADER = "HTTP_X_HAVEN_RECEIPT"
#: A caller past the allowance answers the challenge of its last 429 here: ``token:nonce`` (the
#: proof of work) or ``token`` alone once the challenge's wait is over.
PROOF_HEADER = "HTTP_X_HAVEN_PROOF"
RECEIPT_PARAMETER = {
    "in": "header",
    "name": "X-Haven-Receipt",
    "required": True,
    "schema": {"type": "string"},
    "description": "The receipt the tip line gave when the tip was sent (a wrong one is a 404)",
}
PROOF_PARAMETER = {
    "in": "header",
    "name": "X-Haven-Proof",
    "required": False,
    "schema": {"type": "string"},
    "description": (
        "The answer to the challenge of the caller's last 429: `<token>:<nonce>` (the proof of "
        "work) or `<token>` alone once the challenge's wait is over"
    ),
}


class Contact(Schema):
    name: str = Field("", max_length=200)
    email: str = Field("", max_length=200)
    phone: str = Field("", max_length=200)


class TipIn(Schema):
    school: str = Field("", max_length=100)
    category: Category
    description: str = Field(..., min_length=1, max_length=services.MAX_DESCRIPTION)
    location: str = Field("", max_length=500)
    occurred_at: datetime | None = None
    subject_names: list[str] = Field(default_factory=list, max_length=services.MAX_SUBJECTS)
    online: bool = False
    online_platform: str = Field("", max_length=100)
    online_url: str = Field("", max_length=2000)
    danger_now: bool = False
    contact: Contact | None = None
    language: str = Field("en", max_length=10)


class ReceiptOut(Schema):
    receipt: str
    status: str
    life_safety: bool


class ChallengeOut(Schema):
    token: str
    bits: int
    wait_seconds: int


class SlowDownOut(Schema):
    detail: str
    challenge: ChallengeOut


class BusyOut(Schema):
    detail: str


class MessageIn(Schema):
    body: str = Field(..., min_length=1, max_length=services.MAX_MESSAGE)


class MessageOut(Schema):
    id: int
    sender: str
    body: str
    created_at: datetime
    author: str | None = None
    internal: bool = False


class ReporterTipOut(Schema):
    status: str
    category: str
    created_at: datetime
    messages: list[MessageOut]


def _too_many(limit: throttle.Limit) -> HttpError:
    return HttpError(429, f"Too many requests. Try again in {throttle.retry_after(limit)} seconds.")


NOT_STORED = (
    "The tip line is very busy and nothing was stored. Please try again in a minute. "
    "If someone is in danger right now, call 911."
)


@public.post(
    "/tips",
    response={201: ReceiptOut, 429: SlowDownOut, 503: BusyOut},
    url_name="public_tip_submit",
    openapi_extra={**request_body(TipIn, multipart=True), "parameters": [PROOF_PARAMETER]},
)
def submit_tip(request: HttpRequest):
    """Submit a tip as JSON, or as multipart with a `data` part (the same JSON) and `files`.

    A caller who sent many tips in the last hour gets a 429 with a challenge instead of a receipt:
    send the tip again with `X-Haven-Proof: <token>:<nonce>`, where SHA-256 of
    `<last part of token>:<nonce>` starts with `bits` zero bits, or with `X-Haven-Proof: <token>`
    after `wait_seconds` (also in `Retry-After`). A 503 means nothing was stored: send it again."""
    payload, files = _read_submission(request)  # a bad body is refused before it is counted
    admission = throttle.admit(request, request.META.get(PROOF_HEADER, ""))
    if admission.challenge is not None:
        return _slow_down(admission.challenge)
    try:
        tip, receipt = services.submit(_tip_input(payload, files))
    except services.NotStored:
        admission.release()
        return JsonResponse({"detail": NOT_STORED}, status=503, headers={"Retry-After": "60"})
    except BaseException:
        admission.release()  # refused (422) or failed: not stored, not counted
        raise
    return Status(201, {"receipt": receipt, "status": tip.status, "life_safety": tip.life_safety})


def _slow_down(challenge: throttle.Challenge) -> JsonResponse:
    wait = challenge.seconds_left()
    return JsonResponse(
        {
            "detail": (
                "Many tips came from your network in the last hour: send this one again with "
                f"the proof of work in X-Haven-Proof, or after {wait} seconds with the token alone."
            ),
            "challenge": {"token": challenge.token, "bits": challenge.bits, "wait_seconds": wait},
        },
        status=429,
        headers={"Retry-After": str(max(1, wait))},
    )


def _tip_input(payload: TipIn, files: list[Any]) -> services.TipInput:
    return services.TipInput(
        category=payload.category,
        description=payload.description,
        school=payload.school,
        location=payload.location,
        occurred_at=payload.occurred_at,
        subject_names=payload.subject_names,
        online=payload.online,
        online_platform=payload.online_platform,
        online_url=payload.online_url,
        danger_now=payload.danger_now,
        contact=payload.contact.model_dump() if payload.contact else None,
        language=payload.language,
        files=files,
    )


@contextmanager
def _busy_is_503() -> Iterator[None]:
    """A database too busy to take the write in time (SQLite's lock wait ran out, PostgreSQL out
    of connections) is a clear 503 — nothing was stored, try again — never a 500."""
    try:
        yield
    except (OperationalError, InterfaceError) as exc:
        log.warning("the tip line's database was too busy; nothing was stored: %s", type(exc))
        raise HttpError(503, NOT_STORED) from exc


def _read_submission(request: HttpRequest) -> tuple[TipIn, list[Any]]:
    data, files = read_data(request, files=True)
    return parse(TipIn, data), files


def _reporter_tip(request: HttpRequest) -> tuple[Tip, str]:
    who = throttle.caller(request)
    if throttle.exceeded(throttle.CALLER_GUESS, who):
        raise _too_many(throttle.CALLER_GUESS)
    receipt = request.META.get(RECEIPT_HEADER, "")
    with _busy_is_503():
        tip = services.find_by_receipt(receipt)
    if tip is None:
        throttle.hit(throttle.CALLER_GUESS, who)
        raise Http404
    return tip, receipt


def _reporter_messages(tip: Tip) -> list[dict[str, Any]]:
    return [
        {
            "id": m.pk,
            "sender": m.sender,
            "body": m.body,
            "created_at": m.created_at,
            "author": m.author.label if (m.signed and m.author) else None,
        }
        for m in services.reporter_thread(tip)
    ]


@public.get(
    "/tips/mine",
    response=ReporterTipOut,
    url_name="public_tip_mine",
    openapi_extra={"parameters": [RECEIPT_PARAMETER]},
)
def my_tip(request: HttpRequest):
    tip, _ = _reporter_tip(request)
    services.reporter_opened(tip)
    return {
        "status": tip.status,
        "category": tip.category,
        "created_at": tip.created_at,
        "messages": _reporter_messages(tip),
    }


@public.post(
    "/tips/mine/messages",
    response={201: MessageOut},
    url_name="public_tip_message",
    openapi_extra={**request_body(MessageIn), "parameters": [RECEIPT_PARAMETER]},
)
def my_tip_message(request: HttpRequest):
    """The reporter answers. The receipt is checked before the body is read: without the right
    receipt every request is the same 404."""
    tip, receipt = _reporter_tip(request)
    who = throttle.caller(request)
    if not throttle.reserve(throttle.CALLER_MESSAGE, who):
        raise _too_many(throttle.CALLER_MESSAGE)
    try:
        payload = read_body(request, MessageIn)
        with _busy_is_503():
            message = services.reporter_message(tip, receipt, payload.body)
    except BaseException:
        throttle.refund(throttle.CALLER_MESSAGE, who)  # refused or failed: not counted
        raise
    return Status(
        201,
        {
            "id": message.pk,
            "sender": message.sender,
            "body": message.body,
            "created_at": message.created_at,
        },
    )


# --- responders -----------------------------------------------------------------------------------


class TipSummary(Schema):
    id: int
    school: str | None
    category: str
    status: str
    disposition: str
    life_safety: bool
    created_at: datetime
    acknowledged_at: datetime | None
    escalation_tier: int


class GroupOut(Schema):
    id: int | None
    size: int


class TipDetail(TipSummary):
    description: str
    location: str
    occurred_at: datetime | None
    subject_names: list[str]
    online: bool
    online_platform: str
    online_url: str
    danger_now: bool
    confidential: bool
    triage: dict[str, Any]
    messages: list[MessageOut]
    attachments: list[dict[str, Any]]
    related: list[int]
    group: GroupOut


class CloseIn(Schema):
    disposition: Disposition


class StaffMessageIn(MessageIn):
    internal: bool = False
    signed: bool = False


def _summary(tip: Tip) -> dict[str, Any]:
    return {
        "id": tip.pk,
        "school": tip.school.slug if tip.school else None,
        "category": tip.category,
        "status": tip.status,
        "disposition": tip.disposition,
        "life_safety": tip.life_safety,
        "created_at": tip.created_at,
        "acknowledged_at": tip.acknowledged_at,
        "escalation_tier": tip.escalation_tier,
    }


def _visible(request: SignedInRequest, tip_id: int) -> Tip:
    return policy.get_visible_or_404(request.user, Tip.objects.select_related("school"), tip_id)


def _detail(request: SignedInRequest, tip: Tip) -> dict[str, Any]:
    messages = [
        {
            "id": m.pk,
            "sender": m.sender,
            "body": m.body,
            "created_at": m.created_at,
            "author": m.author.label if m.author else None,
            "internal": m.internal,
        }
        for m in tip.messages.select_related("author")
    ]
    files = [
        {"id": a.pk, "kind": a.kind, "content_type": a.content_type, "size": a.size}
        for a in tip.attachments.all()
    ]
    return {
        **_summary(tip),
        "description": tip.description,
        "location": tip.location,
        "occurred_at": tip.occurred_at,
        "subject_names": tip.subject_names,
        "online": tip.online,
        "online_platform": tip.online_platform,
        "online_url": tip.online_url,
        "danger_now": tip.danger_now,
        "confidential": tip.confidential,
        "triage": tip.triage,
        "messages": messages,
        "attachments": files,
        "related": list(tip.related.values_list("pk", flat=True)),
        "group": {
            "id": tip.group_id,
            "size": services.members(request.user, tip.group_id).count() if tip.group_id else 1,
        },
    }


@staff.get("", response=list[TipSummary], url_name="tips")
def list_tips(
    request: SignedInRequest,
    school: str | None = None,
    status: str | None = None,
    category: str | None = None,
    life_safety: bool | None = None,
    group: int | None = None,
    limit: int = 100,
    offset: int = 0,
):
    """The tips the caller may see (life-safety first, newest first), filtered; ``group`` lists
    the tips of one group (as ``group.id`` in a tip's detail)."""
    qs = policy.visible_to(request.user, Tip).select_related("school")
    if school:
        qs = qs.filter(school__slug=school)
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    if life_safety is not None:
        qs = qs.filter(life_safety=life_safety)
    if group is not None:
        qs = qs.filter(group_id=group)
    tips = list(qs.order_by("-life_safety", "-created_at")[page(limit, offset, most=500)])
    services.listed(request.user, tips)
    return [_summary(t) for t in tips]


@staff.get("/{tip_id}", response=TipDetail, url_name="tip")
def get_tip(request: SignedInRequest, tip_id: int):
    tip = _visible(request, tip_id)
    services.open_tip(request.user, tip)
    return _detail(request, tip)


@staff.post("/{tip_id}/acknowledge", response=TipSummary, url_name="tip_acknowledge")
def acknowledge_tip(request: SignedInRequest, tip_id: int):
    return _summary(services.acknowledge(request.user, _visible(request, tip_id)))


@staff.post(
    "/{tip_id}/messages",
    response={201: MessageOut},
    url_name="tip_messages",
    openapi_extra=request_body(StaffMessageIn),
)
def message_tip(request: SignedInRequest, tip_id: int):
    """A question to the reporter, or (``internal``) a note among responders."""
    tip = _visible(request, tip_id)
    payload = read_body(request, StaffMessageIn)
    message = services.staff_message(
        request.user, tip, payload.body, internal=payload.internal, signed=payload.signed
    )
    return Status(
        201,
        {
            "id": message.pk,
            "sender": message.sender,
            "body": message.body,
            "created_at": message.created_at,
            "author": message.author.label if message.author else None,
            "internal": message.internal,
        },
    )


@staff.post(
    "/{tip_id}/close",
    response=TipSummary,
    url_name="tip_close",
    openapi_extra=request_body(CloseIn),
)
def close_tip(request: SignedInRequest, tip_id: int):
    """Close the tip with its disposition (case opened, referred, resolved, unfounded, prank)."""
    tip = _visible(request, tip_id)
    payload = read_body(request, CloseIn)
    return _summary(services.close(request.user, tip, payload.disposition))
