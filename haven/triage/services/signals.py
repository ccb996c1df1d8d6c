"""Signals from monitoring tools: intake, routing by urgency, the district's settings, the
retention purge.

Routing (:func:`submit_signal`), by the classifier's urgency:

* ``imminent`` → on call at once: the first on-call tier of the student's school
  (``haven.tips.oncall``, a life-safety rota), notified urgently; a tier with nobody who may see the
  signal is skipped, up to the district's administrators;
* ``high`` → the school's team queue (``/triage/team/``), and the team is told (not urgently);
* ``routine`` → the review queue (``/triage/review/``), no notification;
* ``none`` → stored for the retention period only, then purged (:func:`purge_expired`).

Every escalation carries its reason — categories with scores, urgency, the positions of the
evidence phrases — in the notification and the audit log's reason (both encrypted at rest), never
the text. Whoever is notified must
also be allowed to see the signal: a sensitive signal (see :mod:`haven.triage.guardrails`) never
reaches the SRO, and no signal is ever sent to a student's family.
"""

from __future__ import annotations

import json
import logging
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.access import policy
from haven.access.policy import Perm
from haven.audit import services as audit
from haven.core import crypto
from haven.core.models import District, Student
from haven.notify import services as notify
from haven.triage import classifier, guardrails
from haven.triage import text as triage_text
from haven.triage.models import (
    CATEGORY_LABELS,
    DistrictTriageSettings,
    Route,
    Signal,
    Status,
    Urgency,
)
from haven.triage.text import MAX_CHARS

if TYPE_CHECKING:
    from haven.accounts.models import User

log = logging.getLogger(__name__)

DEFAULT_DEDUP_HOURS = 24
DEFAULT_RETENTION_DAYS = 30
#: A category scoring at least this is one the signal is flagged for (the classifier's ROUTINE).
FLAG = 0.5
MAX_STUDENT = 255
MAX_SOURCE = 100
MAX_URL = 2000
MAX_CONTEXT = 5000
#: How far ahead of the server's clock an ``observed_at`` may be (clocks drift).
CLOCK_SLACK = timedelta(hours=1)

ROUTES = {
    Urgency.IMMINENT: Route.ON_CALL,
    Urgency.HIGH: Route.TEAM,
    Urgency.ROUTINE: Route.REVIEW,
    Urgency.NONE: Route.STORED,
}


# --- settings -------------------------------------------------------------------------------------


def dedup_window() -> timedelta:
    return timedelta(hours=getattr(settings, "HAVEN_SIGNAL_DEDUP_HOURS", DEFAULT_DEDUP_HOURS))


def district_settings(district: District | int) -> DistrictTriageSettings:
    """The district's triage settings (the defaults, unsaved, when it has chosen none)."""
    district_id: int = district.pk if isinstance(district, District) else district
    found = DistrictTriageSettings.objects.filter(district=district_id).first()
    return found or DistrictTriageSettings(district_id=district_id)


def retention_days(prefs: DistrictTriageSettings) -> int:
    default = getattr(settings, "HAVEN_SIGNAL_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)
    return prefs.retention_days or default


def managed_districts(user: User) -> QuerySet:
    """Districts whose triage settings and figures ``user`` may see (district-wide roles)."""
    districts = policy.district_wide(user, Perm.TRIAGE_QUALITY)
    return District.objects.filter(pk__in=districts).order_by("name")


def update_settings(
    user: User,
    district: District,
    *,
    sensitive_categories: list[str],
    guard_identity: bool,
    retention_days: int | None,
) -> DistrictTriageSettings:
    """Change a district's triage settings (its administrators), audited. Applies to signals
    received from now on."""
    if not managed_districts(user).filter(pk=district.pk).exists():
        raise Http404
    unknown = set(sensitive_categories) - set(CATEGORY_LABELS)
    if unknown:
        raise ValidationError({"sensitive_categories": _("Choose categories from the list.")})
    if retention_days is not None and not 1 <= retention_days <= 3650:
        raise ValidationError({"retention_days": _("Between 1 and 3650 days.")})
    with transaction.atomic():
        prefs, _created = DistrictTriageSettings.objects.get_or_create(district=district)
        prefs.sensitive_categories = sorted(set(sensitive_categories))
        prefs.guard_identity = guard_identity
        prefs.retention_days = retention_days
        prefs.save()
        audit.record(
            user,
            "update",
            prefs,
            detail={
                "sensitive_categories": prefs.sensitive_categories,
                "guard_identity": guard_identity,
                "retention_days": retention_days,
            },
        )
    return prefs


# --- intake ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignalInput:
    """What a monitoring tool sends. ``text`` may be bytes (decoded as UTF-8, else
    Windows-1252); ``context`` is any JSON data."""

    student: Any
    source: Any
    text: Any
    observed_at: Any
    url: Any = ""
    context: Any = None


@dataclass(frozen=True)
class Intake:
    signal: Signal
    duplicate_of: int | None  # the first signal's id when this one was a duplicate
    truncated: bool


class UnknownStudent(Exception):
    """No such student at the schools the caller submits signals for."""


def clean_text(value: str) -> str:
    """Text that can be stored and encrypted: valid Unicode, no control characters."""
    # Lone surrogates (from JSON escapes) cannot be encoded; NUL and other controls are noise.
    value = value.encode("utf-8", "replace").decode("utf-8")
    return "".join(
        ch for ch in value if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs")
    )


def _line(value: Any, field: str, limit: int, errors: dict[str, str], required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = _("Must be text.")
        return ""
    text = " ".join(clean_text(value).split())
    if required and not text:
        errors[field] = _("This field is required.")
    elif len(text) > limit:
        errors[field] = _("At most %(n)d characters.") % {"n": limit}
    return text


def _context(value: Any, errors: dict[str, str]) -> Any:
    if value in (None, "", {}):
        return None
    try:
        size = len(json.dumps(value, ensure_ascii=False))
    except (TypeError, ValueError):
        errors["context"] = _("Must be text or JSON data.")
        return None
    if size > MAX_CONTEXT:
        errors["context"] = _("At most %(n)d characters of context.") % {"n": MAX_CONTEXT}
    return json.loads(clean_text(json.dumps(value, ensure_ascii=False)))


def _observed_at(value: Any, now: datetime, errors: dict[str, str]) -> datetime:
    if not isinstance(value, datetime):
        errors["observed_at"] = _("A date and time (ISO 8601) is required.")
        return now
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + CLOCK_SLACK:
        errors["observed_at"] = _("This is in the future.")
    return value


def find_student(user: User, reference: str) -> Student | None:
    """A student at a school where ``user`` submits signals, by OneRoster sourcedId, else by
    Haven id."""
    students = Student.objects.filter(policy.school_q(user, Perm.SIGNALS_SUBMIT)).select_related(
        "school"
    )
    found = students.filter(sourced_id=reference).first()
    if found is None and reference.isdigit() and len(reference) <= 18:
        found = students.filter(pk=int(reference)).first()
    return found


def fingerprint(student_id: int, text: str) -> str:
    """A keyed hash of the student and the classifier's normalised text (case, accents,
    spacing, leetspeak undone): equal for the same words, meaningless without the key (the
    newest pepper's)."""
    return fingerprints(student_id, text)[0]


def fingerprints(student_id: int, text: str) -> list[str]:
    """:func:`fingerprint` under every configured pepper (and the audit key, which made them
    before the peppers existed): a duplicate is found whichever made the first one."""
    norm = " ".join(triage_text.prepare(text).norm.split())
    return crypto.keyed_hashes(
        "signal-fingerprint",
        f"{student_id}\x1f{norm}".encode(),
        legacy_label=b"haven-signal-fingerprint",
    )


def flagged_categories(reading: dict[str, Any]) -> list[str]:
    """Categories scoring at least :data:`FLAG`; else, when there is a concern, the top one."""
    scores = [(c["name"], c["score"]) for c in reading.get("categories", []) if isinstance(c, dict)]
    flagged = [name for name, score in scores if score >= FLAG]
    if not flagged and reading.get("urgency") != Urgency.NONE and scores:
        flagged = [max(scores, key=lambda item: item[1])[0]]
    return flagged


def submit_signal(user: User, data: SignalInput, *, now: datetime | None = None) -> Intake:
    """Receive one signal from a monitoring tool: validate (a ValidationError naming the field),
    find the student (:class:`UnknownStudent`), classify, de-duplicate, store encrypted, route,
    notify and audit, in one transaction. Text over the classifier's limit is cut to it and the
    intake says ``truncated``."""
    if not policy.has_perm(user, Perm.SIGNALS_SUBMIT):
        raise PermissionDenied(_("You cannot submit signals."))
    now = now or timezone.now()
    errors: dict[str, str] = {}
    reference = _line(data.student, "student", MAX_STUDENT, errors, required=True)
    source = _line(data.source, "source", MAX_SOURCE, errors, required=True)
    url = _line(data.url, "url", MAX_URL, errors, required=False)
    context = _context(data.context, errors)
    observed_at = _observed_at(data.observed_at, now, errors)
    text = clean_text(classifier.as_text(data.text))
    if not text.strip():
        errors["text"] = _("The text is empty.")
    if errors:
        raise ValidationError(errors)
    student = find_student(user, reference)
    if student is None:
        raise UnknownStudent(reference)
    truncated = len(text) > MAX_CHARS
    text = text[:MAX_CHARS]
    digests = fingerprints(student.pk, text)
    digest = digests[0]
    reading = classifier.classify(text).as_dict()
    with transaction.atomic():
        # One intake per student at a time, so two copies arriving together are one signal.
        list(Student.objects.select_for_update().filter(pk=student.pk).values_list("pk"))
        first = (
            Signal.objects.filter(
                student=student, fingerprint__in=digests, received_at__gte=now - dedup_window()
            )
            .order_by("received_at", "pk")
            .first()
        )
        if first is not None:
            Signal.objects.filter(pk=first.pk).update(
                repeat_count=F("repeat_count") + 1, last_seen_at=now
            )
            first.refresh_from_db(fields=["repeat_count", "last_seen_at"])
            audit.record(
                user,
                "update",
                first,
                detail={"duplicate": True, "repeat_count": first.repeat_count, "source": source},
            )
            return Intake(first, first.pk, truncated)
        signal = _store(
            user,
            student,
            dict(source=source, text=text, url=url, context=context, fingerprint=digest),
            observed_at=observed_at,
            now=now,
            reading=reading,
            truncated=truncated,
        )
        recipients, tier = _recipients(signal, now)
        if recipients:
            _notify(signal, recipients)
        signal.notified = len(recipients)
        signal.save(update_fields=["notified"])
        audit.record(
            user,
            "create",
            signal,
            # Why it was routed (categories, scores, evidence places) goes in the reason, which
            # is encrypted; the plain detail holds only what the signal's own plain columns do.
            reason=_reason_words(signal) if signal.route in (Route.ON_CALL, Route.TEAM) else "",
            detail={
                "source": source,
                "route": signal.route,
                "urgency": signal.urgency,
                "tier": tier,
                "notified": len(recipients),
                "truncated": truncated,
            },
        )
    return Intake(signal, None, truncated)


def _store(
    user: User,
    student: Student,
    fields: dict[str, Any],
    *,
    observed_at: datetime,
    now: datetime,
    reading: dict[str, Any],
    truncated: bool,
) -> Signal:
    urgency = Urgency(reading["urgency"])
    flagged = flagged_categories(reading)
    prefs = district_settings(student.school.district_id)
    reasons = guardrails.sensitive_reasons(
        fields["text"],
        reading,
        flagged,
        sensitive_categories=prefs.sensitive_categories,
        guard_identity=prefs.guard_identity,
    )
    return Signal.objects.create(
        district_id=student.school.district_id,
        school=student.school,
        student=student,
        submitted_by=user if getattr(user, "is_authenticated", False) else None,
        observed_at=observed_at,
        received_at=now,
        last_seen_at=now,
        truncated=truncated,
        **fields,
        reading={k: reading[k] for k in ("categories", "urgency", "evidence", "reported")},
        flagged=flagged,
        urgency=urgency,
        route=ROUTES[urgency],
        sensitive=bool(reasons),
        sensitive_reasons=reasons,
    )


# --- routing --------------------------------------------------------------------------------------


def may_see(user: User, signal: Signal) -> bool:
    return policy.visible_to(user, Signal).filter(pk=signal.pk).exists()


def _recipients(signal: Signal, now: datetime) -> tuple[list[Any], int | None]:
    """Who is told of a new signal, and the on-call tier they are (imminent only)."""
    if signal.route == Route.ON_CALL:
        return _on_call(signal, now)
    if signal.route == Route.TEAM:
        # The school's own team: district-wide roles read the queue, they are not paged for it.
        team = policy.holders(Perm.CASES_SCHOOL, signal.school, at_school=True, can_see=signal)
        return list(team.order_by("pk")), None
    return [], None


#: The tip line's on-call rota (a module with ``next_tier``, ``responders_for`` and
#: ``DISTRICT_TIER``), registered by the tips app when it loads (:func:`use_rota`): the tip line
#: sits above triage, which does not import it.
_rota: list[Any] = []


def use_rota(rota: Any) -> None:
    _rota[:] = [rota]


def _on_call(signal: Signal, now: datetime) -> tuple[list[Any], int]:
    """The first on-call tier with someone who may see the signal, as for a life-safety tip."""
    if not apps.is_installed("haven.tips") or not _rota:
        reviewers = policy.holders(Perm.TRIAGE_REVIEW, signal.school, can_see=signal)
        return list(reviewers.order_by("pk")), 1
    oncall = _rota[0]

    like_a_tip = SimpleNamespace(
        pk=None,
        school=signal.school,
        school_id=signal.school_id,
        district_id=signal.district_id,
        life_safety=True,
    )
    tier = oncall.next_tier(signal.school, 0)
    while True:
        people = policy.who_may_see(signal, oncall.responders_for(like_a_tip, tier, now))
        if people or tier == oncall.DISTRICT_TIER:
            return people, tier
        tier = oncall.next_tier(signal.school, tier)


def _reason_words(signal: Signal) -> str:
    """The reason in words, without the text: categories and scores, urgency, evidence places."""
    reason = signal.reason()
    categories = ", ".join(
        f"{CATEGORY_LABELS.get(c['name'], c['name'])} {round((c['score'] or 0) * 100)}%"
        for c in reason["categories"]
    )
    places = ", ".join(f"{start}-{end}" for start, end, _category in reason["evidence"][:8])
    words = _("Why: %(categories)s; urgency: %(urgency)s.") % {
        "categories": categories or _("no single category"),
        "urgency": Urgency(signal.urgency).label,
    }
    if places:
        words += " " + _("Evidence at characters %(places)s.") % {"places": places}
    return words


def _notify(signal: Signal, recipients: list[Any]) -> None:
    school = signal.school.name
    if signal.route == Route.ON_CALL:
        title = _("IMMINENT risk signal at %(school)s: act now") % {"school": school}
    else:
        title = _("High-urgency signal at %(school)s for the team") % {"school": school}
    body = _("From %(source)s. %(reason)s Open Haven to read it.") % {
        "source": signal.source,
        "reason": _reason_words(signal),
    }
    notify.send(
        recipients,
        kind="signal_imminent" if signal.route == Route.ON_CALL else "signal_high",
        title=title,
        body=body,
        url=reverse("triage:signal", args=[signal.pk]),
        urgent=signal.route == Route.ON_CALL,
    )


# --- retention ---------------------------------------------------------------------------------


def purge_expired(now: datetime | None = None) -> int:
    """Delete signals of no concern (never reviewed) kept past their district's retention period,
    counted from when they were last seen. One audit event per district and run."""
    now = now or timezone.now()
    total = 0
    stored = Signal.objects.filter(urgency=Urgency.NONE, status=Status.OPEN)
    for district_id in stored.values_list("district_id", flat=True).distinct().order_by():
        keep = timedelta(days=retention_days(district_settings(district_id)))
        with transaction.atomic():
            expired = stored.filter(district_id=district_id, last_seen_at__lt=now - keep)
            count, _deleted = expired.delete()
            if count:
                audit.record(
                    None,
                    "delete",
                    ("core.district", district_id),
                    reason="retention",
                    detail={"signals_purged": count, "kept_days": keep.days},
                )
                total += count
    return total
