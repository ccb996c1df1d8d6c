from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import Http404
from ninja import Router, Schema

from haven.access import policy
from haven.access.policy import Perm
from haven.audit import services as audit
from haven.audit.models import AuditEvent
from haven.audit.views import filtered
from haven.web.api import bounded_id, page
from haven.web.requests import SignedInRequest

router = Router(tags=["audit"])


class EventOut(Schema):
    seq: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    compartment: str
    school_id: int | None
    district_id: int | None
    reason: str
    detail: dict[str, Any]
    digest: str


@router.get("", response=list[EventOut])
def events(
    request: SignedInRequest,
    actor: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    limit: int = 100,
    before: int | None = None,
):
    if not policy.has_perm(request.user, Perm.AUDIT_VIEW):
        raise Http404
    params = {"actor": actor, "action": action, "object_type": object_type, "object_id": object_id}
    qs = filtered(policy.visible_to(request.user, AuditEvent), params).order_by("-seq")
    if before is not None:
        qs = qs.filter(seq__lt=bounded_id(before))
    rows = list(qs[page(limit, most=1000)])
    audit.record(
        request.user,
        "list",
        ("audit.auditevent", ""),
        detail={k: v for k, v in params.items() if v},
    )
    return [
        {
            "seq": e.seq,
            "at": e.at,
            "actor": e.actor_label,
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "compartment": e.compartment,
            "school_id": e.school_id,
            "district_id": e.district_id,
            "reason": e.reason or "",
            "detail": e.detail,
            "digest": e.digest,
        }
        for e in rows
    ]
