"""Every change to a tip goes through here: submission by the anonymous reporter, the dialogue,
and the responders' work (acknowledge, triage, assign, link, close), escalation and the purge.

Each function validates, writes, records the audit entry and sends notifications in one
transaction. The public pages, the API and the staff pages all call these functions.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.access import policy
from haven.access.policy import Perm
from haven.audit import services as audit
from haven.core.models import District, School
from haven.notify import services as notify
from haven.tips import attachments, oncall, receipts
from haven.tips.models import (
    Attachment,
    Category,
    Disposition,
    Message,
    RetentionPolicy,
    Status,
    Tip,
)

log = logging.getLogger(__name__)

MAX_DESCRIPTION = 10_000
MAX_MESSAGE = 5_000
MAX_SUBJECTS = 10
DEFAULT_RETENTION_DAYS = 365 * 3
#: Why a tip is life-safety: the reporter said someone is in danger now, or the classifier read it
#: as imminent.
LIFE_SAFETY_REASON_REPORTER = "reporter: someone is in danger now"
LIFE_SAFETY_REASON_TRIAGE = "triage: imminent"


@dataclass
class TipInput:
    """What a reporter submits, before validation (from the form or the API)."""

    category: str
    description: str
    school: str = ""  # slug; empty for the district-wide page
    location: str = ""
    occurred_at: datetime | None = None
    subject_names: list[str] = field(default_factory=list)
    online: bool = False
    online_platform: str = ""
    online_url: str = ""
    danger_now: bool = False
    contact: dict[str, str] | None = None
    language: str = "en"
    files: list[Any] = field(default_factory=list)


def _plain(value: Any) -> str:
    """Text that every database and the encryption can store: no NUL characters, and no lone
    surrogates (valid JSON can carry them), which become "?" instead of a crash."""
    text = value if isinstance(value, str) else ""
    text = text.replace("\x00", "")
    return text.encode("utf-8", "replace").decode("utf-8") if not text.isascii() else text


def _clean_text(
    value: Any, name: str, limit: int, errors: dict[str, str], required: bool = False
) -> str:
    text = _plain(value).strip()
    if required and not text:
        errors[name] = _("This is required.")
    elif len(text) > limit:
        errors[name] = _("Use at most %(n)d characters.") % {"n": limit}
    return text


def validate(data: TipInput, district: District | None = None) -> dict[str, Any]:
    """Check a submission; raise ValidationError naming every bad field."""
    errors: dict[str, str] = {}
    school = None
    if data.school:
        school = School.objects.filter(slug=data.school).select_related("district").first()
        if school is None:
            errors["school"] = _("Unknown school.")
    if school is not None:
        district = school.district
    if district is None:
        district = District.objects.order_by("pk").first()
        if district is None:
            errors["school"] = _("This tip line is not set up yet.")
    if data.category not in Category.values:
        errors["category"] = _("Choose one of the listed kinds of concern.")
    clean = {
        "description": _clean_text(
            data.description, "description", MAX_DESCRIPTION, errors, required=True
        ),
        "location": _clean_text(data.location, "location", 500, errors),
        "online_platform": _clean_text(data.online_platform, "online_platform", 100, errors),
        "online_url": _clean_text(data.online_url, "online_url", 2000, errors),
    }
    if clean["online_url"]:
        try:
            URLValidator(schemes=["http", "https"])(clean["online_url"])
        except ValidationError:
            errors["online_url"] = _("Enter a link that starts with http:// or https://.")
    raw_names = data.subject_names or []
    if isinstance(raw_names, str):
        raw_names = raw_names.splitlines()
    names = [_plain(n).strip()[:100] for n in raw_names if isinstance(n, str)]
    names = [n for n in names if n]
    if len(names) > MAX_SUBJECTS:
        errors["subject_names"] = _("Name at most %(n)d people.") % {"n": MAX_SUBJECTS}
    occurred_at = data.occurred_at
    if occurred_at is not None and timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at)  # a time without a zone is the school's
    if occurred_at is not None and occurred_at > timezone.now() + timedelta(days=1):
        errors["occurred_at"] = _("That date is in the future.")
    contact = None
    if data.contact and not isinstance(data.contact, dict):
        errors["contact"] = _("Give a name, e-mail address or phone number.")
    elif data.contact:
        contact = {
            key: _clean_text(data.contact.get(key, ""), f"contact.{key}", 200, errors)
            for key in ("name", "email", "phone")
        }
        if contact["email"]:
            try:
                EmailValidator()(contact["email"])
            except ValidationError:
                errors["contact.email"] = _("Enter a valid e-mail address.")
        contact = {k: v for k, v in contact.items() if v} or None
    if errors:
        raise ValidationError(errors)
    files = attachments.check(list(data.files or []))
    return {
        **clean,
        "school": school,
        "district": district,
        "category": data.category,
        "occurred_at": occurred_at,
        "subject_names": names[:MAX_SUBJECTS],
        "online": bool(data.online or clean["online_platform"] or clean["online_url"]),
        "danger_now": bool(data.danger_now),
        "contact": contact,
        "language": data.language if data.language in ("en", "es") else "en",
        "files": files,
    }


def _classify(tip: Tip) -> dict[str, Any]:
    """The triage classifier's reading of the tip (when the triage app is installed).

    A failing classifier must never cost a reporter their tip: the tip is stored without a reading
    (and reaches the on-call tier as usual), and the failure is logged without the tip's content.
    """
    from django.apps import apps

    if not apps.is_installed("haven.triage"):
        return {}
    try:
        from haven.triage import services as triage

        return dict(triage.reading_for_tip(tip) or {})
    except Exception:
        log.exception("triage could not read a new tip; stored without a reading")
        return {}


def submit(
    data: TipInput, district: District | None = None, *, receipt: str | None = None
) -> tuple[Tip, str]:
    """Store a tip and return it with its receipt (shown once to the reporter, never stored).

    The receipt is drawn at random; only the demo district passes a fixed ``receipt`` (so that a
    newcomer can try the follow-up), which must be well formed and unused.

    Either everything is stored — tip, files, audit entry — and the receipt is returned, or a
    ValidationError/exception is raised and nothing is stored (files already written to disk in a
    failed attempt are removed). The slow parts (checking files, the classifier, the receipt's
    scrypt digest) run before the transaction, so the database's write lock is held only for the
    inserts. The first on-call tier is notified in the same transaction (its e-mail and push go
    once the tip is committed); if notifying fails, the tip is stored all the same.
    """
    clean = validate(data, district)
    files = clean.pop("files")
    now = timezone.now()
    tip = Tip(**clean, created_at=now)
    tip.triage = _classify(tip)
    _apply_life_safety(tip)
    fixed = receipts.normalise(receipt) if receipt is not None else None
    if receipt is not None and fixed is None:
        raise ValueError("a fixed receipt must be 16 digits")
    for _attempt in range(1 if fixed else 3):
        drawn = receipts.format_receipt(fixed) if fixed else receipts.new_receipt()
        tip.pk, tip._state.adding = None, True
        tip.receipt_digest = receipts.digest(drawn) or ""
        written: list[tuple[Any, str]] = []
        try:
            with transaction.atomic():
                tip.save(force_insert=True)
                _store_files(tip, None, files, now, written)
                notified = _notify_first_tier(tip, now)
                # One event for the whole submission, last: the audit chain's head stays locked
                # from here to the commit, and other writers wait for it.
                audit.record(
                    None, "create", tip, detail={"by": "reporter", "files": len(files), **notified}
                )
        except IntegrityError:
            _delete_files(written)
            if not fixed and Tip.objects.filter(receipt_digest=tip.receipt_digest).exists():
                continue  # a receipt collision (one in 10^16): draw another
            raise
        except BaseException:
            _delete_files(written)
            raise
        return tip, drawn
    raise RuntimeError("could not store the tip")  # pragma: no cover - three collisions


def _apply_life_safety(tip: Tip) -> None:
    if tip.danger_now:
        tip.life_safety, tip.life_safety_reason = True, LIFE_SAFETY_REASON_REPORTER
    elif (tip.triage or {}).get("urgency") == "imminent":
        tip.life_safety, tip.life_safety_reason = True, LIFE_SAFETY_REASON_TRIAGE


def _store_files(
    tip: Tip,
    message: Message | None,
    files: list[attachments.CheckedFile],
    now: datetime,
    written: list[tuple[Any, str]],
) -> None:
    """Write each file (original and cleaned copy, encrypted) and its row. ``written`` collects
    what reached the disk, so that a caller whose transaction fails can remove it."""
    for checked in files:
        item = Attachment(
            tip=tip,
            message=message,
            token=checked.token,
            content_type=checked.content_type,
            size=checked.size,
            kind=checked.kind,
            created_at=now,
        )
        for file_field, suffix, data in (
            (item.original, "orig", checked.original),
            (item.cleaned, "view", checked.cleaned),
        ):
            file_field.save(
                f"{checked.token}.{suffix}",
                attachments.as_django_file(data, checked.token),
                save=False,
            )
            written.append((file_field.storage, file_field.name))
        item.save()


def _delete_files(files: Iterable[tuple[Any, str]]) -> None:
    for storage, name in files:
        if not name:
            continue
        try:
            storage.delete(name)
        except OSError:
            log.warning("could not delete an attachment file of a removed tip", exc_info=True)


# --- escalation -----------------------------------------------------------------------------------


def _notify_first_tier(tip: Tip, now: datetime) -> dict[str, Any]:
    """Within the submission's transaction, in a savepoint of its own: the tip is stored and the
    reporter gets their receipt whatever happens here. If notifying fails, the escalation job
    notifies the first tier within a minute (it looks for tips still at tier 0)."""
    try:
        with transaction.atomic():
            return _notify_tier(tip, oncall.next_tier(tip.school, 0), now)
    except Exception:
        tip.escalation_tier, tip.ack_deadline = 0, None
        log.exception("could not notify the on-call tier of tip %s; the job will retry", tip.pk)
        return {"escalated_to_tier": 0, "notify_failed": True}


def start_escalation(tip_id: int) -> None:
    """Notify the first on-call tier of a new tip that has not been notified yet (no-op for one
    that has) and set when it must be acknowledged."""
    with transaction.atomic():
        tip = Tip.objects.select_for_update().filter(pk=tip_id, status=Status.NEW).first()
        if tip is None or tip.escalation_tier:
            return
        detail = _notify_tier(tip, oncall.next_tier(tip.school, 0), timezone.now())
        audit.record(None, "update", tip, detail=detail)


def _notify_tier(tip: Tip, tier: int, now: datetime) -> dict[str, Any]:
    """Notify ``tier`` (in the app and by e-mail) and set its deadline; returns what happened, for
    the caller's audit entry. A tier with nobody on call right now is skipped at once: waiting for
    nobody would only lose minutes."""
    escalated = tip.escalation_tier > 0
    recipients = oncall.responders_for(tip, tier, now)
    skipped = []
    while not recipients and tier != oncall.DISTRICT_TIER:
        skipped.append(tier)
        tier = oncall.next_tier(tip.school, tier)
        recipients = oncall.responders_for(tip, tier, now)
    tip.escalation_tier = tier
    tip.ack_deadline = None if tier == oncall.DISTRICT_TIER else oncall.ack_deadline(tip, now)
    tip.save(update_fields=["escalation_tier", "ack_deadline"])
    if not recipients:
        log.error("tip %s: nobody to notify, not even at the district tier", tip.pk)
    where = tip.school.name if tip.school else tip.district.name
    if tip.life_safety:
        title = _("LIFE-SAFETY tip at %(where)s: acknowledge now") % {"where": where}
    else:
        title = _("New tip at %(where)s") % {"where": where}
    if escalated:
        title = _("Escalated (not acknowledged in time): %(title)s") % {"title": title}
    notify.send(
        recipients,
        kind="tip_life_safety" if tip.life_safety else "tip_new",
        title=title,
        # Never the tip's content in a notification: e-mail is not encrypted end to end.
        body=_("Category: %(category)s. Open Haven to read and acknowledge it.")
        % {"category": tip.get_category_display()},
        url=reverse("tips:detail", args=[tip.pk]),
        urgent=tip.life_safety,
    )
    return {"escalated_to_tier": tier, "skipped_tiers": skipped, "notified": len(recipients)}


def escalate_overdue(now: datetime | None = None) -> int:
    """Move every unacknowledged tip past its deadline to the next tier, and notify the first tier
    of any new tip whose first notification failed. Run every minute by the worker."""
    now = now or timezone.now()
    moved = 0
    due = Q(ack_deadline__lte=now) | Q(escalation_tier=0, created_at__lte=now)
    for pk in list(Tip.objects.filter(due, status=Status.NEW).values_list("pk", flat=True)):
        with transaction.atomic():
            tip = Tip.objects.select_for_update().filter(due, pk=pk, status=Status.NEW).first()
            if tip is None:
                continue  # acknowledged (or escalated by another worker) meanwhile
            detail = _notify_tier(tip, oncall.next_tier(tip.school, tip.escalation_tier), now)
            audit.record(None, "update", tip, detail=detail)
            moved += 1
    return moved


# --- the reporter's side --------------------------------------------------------------------------


def find_by_receipt(receipt: str) -> Tip | None:
    digest = receipts.digest(receipt)
    if digest is None:
        return None
    return Tip.objects.filter(receipt_digest=digest).first()


def reporter_opened(tip: Tip) -> None:
    """The reporter came back with their receipt: their unread replies are now read."""
    with transaction.atomic():
        Tip.objects.filter(pk=tip.pk).update(reporter_unread=False)
        audit.record(None, "view", tip, detail={"by": "reporter"})


def reporter_message(tip: Tip, receipt: str, body: str, files: list[Any] | None = None) -> Message:
    """The reporter answers (with their receipt). A message that contains the receipt itself, with
    any separators, is refused: the receipt is their key and responders must never see it."""
    errors: dict[str, str] = {}
    text = _clean_text(body, "body", MAX_MESSAGE, errors, required=not files)
    if errors:
        raise ValidationError(errors)
    digits = receipts.normalise(receipt) or ""
    if receipts.appears_in(digits, text):
        raise ValidationError(
            {
                "body": _(
                    "Your message contains your receipt number. Remove it: the receipt is your key "
                    "and nobody else should see it."
                )
            }
        )
    checked = attachments.check(list(files or []))
    now = timezone.now()
    written: list[tuple[Any, str]] = []
    try:
        with transaction.atomic():
            message = Message.objects.create(
                tip=tip, sender=Message.Sender.REPORTER, body=text, created_at=now
            )
            _store_files(tip, message, checked, now, written)
            Tip.objects.filter(pk=tip.pk).update(last_reporter_activity=now)
            audit.record(
                None,
                "create",
                message,
                detail={"by": "reporter", "tip": tip.pk, "files": len(checked)},
                school_id=tip.school_id,
            )
            notify.send(
                _followers(tip),
                kind="tip_reply",
                title=_("The reporter of tip #%(id)d wrote back") % {"id": tip.pk},
                body=_("Open Haven to read the reply."),
                url=reverse("tips:detail", args=[tip.pk]),
                urgent=tip.life_safety,
            )
    except BaseException:
        _delete_files(written)
        raise
    return message


def _followers(tip: Tip) -> list[Any]:
    """Who hears that the reporter wrote: the assignees and whoever acknowledged the tip, or the
    first on-call tier while nobody has; only people who may still open it."""
    people = {p.pk: p for p in tip.assignees.all()}
    if tip.acknowledged_by_id and tip.acknowledged_by:
        people[tip.acknowledged_by_id] = tip.acknowledged_by
    if not people:
        people = {p.pk: p for p in oncall.responders_for(tip, 1)}
    return [p for _pk, p in sorted(people.items()) if p.is_active and _may_work_on(p, tip)]


def reporter_thread(tip: Tip) -> list[Message]:
    """What the reporter sees: the dialogue without internal notes, and no responder's name
    unless they signed."""
    return list(tip.messages.filter(internal=False).prefetch_related("attachments"))


# --- the responders' side -------------------------------------------------------------------------


def _may_work_on(user: Any, tip: Tip) -> bool:
    return policy.visible_to(user, Tip).filter(pk=tip.pk).exists()


def _require_tip(user: Any, tip: Tip) -> None:
    if not _may_work_on(user, tip):
        raise PermissionDenied(_("You cannot work on this tip."))


def open_tip(user: Any, tip: Tip) -> None:
    """Record that a responder read the tip."""
    audit.record(user, "view", tip)


def listed(user: Any, tips: Iterable[Tip], school: Any = None) -> None:
    """Record that a responder saw a list of tips (the inbox, the API list): which ones, not what
    they said."""
    ids = [t.pk for t in tips]
    audit.record(
        user,
        "list",
        ("tips.tip", ""),
        detail={"tips": ids},
        school_id=getattr(school, "pk", school),
    )


def reveal_contact(user: Any, tip: Tip) -> dict[str, str] | None:
    """A confidential reporter's identity, for the tip's responders only; every reveal is logged."""
    _require_tip(user, tip)
    audit.record(user, "view", tip, compartment="reporter_identity")
    return tip.contact


def acknowledge(user: Any, tip: Tip) -> Tip:
    _require_tip(user, tip)
    with transaction.atomic():
        tip = Tip.objects.select_for_update().get(pk=tip.pk)
        if tip.status != Status.NEW:
            return tip
        now = timezone.now()
        tip.status, tip.acknowledged_at, tip.acknowledged_by, tip.ack_deadline = (
            Status.ACKNOWLEDGED,
            now,
            user,
            None,
        )
        tip.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "ack_deadline"])
        audit.record(user, "update", tip, detail={"status": "acknowledged"})
    return tip


def mark_triaged(user: Any, tip: Tip) -> Tip:
    _require_tip(user, tip)
    with transaction.atomic():
        tip = acknowledge(user, tip)
        if tip.status in (Status.ACKNOWLEDGED,):
            tip.status, tip.triaged_at = Status.TRIAGED, timezone.now()
            tip.save(update_fields=["status", "triaged_at"])
            audit.record(user, "update", tip, detail={"status": "triaged"})
    return tip


def close(user: Any, tip: Tip, disposition: str) -> Tip:
    """Close the tip with how it ended (a prank or unfounded tip is closed as such). Closing a
    closed tip only changes its disposition: when it was closed, and so its retention, stay."""
    _require_tip(user, tip)
    if disposition not in Disposition.values:
        raise ValidationError({"disposition": _("Choose how the tip ended.")})
    with transaction.atomic():
        tip = acknowledge(user, tip)
        if tip.status == Status.CLOSED:
            if tip.disposition != disposition:
                tip.disposition = disposition
                tip.save(update_fields=["disposition"])
                audit.record(user, "update", tip, detail={"disposition": disposition})
            return tip
        now = timezone.now()
        tip.status, tip.disposition, tip.closed_at, tip.closed_by = (
            Status.CLOSED,
            disposition,
            now,
            user,
        )
        tip.purge_after = now + timedelta(days=retention_days(tip))
        tip.save(update_fields=["status", "disposition", "closed_at", "closed_by", "purge_after"])
        audit.record(user, "update", tip, detail={"status": "closed", "disposition": disposition})
    return tip


def reopen(user: Any, tip: Tip) -> Tip:
    """Bring a closed tip back to work (as triaged); it no longer counts towards the purge."""
    _require_tip(user, tip)
    with transaction.atomic():
        tip = Tip.objects.select_for_update().get(pk=tip.pk)
        if tip.status != Status.CLOSED:
            return tip
        tip.status, tip.disposition, tip.closed_at, tip.closed_by, tip.purge_after = (
            Status.TRIAGED,
            "",
            None,
            None,
            None,
        )
        tip.save(update_fields=["status", "disposition", "closed_at", "closed_by", "purge_after"])
        audit.record(user, "update", tip, detail={"status": "reopened"})
    return tip


def retention_days(tip: Tip) -> int:
    policy_row = RetentionPolicy.objects.filter(
        district=tip.district_id, category=tip.category
    ).first()
    return policy_row.days if policy_row else DEFAULT_RETENTION_DAYS


def staff_message(
    user: Any, tip: Tip, body: str, *, internal: bool = False, signed: bool = False
) -> Message:
    """A question or answer to the reporter, or (internal) a note among responders."""
    _require_tip(user, tip)
    errors: dict[str, str] = {}
    text = _clean_text(body, "body", MAX_MESSAGE, errors, required=True)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if not internal:
            acknowledge(user, tip)
        message = Message.objects.create(
            tip=tip,
            sender=Message.Sender.STAFF,
            author=user,
            body=text,
            internal=internal,
            signed=signed and not internal,
            created_at=timezone.now(),
        )
        if not internal:
            Tip.objects.filter(pk=tip.pk).update(reporter_unread=True)
        audit.record(
            user,
            "create",
            message,
            detail={"tip": tip.pk, "internal": internal},
            school_id=tip.school_id,
        )
    return message


def assign(user: Any, tip: Tip, assignees: list[Any]) -> None:
    _require_tip(user, tip)
    allowed = [a for a in assignees if policy.visible_to(a, Tip).filter(pk=tip.pk).exists()]
    if len(allowed) != len(assignees):
        raise ValidationError(
            {"assignees": _("Only people who may respond to this tip can be assigned.")}
        )
    with transaction.atomic():
        tip.assignees.set(allowed)
        audit.record(user, "update", tip, detail={"assignees": sorted(a.pk for a in allowed)})
        notify.send(
            [a for a in allowed if a != user],
            kind="tip_assigned",
            title=_("Tip #%(id)d was assigned to you") % {"id": tip.pk},
            url=reverse("tips:detail", args=[tip.pk]),
        )


def link(user: Any, tip: Tip, other: Tip) -> None:
    _require_tip(user, tip)
    _require_tip(user, other)
    if tip.pk == other.pk:
        raise ValidationError({"related": _("A tip cannot be linked to itself.")})
    with transaction.atomic():
        tip.related.add(other)
        audit.record(user, "update", tip, detail={"linked": other.pk})


def set_legal_hold(user: Any, tip: Tip, hold: bool) -> None:
    _require_tip(user, tip)
    if not policy.has_perm(user, Perm.LEGAL_HOLD, tip.school_id or None):
        raise PermissionDenied(_("Only administrators place or lift a legal hold."))
    with transaction.atomic():
        Tip.objects.filter(pk=tip.pk).update(legal_hold=hold)
        tip.legal_hold = hold
        audit.record(user, "update", tip, detail={"legal_hold": hold})


def purge_expired(now: datetime | None = None) -> int:
    """Delete closed tips past their category's retention (with their dialogue and files), except
    those on legal hold. Retention is read now, from the district's policy, so shortening or
    lengthening a category's period applies to tips already closed. Each purge is audited."""
    now = now or timezone.now()
    days = {(row.district_id, row.category): row.days for row in RetentionPolicy.objects.all()}
    shortest = min([DEFAULT_RETENTION_DAYS, *days.values()])
    candidates = Tip.objects.filter(
        status=Status.CLOSED,
        legal_hold=False,
        closed_at__lte=now - timedelta(days=shortest),
    ).order_by("pk")
    count = 0
    for pk, district_id, category, closed_at in candidates.values_list(
        "pk", "district_id", "category", "closed_at"
    ):
        keep_for = days.get((district_id, category), DEFAULT_RETENTION_DAYS)
        if closed_at is None or closed_at + timedelta(days=keep_for) > now:
            continue
        with transaction.atomic():
            tip = (
                Tip.objects.select_for_update()
                .filter(pk=pk, status=Status.CLOSED, legal_hold=False)
                .first()
            )
            if tip is None:
                continue  # reopened or put on hold meanwhile
            files = [
                (field.storage, field.name)
                for item in tip.attachments.all()
                for field in (item.original, item.cleaned)
            ]
            audit.record(
                None,
                "delete",
                tip,
                reason="retention",
                detail={"purged": True, "category": category, "files": len(files)},
            )
            tip.delete()
            # Files go once the rows are gone for good; a failed transaction keeps both.
            transaction.on_commit(partial(_delete_files, files))
            count += 1
    return count
