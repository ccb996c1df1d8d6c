"""``{% accountability_panel incident %}``: the roll call and accountability panel of the incident
page — where things stand, and the links to the roll call, the live dashboard, the visitors and
the after-action report that this person may use."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.auth.models import AnonymousUser

from haven.access import policy
from haven.emergencies.models import Incident
from haven.emergencies.roll_call import accountability
from haven.emergencies.roll_call import services as roll_calls

register = template.Library()


@register.inclusion_tag("emergencies/_accountability_panel.html", takes_context=True)
def accountability_panel(context: template.Context, incident: Incident) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None) or AnonymousUser()
    result = accountability.compute(incident)
    schools = accountability.school_ids(incident)
    return {
        "incident": incident,
        "result": result,
        "may_report": incident.active and roll_calls.sections_for(user, incident).exists(),
        "may_account_visitors": any(policy.may_account_visitors(user, s) for s in schools),
        "may_download": policy.may_download_after_action(user, incident),
    }
