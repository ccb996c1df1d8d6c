"""Incidents through the API: raise (at once — the cancel window belongs to the page), read,
acknowledge, post updates and change the protocol, all clear, and the CAP export. The alert
stream itself is a plain async view (:mod:`haven.emergencies.alerts.stream`), mounted at
``/api/v1/alerts/stream``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from haven.access import policy
from haven.core.models import School
from haven.emergencies.alerts import audience, cap, services
from haven.emergencies.alerts.payload import incident_url
from haven.emergencies.models import Incident, Protocol
from haven.web.api import page, request_body
from haven.web.requests import SignedInRequest

# Operation ids are named explicitly: clients generated from the OpenAPI document keep them, so
# they do not follow this module's path (they were named for the modules before the app's split).
router = Router(tags=["emergencies"])


class IncidentIn(Schema):
    school: str | None = Field(
        ..., max_length=100, description="School slug; null for the whole district"
    )
    protocol: Protocol
    drill: bool = False
    note: str = Field("", max_length=services.MAX_NOTE)
    evacuate_location: str = Field("", max_length=services.MAX_PLACE)
    shelter_hazard: str = Field("", max_length=services.MAX_PLACE)
    shelter_strategy: str = Field("", max_length=services.MAX_PLACE)


class AllClearIn(Schema):
    message: str = Field("", max_length=services.MAX_NOTE)


class UpdateIn(Schema):
    """An update for all staff, a new protocol, or both. The protocol is checked by the service,
    so an unknown one is a 422 that names it."""

    message: str = Field("", max_length=services.MAX_NOTE)
    protocol: str | None = Field(None, max_length=40)
    evacuate_location: str | None = Field(None, max_length=services.MAX_PLACE)
    shelter_hazard: str | None = Field(None, max_length=services.MAX_PLACE)
    shelter_strategy: str | None = Field(None, max_length=services.MAX_PLACE)


class IncidentEventOut(Schema):
    kind: str
    at: datetime
    actor: str | None
    data: dict[str, Any]


class IncidentOut(Schema):
    id: int
    school: str | None
    district: str
    protocol: str
    drill: bool
    note: str
    evacuate_location: str
    shelter_hazard: str
    shelter_strategy: str
    status: str
    raised_at: datetime
    raised_by: str | None
    all_clear_at: datetime | None
    acknowledged: int
    recipients: int
    url: str


class IncidentDetailOut(IncidentOut):
    timeline: list[IncidentEventOut]
    not_acknowledged: list[str]


class ConflictOut(Schema):
    detail: str


class AckOut(Schema):
    incident: int
    at: datetime
    first: bool


def _out(incident: Incident, audiences: dict[tuple, int] | None = None) -> dict[str, Any]:
    """The incident as the API shows it. A list passes ``audiences`` (how many receive alerts
    where, counted once per school) and annotates ``ack_count``, so that it does not count
    again for every incident."""
    acknowledged = getattr(incident, "ack_count", None)
    where = (incident.school_id, incident.district_id)
    if audiences is None or where not in audiences:
        count = audience.recipients(incident).count()
        if audiences is None:
            audiences = {}
        audiences[where] = count
    return {
        "id": incident.pk,
        "school": incident.school.slug if incident.school_id else None,  # type: ignore[union-attr]
        "district": incident.district.slug,
        "protocol": incident.protocol,
        "drill": incident.drill,
        "note": incident.note,
        "evacuate_location": incident.evacuate_location,
        "shelter_hazard": incident.shelter_hazard,
        "shelter_strategy": incident.shelter_strategy,
        "status": incident.status,
        "raised_at": incident.raised_at,
        "raised_by": incident.raised_by.label if incident.raised_by else None,  # type: ignore[attr-defined]
        "all_clear_at": incident.all_clear_at,
        "acknowledged": incident.acks.count() if acknowledged is None else acknowledged,
        "recipients": audiences[where],
        "url": incident_url(incident),
    }


def _incident(request: SignedInRequest, pk: int) -> Incident:
    return policy.get_visible_or_404(
        request.user, Incident.objects.select_related("school", "district", "raised_by"), pk
    )


@router.get(
    "/incidents",
    response=list[IncidentOut],
    url_name="incidents",
    operation_id="haven_emergencies_api_incidents",
)
def incidents(request: SignedInRequest, status: Incident.Status | None = None, limit: int = 50):
    qs = policy.visible_to(request.user, Incident).select_related("school", "district", "raised_by")
    if status:
        qs = qs.filter(status=status)
    rows = qs.annotate(ack_count=Count("acks")).order_by("-raised_at")[page(limit, most=200)]
    audiences: dict[tuple, int] = {}
    return [_out(i, audiences) for i in rows]


@router.post(
    "/incidents",
    response={201: IncidentOut},
    url_name="incidents",
    operation_id="haven_emergencies_api_raise_incident",
)
def raise_incident(request: SignedInRequest, body: IncidentIn):
    """Raise an incident at once and alert every staff device of the school (or district)."""
    school = None
    if body.school is not None:
        school = policy.visible_to(request.user, School).filter(slug=body.school).first()
        if school is None:
            raise Http404
    incident = services.raise_incident(
        request.user,
        school,
        body.protocol,
        drill=body.drill,
        note=body.note,
        evacuate_location=body.evacuate_location,
        shelter_hazard=body.shelter_hazard,
        shelter_strategy=body.shelter_strategy,
        via="api",
    )
    return Status(201, _out(incident))


@router.get(
    "/incidents/{int:pk}",
    response=IncidentDetailOut,
    url_name="incident",
    operation_id="haven_emergencies_api_incident",
)
def incident(request: SignedInRequest, pk: int):
    return _detail(request, pk)


def _detail(request: SignedInRequest, pk: int) -> dict[str, Any]:
    found = _incident(request, pk)
    timeline = [
        {
            "kind": e.kind,
            "at": e.at,
            "actor": e.actor.label if e.actor else None,  # type: ignore[attr-defined]
            "data": e.data,
        }
        for e in found.events.select_related("actor")
    ]
    missing = [u.label for u in audience.unacknowledged(found)]
    return {**_out(found), "timeline": timeline, "not_acknowledged": missing}


@router.post(
    "/incidents/{int:pk}/acknowledge",
    response=AckOut,
    url_name="incident_acknowledge",
    operation_id="haven_emergencies_api_acknowledge",
)
def acknowledge(request: SignedInRequest, pk: int):
    ack, created = services.acknowledge(request.user, _incident(request, pk), via="api")
    return {"incident": pk, "at": ack.at, "first": created}


@router.post(
    "/incidents/{int:pk}/updates",
    response={201: IncidentDetailOut, 409: ConflictOut},
    url_name="incident_updates",
    operation_id="haven_emergencies_api_post_update",
)
def post_update(request: SignedInRequest, pk: int, body: UpdateIn):
    """Incident command (school or district administrators, SROs) posts an update for all staff
    and/or changes the protocol (Lockdown → Evacuate); everyone is alerted again. 409 once the
    incident has been declared all clear."""
    found = _incident(request, pk)
    if not policy.may_command(request.user, found):
        raise PermissionDenied(_("Only incident command can do this."))
    if body.protocol is not None and body.protocol not in Protocol.values:
        raise ValidationError(
            {
                "protocol": _("Unknown protocol %(value)r: choose one of %(choices)s.")
                % {"value": body.protocol, "choices": ", ".join(Protocol.values)}
            }
        )
    if not found.active:
        return Status(409, {"detail": _("This incident has already been declared all clear.")})
    try:
        updated = services.update_incident(
            request.user,
            found,
            protocol=body.protocol or None,
            message=body.message,
            evacuate_location=body.evacuate_location,
            shelter_hazard=body.shelter_hazard,
            shelter_strategy=body.shelter_strategy,
        )
    except ValidationError as exc:
        if "incident" in getattr(exc, "error_dict", {}):  # declared all clear meanwhile
            return Status(409, {"detail": " ".join(exc.messages)})
        raise
    return Status(201, _detail(request, updated.pk))


@router.post(
    "/incidents/{int:pk}/all-clear",
    response=IncidentOut,
    url_name="incident_all_clear",
    openapi_extra=request_body(AllClearIn, required=False),
    operation_id="haven_emergencies_api_all_clear",
)
def all_clear(request: SignedInRequest, pk: int):
    """Declare the incident over (incident command: school or district administrators, SROs). An
    optional JSON body ``{"message"}`` goes out with the all clear."""
    found = _incident(request, pk)
    message = ""
    if request.content_type == "application/json" and request.body:
        try:
            message = AllClearIn.model_validate_json(request.body).message
        except ValueError as exc:
            raise ValidationError({"message": str(exc).splitlines()[0]}) from None
    return _out(services.declare_all_clear(request.user, found, message=message))


@router.get(
    "/incidents/{int:pk}/cap.xml",
    url_name="incident_cap",
    operation_id="haven_emergencies_api_cap_xml",
)
def cap_xml(request: SignedInRequest, pk: int, school: str | None = None):
    """The incident's latest alert as a CAP 1.2 message."""
    found = _incident(request, pk)
    school_id = None
    if school is not None:
        school_id = School.objects.filter(slug=school).values_list("pk", flat=True).first()
    alert = cap.latest_alert(found, school_id)
    if alert is None:
        raise Http404
    return HttpResponse(cap.document(alert), content_type=cap.CONTENT_TYPE)
