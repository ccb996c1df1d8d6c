"""What an alert says: its one-line title and the payload every channel carries (the stream, Web
Push, webhooks, e-mail), and the incident's address."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from haven.core.models import School
from haven.emergencies.alerts.protocols import action
from haven.emergencies.models import Alert, Incident


def incident_url(incident: Incident) -> str:
    return reverse("emergencies:detail", args=[incident.pk])


def absolute(url: str) -> str:
    return f"{settings.HAVEN_BASE_URL}{url}" if settings.HAVEN_BASE_URL else url


def title_for(incident: Incident, kind: str) -> str:
    """One line for a notification, a push or an e-mail subject, in the district's language."""
    with translation.override(settings.LANGUAGE_CODE):
        word = action(incident.protocol).word
        where = incident.school.name if incident.school_id else _("all schools")  # type: ignore[union-attr]
        if kind == Alert.Kind.ALL_CLEAR:
            line = _("ALL CLEAR — %(where)s") % {"where": where}
        elif kind == Alert.Kind.RAISED:
            line = f"{word} — {where}"
        else:
            line = _("%(word)s (update) — %(where)s") % {"word": word, "where": where}
        return f"{_('DRILL')}: {line}" if incident.drill else line


def payload_for(incident: Incident, kind: str, school: School, message: str = "") -> dict:
    """The alert as every channel carries it (the SSE ``data``, the push payload, the webhook
    body's ``alert``): codes and the words typed by people; pages show the SRP wording in the
    reader's own language from the protocol code."""
    now = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        act = action(incident.protocol)
        directive = str(act.directive)
        instructions = [str(line) for line in act.staff]
    return {
        "kind": str(kind),
        "incident": incident.pk,
        "protocol": incident.protocol,
        "word": act.word,
        "directive": directive,
        "instructions": instructions,
        "title": title_for(incident, kind),
        "school": school.slug,
        "school_name": school.name,
        "district_wide": incident.school_id is None,
        "drill": incident.drill,
        "status": incident.status,
        "note": incident.note,
        "message": message,
        "evacuate_location": incident.evacuate_location,
        "shelter_hazard": incident.shelter_hazard,
        "shelter_strategy": incident.shelter_strategy,
        "raised_at": incident.raised_at.isoformat(),
        "sent_at": now.isoformat(),
        "url": incident_url(incident),
    }
