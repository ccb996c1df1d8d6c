"""``{% emergency_shell as em %}``: what the emergency part of every staff page needs — the
button, incidents in effect (shown without JavaScript too) and the settings of emergency.js."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from haven.access import policy
from haven.access.policy import Perm
from haven.emergencies.alerts import webpush
from haven.emergencies.alerts.protocols import ACTIONS
from haven.emergencies.models import Acknowledgement, Incident

register = template.Library()


def _strings() -> dict[str, str]:
    return {
        "alert": _("Emergency alert"),
        "update": _("Update"),
        "allClear": _("All clear"),
        "drill": _("DRILL"),
        "drillLong": _("DRILL — this is an exercise, not a real emergency"),
        "acknowledge": _("Acknowledge"),
        "acknowledged": _("Acknowledged"),
        "dismiss": _("Dismiss"),
        "missed": _("While this page was offline"),
        "ended": _("This incident has ended."),
        "soundBlocked": _("Sound blocked by the browser: click to enable the alarm"),
        "ackFailed": _("Could not send the acknowledgement. Try again."),
        "districtWide": _("All schools in the district"),
        "evacuateTo": _("Evacuate to"),
        "hazard": _("Hazard"),
        "strategy": _("Safety strategy"),
        "countdown": _("Sending in %(seconds)s s"),
        "pushOn": _("Alerts will reach this device even when Haven is closed."),
        "pushDenied": _("Notifications are blocked for Haven in this browser's settings."),
        "pushFailed": _("This browser could not subscribe to alerts."),
    }


def _protocols() -> dict[str, Any]:
    return {
        code: {
            "word": act.word,
            "directive": str(act.directive),
            "instructions": [str(step) for step in act.staff],
        }
        for code, act in ACTIONS.items()
    }


@register.simple_tag(takes_context=True)
def emergency_shell(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    receives = policy.schools_for(user, Perm.EMERGENCY_RECEIVE)
    shell_school = context.get("shell_school")
    school = None
    if shell_school is not None and receives.filter(pk=shell_school.pk).exists():
        school = shell_school
    elif shell_school is None:
        school = receives.order_by("name").first()
    active = list(
        policy.visible_to(user, Incident)
        .filter(status=Incident.Status.ACTIVE)
        .select_related("school")
        .order_by("-raised_at")[:3]
    )
    acked = set(
        Acknowledgement.objects.filter(user=user, incident__in=active).values_list(
            "incident_id", flat=True
        )
    )
    config = None
    if school is not None:
        config = {
            "stream": reverse("alert_stream"),
            "school": school.slug,
            "ackUrl": reverse("emergencies:acknowledge", args=[0]),
            "incidentUrl": reverse("emergencies:detail", args=[0]),
            "serviceWorker": reverse("service_worker"),
            "subscribeUrl": reverse("emergencies:push_subscribe"),
            "pushKey": webpush.application_server_key() if webpush.enabled() else "",
            "cancelSeconds": settings.HAVEN_EMERGENCY_CANCEL_SECONDS,
            "strings": _strings(),
            "protocols": _protocols(),
        }
    return {
        "can_raise": policy.has_perm(user, Perm.EMERGENCY_RAISE),
        "active": [(incident, incident.pk in acked) for incident in active],
        "config": config,
    }
