"""Volunteers through the API: the list, one volunteer with their eligibility, and hours.

Someone who manages volunteers nowhere gets a 404 from every endpoint; a list answers only what
the access policy lets the caller see. Reads are audited as on the pages.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from haven.access import policy
from haven.access.policy import Perm
from haven.audit import services as audit
from haven.core.models import School
from haven.volunteers import hours, services
from haven.volunteers.models import Volunteer, VolunteerVisit
from haven.web.api import page
from haven.web.requests import SignedInRequest

router = Router(tags=["volunteers"])
MAX_LIST = 1000


class VolunteerOut(Schema):
    id: int
    first_name: str
    middle_name: str
    last_name: str
    name: str
    email: str
    status: str
    schools: list[str] = Field(..., description="School slugs")
    eligible: bool
    check: str = Field(..., description="none, pending, cleared, expiring, expired or denied")
    check_expires_on: dt.date | None


class TrainingOut(Schema):
    name: str
    completed_on: dt.date | None
    valid_until: dt.date | None
    current: bool


class VolunteerDetailOut(VolunteerOut):
    phone: str
    screening: str = Field(..., description="clear, review or match")
    screening_deciders: list[str] = Field(
        ...,
        description="Who decides a review or match (usernames); what matched is shown only to "
        "staff who see screenings, on the volunteer's page",
    )
    reasons: list[str] = Field(..., description="Why the volunteer is not eligible")
    warnings: list[str]
    training: list[TrainingOut]


class HoursRowOut(Schema):
    visit: int
    volunteer: int
    volunteer_name: str
    school: str
    checked_in_at: dt.datetime
    checked_out_at: dt.datetime | None
    hours: Decimal
    open: bool
    flagged: bool


class TotalOut(Schema):
    id: int
    name: str
    visits: int
    hours: Decimal
    flagged: int


class HoursOut(Schema):
    start: dt.date | None
    end: dt.date | None
    total: Decimal
    per_volunteer: list[TotalOut]
    per_school: list[TotalOut]
    visits: list[HoursRowOut]


def _require(request: HttpRequest) -> None:
    if not policy.has_perm(request.user, Perm.VOLUNTEERS_MANAGE):
        raise Http404


def _out(volunteer: Volunteer, status: services.Eligibility) -> dict:
    return {
        "id": volunteer.pk,
        "first_name": volunteer.first_name,
        "middle_name": volunteer.middle_name,
        "last_name": volunteer.last_name,
        "name": volunteer.name,
        "email": volunteer.email,
        "status": volunteer.status,
        "schools": [s.slug for s in volunteer.schools.all()],
        "eligible": status.eligible,
        "check": status.check_state,
        "check_expires_on": status.check_expires_on,
    }


@router.get("/volunteers", response=list[VolunteerOut], url_name="volunteers")
def list_volunteers(
    request: SignedInRequest,
    status: Volunteer.Status | None = None,
    school: str | None = Query(None, description="School slug"),  # type: ignore[type-arg]
    limit: int = Query(100, description=f"At most {MAX_LIST}"),  # type: ignore[type-arg]
):
    """Volunteers of the caller's schools, by name, with whether each is eligible today."""
    _require(request)
    qs = services.for_eligibility(
        policy.visible_to(request.user, Volunteer).prefetch_related("schools")
    )
    if status:
        qs = qs.filter(status=status)
    if school:
        found = School.objects.filter(slug=school).first()
        if found is None or not policy.has_perm(request.user, Perm.VOLUNTEERS_MANAGE, found):
            raise Http404
        qs = qs.filter(schools=found)
    volunteers = list(qs.order_by("last_name", "first_name", "pk")[page(limit, most=MAX_LIST)])
    audit.record(
        request.user,
        "list",
        ("volunteers.volunteer", "list"),
        detail={"rows": len(volunteers), "api": True},
    )
    required = services.required_trainings(v.district_id for v in volunteers)
    return [_out(v, services.eligibility(v, required=required)) for v in volunteers]


def _hours_total(total: hours.Total) -> dict:
    return {
        "id": total.key,
        "name": total.label,
        "visits": total.visits,
        "hours": total.hours,
        "flagged": total.flagged,
    }


@router.get("/volunteers/hours", response=HoursOut, url_name="volunteer_hours")
def volunteer_hours(
    request: SignedInRequest,
    school: str | None = Query(None, description="School slug"),  # type: ignore[type-arg]
    start: dt.date | None = Query(None, alias="from"),  # type: ignore[type-arg]  # noqa: B008 - ninja's marker
    end: dt.date | None = Query(None, alias="to"),  # type: ignore[type-arg]  # noqa: B008 - ninja's marker
):
    """Volunteer hours from the visit log (signed in to signed out) for the days ``from``..``to``
    (the school's local days, both included), per volunteer, per school, and per visit."""
    _require(request)
    if start and end and end < start:
        raise ValidationError({"to": "is before 'from'"})
    qs = policy.visible_to(request.user, VolunteerVisit)
    if school:
        found = School.objects.filter(slug=school).first()
        if found is None or not policy.has_perm(request.user, Perm.VOLUNTEERS_MANAGE, found):
            raise Http404
        qs = qs.filter(visit__school=found)
    found_rows = hours.rows(hours.in_range(qs, start, end))
    audit.record(
        request.user,
        "list",
        ("volunteers.hours", "api"),
        detail={"rows": len(found_rows), "school": bool(school), "api": True},
    )
    return {
        "start": start,
        "end": end,
        "total": sum((row.hours for row in found_rows), start=Decimal("0.00")),
        "per_volunteer": [_hours_total(t) for t in hours.totals(found_rows, "volunteer")],
        "per_school": [_hours_total(t) for t in hours.totals(found_rows, "school")],
        "visits": [
            {
                "visit": row.visit.pk,
                "volunteer": row.link.volunteer_id,
                "volunteer_name": row.link.volunteer.name,
                "school": row.visit.school.slug,
                "checked_in_at": row.visit.checked_in_at,
                "checked_out_at": row.visit.checked_out_at,
                "hours": row.hours,
                "open": row.open,
                "flagged": row.flagged,
            }
            for row in found_rows
        ],
    }


@router.get("/volunteers/{int:pk}", response=VolunteerDetailOut, url_name="volunteer")
def get_volunteer(request: SignedInRequest, pk: int):
    """One volunteer: the application's status, screening outcome, background check, training,
    and every reason they are not eligible today."""
    _require(request)
    volunteer = (
        policy.visible_to(request.user, Volunteer).prefetch_related("schools").filter(pk=pk).first()
    )
    if volunteer is None:
        raise Http404
    status = services.eligibility(volunteer)
    audit.record(
        request.user,
        "view",
        volunteer,
        detail={"api": True},
        school_id=services.school_id_of(volunteer),
    )
    return {
        **_out(volunteer, status),
        "phone": volunteer.phone,
        "screening": volunteer.screening_outcome,
        "screening_deciders": [
            user.get_username() for user in policy.volunteer_screening_deciders(volunteer)
        ]
        if volunteer.screening_outcome in ("review", "match")
        else [],
        "reasons": status.reasons,
        "warnings": status.warnings,
        "training": [
            {
                "name": t["training"].name,
                "completed_on": t["completed_on"],
                "valid_until": t["valid_until"],
                "current": t["ok"],
            }
            for t in status.trainings
        ],
    }
