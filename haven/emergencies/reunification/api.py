"""Reunification through the API: release a student to an adult (checked against the roster and
screened, exactly as at the reunification point's pages) and list the incident's releases.

``POST /incidents/{id}/releases`` answers 201 with the release, or 409 with the refusal — why,
and, for a student already released, to whom and when; the refusal is recorded either way. Bad
input (an unknown student or guardian, a garbled barcode) is a 422 naming the field, and nothing
is stored. Thin: everything goes through :mod:`haven.emergencies.reunification.services` (and
the rule in :mod:`haven.emergencies.reunification.pickup`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from haven.access import policy
from haven.audit import services as audit
from haven.core.models import Guardian, GuardianLink, Student
from haven.emergencies.alerts import audience
from haven.emergencies.models import Incident, Release
from haven.emergencies.reunification import pickup
from haven.emergencies.reunification import services as reunification
from haven.web.requests import SignedInRequest

# Operation ids are named explicitly: clients generated from the OpenAPI document keep them, so
# they do not follow this module's path (they were named for the modules before the app's split).
router = Router(tags=["reunification"])


class ReleaseIn(Schema):
    student: int = Field(..., description="The student's id")
    guardian: int | None = Field(
        None, description="The guardian's id, when staff checked the adult's ID themselves"
    )
    id_barcode: str | None = Field(
        None,
        max_length=4000,
        description="The text of the adult's licence barcode (PDF417, as a scanner types it)",
    )


class ReleaseStudentOut(Schema):
    id: int
    name: str


class ReleaseOut(Schema):
    id: int
    student: ReleaseStudentOut
    guardian: int | None
    adult_name: str
    released_by: str | None
    released_at: datetime
    refused: bool
    reason: str
    decision: str | None
    request: int | None


class RefusalOut(Schema):
    detail: str
    reason: str
    release: ReleaseOut | None
    request: int
    released_to: str | None = None
    released_at: datetime | None = None


def _incident(request: SignedInRequest, pk: int) -> Incident:
    incident = policy.get_visible_or_404(
        request.user, Incident.objects.select_related("school", "district"), pk
    )
    if not reunification.may_reunify(request.user, incident):
        raise PermissionDenied(_("You may not release students at this school."))
    return incident


def _out(release: Release) -> dict[str, Any]:
    linked = getattr(release, "request", None)
    return {
        "id": release.pk,
        "student": {"id": release.student_id, "name": release.student.full_name},
        "guardian": release.guardian_id,
        "adult_name": release.adult_name,
        "released_by": release.released_by.label if release.released_by else None,  # type: ignore[attr-defined]
        "released_at": release.released_at,
        "refused": release.refused,
        "reason": release.reason,
        "decision": linked.decision if linked else None,
        "request": linked.pk if linked else None,
    }


@router.get(
    "/incidents/{int:pk}/releases",
    response=list[ReleaseOut],
    url_name="incident_releases",
    operation_id="haven_emergencies_api_reunification_releases",
)
def releases(request: SignedInRequest, pk: int, refused: bool | None = None):
    """Every release and refusal of the incident, oldest first (audited as a read)."""
    incident = _incident(request, pk)
    qs = Release.objects.filter(incident=incident).select_related(
        "student", "released_by", "request"
    )
    schools = [s.pk for s in audience.schools_of(incident)]
    allowed = [s for s in schools if policy.may_reunify(request.user, s)]
    qs = qs.filter(student__school__in=allowed)
    if refused is not None:
        qs = qs.filter(refused=refused)
    rows = [_out(r) for r in qs.order_by("released_at", "pk")]
    audit.record(request.user, "view", incident, detail={"releases": len(rows)})
    return rows


@router.post(
    "/incidents/{int:pk}/releases",
    response={201: ReleaseOut, 409: RefusalOut},
    url_name="incident_releases",
    operation_id="haven_emergencies_api_reunification_create_release",
)
def create_release(request: SignedInRequest, pk: int, body: ReleaseIn):
    """Release a student to an adult. 409 when the release is refused (recorded), naming why:
    ``not_listed``, ``not_allowed``, ``custody_restriction``, ``watchlist``, ``review`` (held for
    an administrator), ``already_released`` (with ``released_to`` and ``released_at``),
    ``not_here``."""
    incident = _incident(request, pk)
    student = policy.visible_to(request.user, Student).filter(pk=body.student)
    found = student.select_related("school").first()
    if found is None:
        raise ValidationError({"student": _("No such student.")})
    guardian = None
    if body.guardian is not None:
        reachable = GuardianLink.objects.filter(
            student__in=policy.visible_to(request.user, Student)
        ).values("guardian_id")
        guardian = Guardian.objects.filter(pk=body.guardian, pk__in=reachable).first()
        if guardian is None:
            raise ValidationError({"guardian": _("No such guardian.")})
    req, release = reunification.release_now(
        request.user, incident, found, guardian=guardian, id_barcode=body.id_barcode
    )
    if release is not None and not release.refused:
        return Status(201, _out(release))
    refusal: dict[str, Any] = {
        "detail": release.reason
        if release is not None
        else pickup.reason_text(pickup.Verdict(req.decision)),
        "reason": req.decision,
        "release": _out(release) if release is not None else None,
        "request": req.pk,
    }
    prior = pickup.prior_release(incident, found)
    if req.decision == pickup.Decision.ALREADY_RELEASED and prior is not None:
        refusal["released_to"] = prior.adult_name
        refusal["released_at"] = prior.released_at
    return Status(409, refusal)
