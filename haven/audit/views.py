from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render

from haven.access import policy
from haven.access.policy import Perm
from haven.audit import services as audit
from haven.audit.models import AuditEvent
from haven.web.requests import SignedInRequest
from haven.web.views import page_of


def filtered(qs, params):  # type: ignore[no-untyped-def]
    """Apply the log's filters (shared by the page and the API)."""
    if params.get("actor"):
        qs = qs.filter(actor_label=params["actor"])
    if params.get("action"):
        qs = qs.filter(action=params["action"])
    if params.get("object_type"):
        qs = qs.filter(object_type=params["object_type"])
    if params.get("object_id"):
        qs = qs.filter(object_id=params["object_id"])
    return qs


@login_required
def log(request: SignedInRequest) -> HttpResponse:
    if not policy.has_perm(request.user, Perm.AUDIT_VIEW):
        raise Http404
    params = {
        k: request.GET.get(k, "")[:100] for k in ("actor", "action", "object_type", "object_id")
    }
    qs = filtered(policy.visible_to(request.user, AuditEvent).order_by("-seq"), params)
    page = page_of(request, qs)
    # Reading the log is itself recorded: who looked, and with which filters.
    audit.record(
        request.user,
        "list",
        ("audit.auditevent", ""),
        detail={k: v for k, v in params.items() if v},
    )
    return render(
        request,
        "audit/log.html",
        {
            "page": page,
            "params": params,
            "filtered": any(params.values()),
            "actions": AuditEvent.Action.choices,
        },
    )
