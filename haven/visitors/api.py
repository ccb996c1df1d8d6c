"""Visits through the API: check in (with screening), read, list who is on site, sign out, answer
a possible match, and parse an ID's barcode.

Access is asked before a body is read, so someone who may not check visitors in gets a 404
whatever they send; bodies are then read and validated here (a 422 names each bad field).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status

from haven.access import policy
from haven.access.policy import Perm
from haven.audit import services as audit
from haven.core.models import School, Staff
from haven.visitors import aamva, services, watchlists
from haven.visitors.models import Visit
from haven.web.api import page, read_body, request_body
from haven.web.requests import SignedInRequest

router = Router(tags=["visitors"])
MAX_LIST = 1000


class VisitIn(Schema):
    school: str = Field(..., min_length=1, max_length=100, description="School slug")
    purpose: str = Field(..., min_length=1, max_length=200)
    destination: str = Field("", max_length=200)
    host: int | None = Field(None, description="A staff member's id (GET /api/v1/staff)")
    kind: Visit.Kind = Visit.Kind.VISITOR
    id_barcode: str | None = Field(
        None, max_length=10_000, description="The raw text of the ID's PDF417 barcode"
    )
    first_name: str | None = Field(None, max_length=100)
    middle_name: str = Field("", max_length=100)
    last_name: str | None = Field(None, max_length=100)
    date_of_birth: dt.date | None = None
    dob_typed_by_hand: bool = Field(
        True, description="The date of birth was typed, not read from an ID (widens screening)"
    )


class DecisionIn(Schema):
    answer: Visit.Answer


class ParseIn(Schema):
    barcode: str = Field(..., max_length=10_000)


class VisitMatchOut(Schema):
    source: str
    record_id: str
    name: str
    date_of_birth: dt.date | None
    score: float
    label: str = ""


class VisitScreeningOut(Schema):
    outcome: str
    matches: list[VisitMatchOut]
    review_answer: str
    decision: str


class VisitorOut(Schema):
    first_name: str
    middle_name: str
    last_name: str
    suffix: str
    name: str


class HostOut(Schema):
    id: int
    name: str


class VisitOut(Schema):
    id: int
    school: str
    kind: str
    status: str
    purpose: str
    destination: str
    host: HostOut | None
    visitor: VisitorOut
    at_kiosk: bool
    checked_in_at: dt.datetime
    checked_out_at: dt.datetime | None
    screening: VisitScreeningOut | None
    badge_url: str | None


class AddressOut(Schema):
    street: str
    city: str
    state: str
    postal_code: str


class LicenseOut(Schema):
    first_name: str
    middle_name: str
    last_name: str
    suffix: str
    date_of_birth: dt.date
    id_number: str
    expires: dt.date | None
    sex: str
    address: AddressOut
    jurisdiction: str
    aamva_version: int


# --- reading bodies after the access check --------------------------------------------------------


# --- shapes ---------------------------------------------------------------------------------------


def _out(request: SignedInRequest, visit: Visit) -> dict[str, Any]:
    person = visit.person
    screening = None
    if policy.may_see_screening(request.user, visit):
        everything = [*visit.registry_matches(), *visit.watchlist_matches]
        matches = [
            {**m, "label": m.get("label", "")}
            for m in watchlists.shown_to(request.user, everything, [visit.school])
        ]
        screening = {
            "outcome": visit.outcome,
            "matches": matches,
            "review_answer": visit.review_answer,
            "decision": visit.decision,
        }
    badge = None
    if visit.has_badge:
        badge = request.build_absolute_uri(reverse("visitors:badge", args=[visit.pk]))
    return {
        "id": visit.pk,
        "school": visit.school.slug,
        "kind": visit.kind,
        "status": visit.status,
        "purpose": visit.purpose,
        "destination": visit.destination,
        "host": {"id": visit.host.pk, "name": visit.host.full_name} if visit.host else None,
        "visitor": {
            "first_name": person.first_name,
            "middle_name": person.middle_name,
            "last_name": person.last_name,
            "suffix": person.suffix,
            "name": person.name,
        },
        "at_kiosk": visit.at_kiosk,
        "checked_in_at": visit.checked_in_at,
        "checked_out_at": visit.checked_out_at,
        "screening": screening,
        "badge_url": badge,
    }


def _require(request: SignedInRequest, *perms: Perm) -> None:
    if not any(policy.has_perm(request.user, perm) for perm in perms):
        raise Http404


def _visible(request: SignedInRequest, pk: int) -> Visit:
    return policy.get_visible_or_404(
        request.user, Visit.objects.select_related("school", "person", "host", "screening"), pk
    )


def _school(request: SignedInRequest, slug: str, perm: Perm) -> School:
    school = policy.schools_for(request.user, perm).filter(slug=slug).first()
    if school is None:
        raise Http404
    return school


# --- endpoints ------------------------------------------------------------------------------------


@router.post(
    "/visits",
    response={201: VisitOut},
    url_name="visits",
    openapi_extra=request_body(VisitIn),
)
def create_visit(request: SignedInRequest):
    """Check a visitor in: from the ID's barcode text (``id_barcode``) or a typed name and date of
    birth. The visitor is screened first; a ``match`` records the attempt but issues no badge
    (``badge_url`` null), and so does a ``review`` until it is answered."""
    _require(request, Perm.VISITORS_MANAGE)
    body = read_body(request, VisitIn)
    school = _school(request, body.school, Perm.VISITORS_MANAGE)
    if body.id_barcode and body.id_barcode.strip():
        details = services.from_barcode(body.id_barcode, "id_barcode")
    else:
        details = services.typed(
            body.first_name, body.last_name, body.date_of_birth, body.middle_name
        )
        details.dob_typed_by_hand = body.dob_typed_by_hand
    host = None
    if body.host is not None:
        host = Staff.objects.filter(pk=body.host, schools=school).first()
        if host is None:
            raise ValidationError({"host": "is not a staff member of this school"})
    visit = services.check_in(
        request.user,
        school,
        details,
        purpose=body.purpose,
        destination=body.destination,
        host=host,
        kind=body.kind,
    )
    return Status(201, _out(request, visit))


@router.get("/visits", response=list[VisitOut], url_name="visits")
def list_visits(
    request: SignedInRequest,
    school: str | None = Query(None, description="School slug"),  # type: ignore[type-arg]
    on_site: bool = False,
    limit: int = Query(100, description=f"At most {MAX_LIST}"),  # type: ignore[type-arg]
):
    """Visits newest first; ``on_site=true`` gives who is in the building now (admitted, or
    waiting at the desk for a screening decision), oldest first."""
    _require(request, Perm.VISITORS_MANAGE, Perm.SCREENING_VIEW)
    qs = policy.visible_to(request.user, Visit).select_related(
        "school", "person", "host", "screening"
    )
    if school:
        found = School.objects.filter(slug=school).first()
        if found is None or not (
            policy.has_perm(request.user, Perm.VISITORS_MANAGE, found)
            or policy.has_perm(request.user, Perm.SCREENING_VIEW, found)
        ):
            raise Http404
        qs = qs.filter(school=found)
    if on_site:
        qs = qs.filter(status__in=Visit.PRESENT).order_by("checked_in_at", "pk")
    visits = list(qs[page(limit, most=MAX_LIST)])
    audit.record(
        request.user,
        "list",
        ("visitors.visit", "list"),
        detail={"rows": len(visits), "on_site": on_site},
        school_id=visits[0].school_id if school and visits else None,
    )
    return [_out(request, visit) for visit in visits]


@router.get("/visits/{int:pk}", response=VisitOut, url_name="visit")
def get_visit(request: SignedInRequest, pk: int):
    visit = _visible(request, pk)
    audit.record(
        request.user,
        "view",
        visit,
        detail={"screening": policy.may_see_screening(request.user, visit)},
    )
    return _out(request, visit)


@router.post("/visits/{int:pk}/sign-out", response=VisitOut, url_name="visit_sign_out")
def sign_out_visit(request: SignedInRequest, pk: int):
    visit = services.sign_out(request.user, _visible(request, pk), "api")
    return _out(request, visit)


@router.post(
    "/visits/{int:pk}/review",
    response=VisitOut,
    url_name="visit_review",
    openapi_extra=request_body(DecisionIn),
)
def review_visit(request: SignedInRequest, pk: int):
    """Answer a possible match: ``yes`` (the same person: no badge, administrators and the SRO
    alerted), ``no`` (admitted) or ``not_sure`` (escalated; an administrator or the SRO then
    answers yes or no)."""
    visit = _visible(request, pk)
    body = read_body(request, DecisionIn)
    visit = services.decide(request.user, visit, body.answer)
    return _out(request, _visible(request, visit.pk))


@router.post(
    "/id/parse",
    response=LicenseOut,
    url_name="id_parse",
    openapi_extra=request_body(ParseIn),
)
def parse_id(request: SignedInRequest):
    """Read the text of a driver's licence's or ID card's PDF417 barcode (AAMVA). Nothing is
    stored. A 422 names what is wrong (``barcode`` when it is not an AAMVA payload)."""
    _require(request, Perm.VISITORS_MANAGE)
    body = read_body(request, ParseIn)
    try:
        card = aamva.parse(body.barcode)
    except aamva.AamvaError as exc:
        raise ValidationError({exc.field: exc.message}) from exc
    return card.to_api()
