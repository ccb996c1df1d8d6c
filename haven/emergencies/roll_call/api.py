"""Roll call and accountability through the API.

``POST /incidents/{id}/roll-call`` takes ``{"section", "statuses": [{"student", "status"}]}``
(Haven's numeric ids or the roster's sourcedIds), with an optional ``"reporter_status"``
(``safe`` | ``need_help``) and ``"note"``; sending it again for the same class corrects it.
``GET /incidents/{id}/accountability`` is the live picture. Access is checked before the body is
read: an incident the caller cannot see is a 404 whatever they send."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Router, Schema, Status
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import ValidationError as PydanticValidationError

from haven.access import policy
from haven.emergencies.models import Incident, RollCall, RollCallEntry
from haven.emergencies.roll_call import accountability
from haven.emergencies.roll_call import services as roll_calls
from haven.web.api import request_body
from haven.web.requests import SignedInRequest

# Operation ids are named explicitly: clients generated from the OpenAPI document keep them, so
# they do not follow this module's path (they were named for the modules before the app's split).
router = Router(tags=["emergencies"])


class StatusIn(Schema):
    student: int | str = Field(..., description="Haven's student id, or the roster's sourcedId")
    status: str = Field(..., max_length=20, description="present | missing | injured | extra")
    note: str = Field("", max_length=roll_calls.MAX_NOTE, description="For an injury")


class RollCallIn(Schema):
    section: int | str = Field(..., description="Haven's section id, or the roster's sourcedId")
    statuses: list[StatusIn] = Field(..., max_length=roll_calls.MAX_MARKS)
    reporter_status: str = Field(RollCall.ReporterStatus.SAFE, max_length=20)
    note: str = Field("", max_length=roll_calls.MAX_NOTE)


class RollCallOut(Schema):
    id: int
    incident: int
    section: int
    section_title: str
    reporter_status: str
    submitted_at: datetime
    corrected: bool
    counts: dict[str, int]


class StudentsOut(Schema):
    expected: int
    accounted: int
    released: int
    missing: int
    injured: int
    not_reported: int


class SectionRef(Schema):
    id: int
    title: str
    teachers: list[str]


class SectionsOut(Schema):
    total: int
    reported: int
    not_reported: list[SectionRef]


class NeedHelpOut(Schema):
    section: int
    section_title: str
    reporter: str
    at: datetime


class IncidentVisitorOut(Schema):
    visit: int
    name: str
    status: str


class VisitorsOut(Schema):
    on_site: int
    accounted: int
    missing: int
    not_reported: int
    people: list[IncidentVisitorOut]


class AccountedStudentOut(Schema):
    id: int
    name: str
    grade: str
    section: str
    note: str | None = None


class AccountabilityOut(Schema):
    incident: int
    percent: float
    complete: bool
    accounted_at: datetime | None
    students: StudentsOut
    sections: SectionsOut
    need_help: list[NeedHelpOut]
    visitors: VisitorsOut
    names_visible: bool
    missing: list[AccountedStudentOut]
    injured: list[AccountedStudentOut]
    unaccounted: list[AccountedStudentOut]


def _incident(request: SignedInRequest, pk: int) -> Incident:
    return policy.get_visible_or_404(request.user, Incident.objects.select_related("school"), pk)


def _body(request: SignedInRequest) -> RollCallIn:
    try:
        return RollCallIn.model_validate_json(request.body or b"")
    except PydanticValidationError as exc:
        errors = [
            {**err, "loc": ("body", "payload", *err.get("loc", ()))}
            for err in exc.errors(include_url=False, include_context=False)
        ]
        raise NinjaValidationError(errors) from None


@router.post(
    "/incidents/{int:pk}/roll-call",
    response={200: RollCallOut, 201: RollCallOut},
    url_name="incident_roll_call",
    openapi_extra=request_body(RollCallIn),
    operation_id="haven_emergencies_api_roll_call_roll_call",
)
def roll_call(request: SignedInRequest, pk: int):
    """Report a class: every student present, missing, injured, or extra (from another class,
    with you), and your own status. 201 for the first report of the class, 200 for a
    correction."""
    incident = _incident(request, pk)
    body = _body(request)
    section = roll_calls.find_section(request.user, incident, body.section)
    marks = [roll_calls.Mark(s.student, s.status, s.note) for s in body.statuses]
    found, created = roll_calls.submit_roll_call(
        request.user,
        incident,
        section,
        marks,
        reporter_status=body.reporter_status,
        note=body.note,
        via="api",
    )
    counts = {status: 0 for status in RollCallEntry.Status.values}
    for status in found.entries.values_list("status", flat=True):
        counts[status] += 1
    out: dict[str, Any] = {
        "id": found.pk,
        "incident": incident.pk,
        "section": section.pk,
        "section_title": section.title,
        "reporter_status": found.reporter_status,
        "submitted_at": found.submitted_at,
        "corrected": not created,
        "counts": counts,
    }
    return Status(201 if created else 200, out)


@router.get(
    "/incidents/{int:pk}/accountability",
    response=AccountabilityOut,
    url_name="incident_accountability",
    operation_id="haven_emergencies_api_roll_call_incident_accountability",
)
def incident_accountability(request: SignedInRequest, pk: int):
    """Who is accounted for: counts for everyone who sees the incident; the names of students not
    accounted for, injuries and visitors only for those the access policy allows."""
    incident = _incident(request, pk)
    result = accountability.compute(incident)
    accountability.record_if_complete(incident, result)
    data = accountability.as_data(result, request.user)
    if data["names_visible"]:
        accountability.audit_read(request.user, incident, via="api")
    return data
