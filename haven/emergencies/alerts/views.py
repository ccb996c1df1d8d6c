"""Emergency pages: raise (with a cancel window), the incident list and the incident page
(timeline, who has not acknowledged, incident command), acknowledgement, CAP export, and the
Web Push subscription of this device. Thin: every change goes through :mod:`.services`."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from haven.access import policy
from haven.access.policy import Perm
from haven.accounts.shell import current_school
from haven.emergencies.alerts import audience, cap, services, webpush
from haven.emergencies.alerts.forms import AllClearForm, PushSubscriptionForm, RaiseForm, UpdateForm
from haven.emergencies.alerts.protocols import ACTIONS
from haven.emergencies.models import Delivery, Incident, IncidentEvent, PushSubscription
from haven.web.requests import SignedInRequest

SERVICE_WORKER = Path(__file__).resolve().parents[2] / "static" / "haven" / "sw.js"


def _visible(request: HttpRequest, pk: int) -> Incident:
    return policy.get_visible_or_404(
        request.user,
        Incident.objects.select_related("school", "district", "raised_by", "all_clear_by"),
        pk,
    )


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    if not policy.has_perm(request.user, Perm.EMERGENCY_RECEIVE):
        raise Http404
    qs = policy.visible_to(request.user, Incident).select_related("school", "raised_by")
    active = list(qs.filter(status=Incident.Status.ACTIVE).order_by("-raised_at"))
    past = list(qs.exclude(status=Incident.Status.ACTIVE).order_by("-raised_at")[:50])
    return render(
        request,
        "emergencies/list.html",
        {
            "active": active,
            "past": past,
            "can_raise": policy.has_perm(request.user, Perm.EMERGENCY_RAISE),
            "push_key": webpush.application_server_key() if webpush.enabled() else "",
        },
    )


@login_required
@never_cache
def raise_incident(request: SignedInRequest) -> HttpResponse:
    """Step 1 picks the protocol and school; step 2 confirms. With JavaScript the confirmation is
    a countdown (HAVEN_EMERGENCY_CANCEL_SECONDS) with a Cancel button that submits by itself;
    without it, a second press on Confirm — no waiting either way."""
    if not policy.has_perm(request.user, Perm.EMERGENCY_RAISE):
        raise Http404
    form = RaiseForm(
        request.POST or None, user=request.user, initial_school=current_school(request)
    )
    context: dict[str, Any] = {
        "form": form,
        "actions": ACTIONS,
        "cancel_seconds": settings.HAVEN_EMERGENCY_CANCEL_SECONDS,
    }
    if request.method != "POST" or not form.is_valid():
        return render(request, "emergencies/raise.html", context)
    school = form.chosen_school()
    data = form.cleaned_data
    if request.POST.get("confirm") != "1":
        context["action"] = ACTIONS[data["protocol"]]
        context["school"] = school
        return render(request, "emergencies/raise_confirm.html", context)
    try:
        incident = services.raise_incident(
            request.user,
            school,
            data["protocol"],
            drill=data["drill"],
            note=data["note"],
            evacuate_location=data["evacuate_location"],
            shelter_hazard=data["shelter_hazard"],
            shelter_strategy=data["shelter_strategy"],
        )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return render(request, "emergencies/raise.html", context)
    messages.success(request, _("Alert sent to every staff device."))
    return redirect("emergencies:detail", pk=incident.pk)


@login_required
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _visible(request, pk)
    events = incident.events.select_related("actor")
    recipients = audience.recipients(incident)
    missing = list(audience.unacknowledged(incident)[:500])
    acks = incident.acks.select_related("user")
    deliveries = Counter(
        (d["channel"], d["status"])
        for d in Delivery.objects.filter(alert__incident=incident).values("channel", "status")
    )
    reached = set(
        Delivery.objects.filter(
            alert__incident=incident,
            status=Delivery.Status.DELIVERED,
            user__in=[u.pk for u in missing],
        ).values_list("user_id", flat=True)
    )
    return render(
        request,
        "emergencies/detail.html",
        {
            "incident": incident,
            "action": ACTIONS[incident.protocol],
            "events": events,
            "acks": acks,
            "missing": missing,
            "reached": reached,
            "recipient_count": recipients.count(),
            "deliveries": _delivery_rows(deliveries),
            "mine": incident.acks.filter(user=request.user.pk).first(),
            "can_command": policy.may_command(request.user, incident),
            "update_form": UpdateForm(initial={"protocol": incident.protocol}),
            "all_clear_form": AllClearForm(),
            "actions": ACTIONS,
            "kinds": IncidentEvent.Kind,
        },
    )


def _delivery_rows(counts: Counter) -> list[dict[str, Any]]:
    rows = []
    for channel, label in Delivery.Channel.choices:
        by_status = {s: counts.get((channel, s), 0) for s in Delivery.Status.values}
        total = sum(by_status.values())
        if total:
            rows.append({"channel": label, "total": total, **by_status})
    return rows


@login_required
@require_POST
def acknowledge(request: SignedInRequest, pk: int) -> HttpResponse:
    incident = _visible(request, pk)
    ack, created = services.acknowledge(request.user, incident, via="page")
    if _wants_json(request):
        return JsonResponse({"incident": incident.pk, "at": ack.at.isoformat(), "first": created})
    messages.success(request, _("Acknowledged."))
    return redirect("emergencies:detail", pk=incident.pk)


@login_required
@require_POST
def update(request: SignedInRequest, pk: int) -> HttpResponse:
    incident = _visible(request, pk)
    if not policy.may_command(request.user, incident):
        raise PermissionDenied(_("Only incident command can do this."))
    form = UpdateForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("emergencies:detail", pk=incident.pk)
    data = form.cleaned_data
    try:
        services.update_incident(
            request.user,
            incident,
            protocol=data["protocol"] or None,
            message=data["message"],
            evacuate_location=data["evacuate_location"] or None,
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Update sent to every staff device."))
    return redirect("emergencies:detail", pk=incident.pk)


@login_required
@require_POST
def all_clear(request: SignedInRequest, pk: int) -> HttpResponse:
    incident = _visible(request, pk)
    if not policy.may_command(request.user, incident):
        raise PermissionDenied(_("Only incident command can do this."))
    form = AllClearForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else ""
    try:
        services.declare_all_clear(request.user, incident, message=message)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("All clear sent to every staff device."))
    return redirect("emergencies:detail", pk=incident.pk)


@login_required
@require_GET
def cap_xml(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _visible(request, pk)
    alert = cap.latest_alert(incident)
    if alert is None:
        raise Http404
    response = HttpResponse(cap.document(alert), content_type=cap.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="incident-{incident.pk}.cap.xml"'
    return response


def _subscription_data(request: HttpRequest) -> dict[str, Any]:
    if request.content_type == "application/json":
        try:
            raw = json.loads(request.body or b"{}")
        except ValueError:
            return {}
        if not isinstance(raw, dict):
            return {}
        keys = raw.get("keys")
        return {"endpoint": raw.get("endpoint"), **(keys if isinstance(keys, dict) else {})}
    return request.POST.dict()


def _form_errors(form: Any) -> JsonResponse:
    errors = [
        {"field": field, "message": str(message)}
        for field, msgs in form.errors.items()
        for message in msgs
    ]
    return JsonResponse({"detail": "Invalid input.", "errors": errors}, status=422)


@login_required
@require_POST
def push_subscribe(request: SignedInRequest) -> HttpResponse:
    """Remember this browser's Web Push subscription for the signed-in user. An endpoint another
    user registered is refused with 409 (on a shared computer the page then asks the browser for
    a new subscription): it is never moved."""
    if not policy.has_perm(request.user, Perm.EMERGENCY_RECEIVE):
        raise Http404
    form = PushSubscriptionForm(_subscription_data(request))
    if not form.is_valid():
        return _form_errors(form)
    data = form.cleaned_data
    try:
        subscription, created = webpush.subscribe(
            request.user, data["endpoint"], data["p256dh"], data["auth"]
        )
    except webpush.EndpointTaken:
        message = _("This browser's subscription belongs to another account.")
        return JsonResponse(
            {"detail": message, "errors": [{"field": "endpoint", "message": message}]},
            status=409,
        )
    return JsonResponse({"id": subscription.pk, "created": created}, status=201)


@login_required
@require_POST
def push_unsubscribe(request: HttpRequest) -> HttpResponse:
    if not policy.has_perm(request.user, Perm.EMERGENCY_RECEIVE):
        raise Http404
    endpoint = _subscription_data(request).get("endpoint")
    if not isinstance(endpoint, str) or not endpoint:
        return JsonResponse(
            {"detail": "Invalid input.", "errors": [{"field": "endpoint", "message": "Required."}]},
            status=422,
        )
    mine = PushSubscription.objects.filter(endpoint=endpoint, user=request.user.pk)
    removed, _by_model = mine.delete()
    return JsonResponse({"removed": removed})


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker that shows Web Push alerts, at the site's root so its scope is the whole
    site (Service-Worker-Allowed says so too)."""
    response = HttpResponse(
        SERVICE_WORKER.read_bytes(), content_type="application/javascript; charset=utf-8"
    )
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response
