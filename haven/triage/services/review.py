"""Reading a signal, the team's review (confirm, dismiss), and classifying a text on request."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.access import policy
from haven.access.policy import Perm
from haven.audit import services as audit
from haven.triage import classifier
from haven.triage.models import DismissReason, Signal, Status, Urgency
from haven.triage.services.signals import clean_text

if TYPE_CHECKING:
    from haven.accounts.models import User

MAX_NOTE = 2000


# --- reading and review ---------------------------------------------------------------------------


def get_signal(user: User, pk: int) -> Signal:
    """A signal ``user`` may see (404 otherwise), its read recorded in the audit log."""
    signal = (
        policy.visible_to(user, Signal)
        .select_related("school", "student", "reviewed_by")
        .filter(pk=pk)
        .first()
    )
    if signal is None:
        raise Http404
    audit.record(user, "view", signal)
    return signal


def _reviewable(user: User, signal: Signal | int) -> Signal:
    pk: int = signal.pk if isinstance(signal, Signal) else signal
    if not policy.visible_to(user, Signal).filter(pk=pk).exists():
        raise Http404
    found = (
        Signal.objects.select_for_update(of=("self",))
        .select_related("school", "student")
        .get(pk=pk)
    )
    if not policy.may_review_signal(user, found):
        raise PermissionDenied(_("Only counsellors and administrators review signals."))
    if found.status != Status.OPEN:
        raise ValidationError({"verdict": _("This signal has already been reviewed.")})
    return found


def suggested_case_type(signal: Signal) -> str:
    harm_to_self = "self_harm" in signal.flagged
    harm_to_others = bool({"violence_threat", "weapon"} & set(signal.flagged))
    if harm_to_self and harm_to_others:
        return "both"
    return "self_harm" if harm_to_self else "threat"


#: ``(user, signal, case type, note) -> case``: the cases app's own service, which it registers
#: here when it loads (:func:`use_case_opener`); triage sits below cases and does not import it.
CaseOpener = Callable[[Any, Signal, str, str], Any]
_case_opener: list[CaseOpener] = []


def use_case_opener(opener: CaseOpener) -> None:
    _case_opener[:] = [opener]


def cases_available() -> bool:
    return apps.is_installed("haven.cases") and bool(_case_opener)


def _open_case(user: User, signal: Signal, case_type: str, note: str) -> int | None:
    """Open a case from the signal through the cases app's own service, when it is installed."""
    if not cases_available():
        return None
    case = _case_opener[0](user, signal, case_type or suggested_case_type(signal), note)
    return int(case.pk)


def confirm(
    user: User,
    signal: Signal | int,
    *,
    note: str = "",
    open_case: bool = False,
    case_type: str = "",
) -> Signal:
    """A reviewer confirms the concern; with ``open_case`` a case is opened from it (when the
    cases app is installed), in the same transaction."""
    note = _review_note(note)
    if case_type and case_type not in ("threat", "self_harm", "both"):
        raise ValidationError({"case_type": _("One of: threat, self_harm, both.")})
    with transaction.atomic():
        found = _reviewable(user, signal)
        found.case_id = _open_case(user, found, case_type, note) if open_case else None
        found.status = Status.CONFIRMED
        found.reviewed_by, found.reviewed_at = user, timezone.now()
        found.review_note = note
        found.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note", "case_id"])
        audit.record(user, "update", found, detail={"verdict": "confirmed", "case": found.case_id})
    return found


def dismiss(user: User, signal: Signal | int, *, reason: str, note: str = "") -> Signal:
    """A reviewer dismisses the signal, saying why; the reasons feed the false-alarm figures."""
    note = _review_note(note)
    if reason not in DismissReason.values:
        raise ValidationError({"reason": _("Choose why you dismiss it.")})
    if reason == DismissReason.OTHER and not note:
        raise ValidationError({"note": _("Say why, in a few words.")})
    with transaction.atomic():
        found = _reviewable(user, signal)
        found.status, found.dismiss_reason = Status.DISMISSED, reason
        found.reviewed_by, found.reviewed_at = user, timezone.now()
        found.review_note = note
        found.save(
            update_fields=["status", "dismiss_reason", "reviewed_by", "reviewed_at", "review_note"]
        )
        audit.record(user, "update", found, detail={"verdict": "dismissed", "reason": reason})
    return found


def _review_note(note: Any) -> str:
    if not isinstance(note, str):
        raise ValidationError({"note": _("Must be text.")})
    note = clean_text(note).strip()
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": _("At most %(n)d characters.") % {"n": MAX_NOTE}})
    return note


# --- the classify endpoint ---------------------------------------------------------


def classify_for(user: User, text: Any) -> dict[str, Any]:
    """The classifier's reading of a text sent by a member of staff or an integration, audited
    without the text."""
    if not policy.may_classify(user):
        raise PermissionDenied(_("You cannot use the classifier."))
    value = clean_text(classifier.as_text(text))
    if not value.strip():
        raise ValidationError({"text": _("The text is empty.")})
    result = classifier.classify(value).as_dict()
    audit.record(
        user,
        "view",
        ("triage.classifier", "classify"),
        detail={
            "chars": len(value),
            "urgency": result["urgency"],
            "truncated": result["truncated"],
        },
    )
    return result


def queue_counts(user: User, school: Any) -> dict[str, Any]:
    """Open signals waiting at ``school`` (every school the user sees when None): for a reviewer
    the review queue (imminent, high, routine), for the rest of the team the high and imminent
    ones it may see."""
    reviewer = policy.has_perm(user, Perm.TRIAGE_REVIEW, school)
    qs = policy.visible_to(user, Signal).filter(status=Status.OPEN)
    if school is not None:
        qs = qs.filter(school=school)
    levels = [Urgency.IMMINENT, Urgency.HIGH] + ([Urgency.ROUTINE] if reviewer else [])
    counts = qs.filter(urgency__in=levels).aggregate(
        waiting=Count("pk"),
        imminent=Count("pk", filter=Q(urgency=Urgency.IMMINENT)),
        high=Count("pk", filter=Q(urgency=Urgency.HIGH)),
    )
    return {**counts, "reviewer": reviewer}
