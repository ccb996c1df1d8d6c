"""Raising an incident and running it: every change of state goes through here (the pages, the
API, the admin and the CLI call the same functions). Each validates, writes, records the audit
entry and the timeline event, and broadcasts — in one transaction, with the broadcast going out the
moment it commits (:mod:`haven.emergencies.alerts.fanout`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.access import policy
from haven.access.policy import Perm
from haven.audit import services as audit
from haven.core.models import School
from haven.emergencies.alerts import fanout
from haven.emergencies.alerts.audience import recipients, schools_of
from haven.emergencies.alerts.payload import payload_for
from haven.emergencies.models import (
    Acknowledgement,
    Alert,
    AlertStream,
    Delivery,
    Incident,
    IncidentEvent,
    Protocol,
    PushSubscription,
    Webhook,
)
from haven.notify import outbox

if TYPE_CHECKING:
    from haven.accounts.models import User

MAX_NOTE = 500
MAX_PLACE = 200


# --- raising and running an incident --------------------------------------------------------------


def _clean_text(value: str, field: str, limit: int) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise ValidationError({field: _("At most %(limit)d characters.") % {"limit": limit}})
    return value


def _clean_protocol(protocol: str) -> str:
    if protocol not in Protocol.values:
        raise ValidationError(
            {"protocol": _("Choose one of: %(choices)s.") % {"choices": ", ".join(Protocol.values)}}
        )
    return protocol


def raise_incident(
    user: User,
    school: School | None,
    protocol: str,
    *,
    drill: bool = False,
    note: str = "",
    evacuate_location: str = "",
    shelter_hazard: str = "",
    shelter_strategy: str = "",
    district: Any = None,
    via: str = "page",
) -> Incident:
    """Raise an incident at ``school`` (or, with ``school=None``, across the user's district) and
    alert everyone there at once. Any staff member who may raise at that school may."""
    protocol = _clean_protocol(protocol)
    note = _clean_text(note, "note", MAX_NOTE)
    evacuate_location = _clean_text(evacuate_location, "evacuate_location", MAX_PLACE)
    shelter_hazard = _clean_text(shelter_hazard, "shelter_hazard", MAX_PLACE)
    shelter_strategy = _clean_text(shelter_strategy, "shelter_strategy", MAX_PLACE)
    if school is not None:
        if not policy.has_perm(user, Perm.EMERGENCY_RAISE, school):
            raise PermissionDenied(_("You cannot raise an emergency at this school."))
        district_id: Any = school.district_id
    else:
        districts = policy.district_wide(user, Perm.EMERGENCY_RAISE)
        district_id = getattr(district, "pk", district) or next(iter(sorted(districts)), None)
        if district_id is None or district_id not in districts:
            raise PermissionDenied(_("Only a district-wide role can raise a district-wide alert."))
    with transaction.atomic():
        incident = Incident.objects.create(
            district_id=district_id,
            school=school,
            protocol=protocol,
            drill=drill,
            note=note,
            evacuate_location=evacuate_location,
            shelter_hazard=shelter_hazard,
            shelter_strategy=shelter_strategy,
            raised_by=user,
        )
        IncidentEvent.objects.create(
            incident=incident,
            kind=IncidentEvent.Kind.RAISED,
            actor=user,
            at=incident.raised_at,
            data={"protocol": protocol, "drill": drill, "note": note, "via": via},
        )
        audit.record(
            user,
            "emergency.raise",
            incident,
            detail={"protocol": protocol, "drill": drill, "via": via},
            school_id=incident.school_id,
        )
        _broadcast(incident, Alert.Kind.RAISED)
    return incident


def _require_command(user: User, incident: Incident) -> None:
    if not policy.may_command(user, incident):
        raise PermissionDenied(_("Only incident command can do this."))


def _require_active(incident: Incident) -> None:
    if not incident.active:
        raise ValidationError({"incident": _("This incident has already been declared all clear.")})


def update_incident(
    user: User,
    incident: Incident,
    *,
    protocol: str | None = None,
    message: str = "",
    evacuate_location: str | None = None,
    shelter_hazard: str | None = None,
    shelter_strategy: str | None = None,
) -> Incident:
    """Incident command changes the protocol (Lockdown → Evacuate) and/or posts an update; either
    way everyone is alerted again."""
    _require_command(user, incident)
    message = _clean_text(message, "message", MAX_NOTE)
    new_protocol = _clean_protocol(protocol) if protocol else incident.protocol
    changed = new_protocol != incident.protocol
    places = {
        "evacuate_location": evacuate_location,
        "shelter_hazard": shelter_hazard,
        "shelter_strategy": shelter_strategy,
    }
    place_changes = {
        name: _clean_text(value, name, MAX_PLACE)
        for name, value in places.items()
        if value is not None and value.strip() != getattr(incident, name)
    }
    if not changed and not message and not place_changes:
        raise ValidationError({"message": _("Write an update, or choose a different protocol.")})
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        _require_active(incident)
        previous = incident.protocol
        incident.protocol = new_protocol
        for name, value in place_changes.items():
            setattr(incident, name, value)
        incident.save()
        kind = IncidentEvent.Kind.PROTOCOL_CHANGED if changed else IncidentEvent.Kind.UPDATE
        IncidentEvent.objects.create(
            incident=incident,
            kind=kind,
            actor=user,
            data={"from": previous, "protocol": new_protocol, "message": message, **place_changes},
        )
        audit.record(
            user,
            f"emergency.{kind}",
            incident,
            detail={"from": previous, "protocol": new_protocol},
            school_id=incident.school_id,
        )
        _broadcast(incident, Alert.Kind(kind), message=message)
    return incident


def declare_all_clear(user: User, incident: Incident, *, message: str = "") -> Incident:
    _require_command(user, incident)
    message = _clean_text(message, "message", MAX_NOTE)
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        _require_active(incident)
        incident.status = Incident.Status.ALL_CLEAR
        incident.all_clear_at = timezone.now()
        incident.all_clear_by = user
        incident.save()
        IncidentEvent.objects.create(
            incident=incident,
            kind=IncidentEvent.Kind.ALL_CLEAR,
            actor=user,
            at=incident.all_clear_at,
            data={"message": message},
        )
        audit.record(user, "emergency.all_clear", incident, school_id=incident.school_id)
        _broadcast(incident, Alert.Kind.ALL_CLEAR, message=message)
    return incident


def acknowledge(
    user: User, incident: Incident, *, via: str = "page"
) -> tuple[Acknowledgement, bool]:
    """Record that ``user`` has seen the alert (once per incident; later calls return the first).
    Acknowledging after the all clear is still recorded: it says when the person saw it."""
    if not policy.may_acknowledge(user, incident):
        raise PermissionDenied(_("This alert is not for you."))
    with transaction.atomic():
        ack, created = Acknowledgement.objects.get_or_create(
            incident=incident, user=user, defaults={"via": via[:20]}
        )
        if created:
            IncidentEvent.objects.create(
                incident=incident,
                kind=IncidentEvent.Kind.ACK,
                actor=user,
                at=ack.at,
                data={"via": via[:20]},
            )
    return ack, created


# --- the broadcast --------------------------------------------------------------------------------

# --- the broadcast --------------------------------------------------------------------------------


def _next_sequence(school: School) -> int:
    stream, _ = AlertStream.objects.select_for_update().get_or_create(school=school)
    AlertStream.objects.filter(pk=stream.pk).update(last_sequence=models.F("last_sequence") + 1)
    stream.refresh_from_db(fields=["last_sequence"])
    return stream.last_sequence


def _broadcast(incident: Incident, kind: str, *, message: str = "") -> list[Alert]:
    """Inside the caller's transaction: number and store one alert per school, queue a delivery
    for every Web Push device and webhook, and send everything the moment the transaction
    commits."""
    created = []
    for school in schools_of(incident):
        data = payload_for(incident, kind, school, message)
        sequence = _next_sequence(school)
        data["alert"] = sequence
        created.append(
            Alert.objects.create(
                incident=incident, school=school, kind=kind, sequence=sequence, payload=data
            )
        )
    _queue_deliveries(incident, created)
    if created:
        # The notifications and e-mails are owed in this transaction: created by the worker (or
        # the sweep, after an outage or a crash) exactly once, delivered at least once.
        outbox.owe("alert.notify", f"alert:{created[0].pk}", {"alerts": [a.pk for a in created]})
    transaction.on_commit(lambda: fanout.fan_out(created))
    return created


def _queue_deliveries(incident: Incident, created: Iterable[Alert]) -> None:
    created = list(created)
    if not created:
        return
    first = created[0]
    users = recipients(incident).values("pk")
    subscriptions = list(PushSubscription.objects.filter(user__in=users).only("pk", "user_id"))
    by_school = {alert.school_id: alert for alert in created}
    rows = [
        Delivery(
            alert=first,
            channel=Delivery.Channel.WEBPUSH,
            user_id=sub.user_id,
            subscription=sub,
        )
        for sub in subscriptions
    ]
    hooks = Webhook.objects.filter(active=True, district=incident.district_id)
    for hook in hooks:
        if hook.school_id is None:
            targets = created
        elif hook.school_id in by_school:
            targets = [by_school[hook.school_id]]
        else:
            continue
        rows += [Delivery(alert=a, channel=Delivery.Channel.WEBHOOK, webhook=hook) for a in targets]
    Delivery.objects.bulk_create(rows, batch_size=500)
