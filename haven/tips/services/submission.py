"""Submission by the anonymous reporter: validation, classification, files, and the first
notice to the on-call tier."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.audit import services as audit
from haven.core.models import District, School
from haven.tips import attachments, receipts
from haven.tips.models import (
    Attachment,
    Category,
    Message,
    Tip,
)
from haven.tips.services import grouping
from haven.tips.services.escalation import notify_new

log = logging.getLogger(__name__)

MAX_DESCRIPTION = 10_000
MAX_MESSAGE = 5_000
MAX_SUBJECTS = 10
#: Why a tip is life-safety: the reporter said someone is in danger now, or the classifier read it
#: as imminent.
LIFE_SAFETY_REASON_REPORTER = "reporter: someone is in danger now"
LIFE_SAFETY_REASON_TRIAGE = "triage: imminent"


class NotStored(Exception):
    """The tip could not be stored (the database was locked, full or unreachable, or the disk
    full): nothing of it was kept, and the reporter must be told so and asked to try again."""


#: Faults of the machine, not of the input: the reporter is told nothing was stored (a 503).
FAULTS = (OperationalError, InterfaceError, OSError)


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


def clean_text(
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
        "description": clean_text(
            data.description, "description", MAX_DESCRIPTION, errors, required=True
        ),
        "location": clean_text(data.location, "location", 500, errors),
        "online_platform": clean_text(data.online_platform, "online_platform", 100, errors),
        "online_url": clean_text(data.online_url, "online_url", 2000, errors),
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
            key: clean_text(data.contact.get(key, ""), f"contact.{key}", 200, errors)
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

    Honest answers: a fault of the machine before the commit (a locked, full or lost database, a
    full disk) raises :class:`NotStored` — nothing was kept. Once the commit has happened the tip
    and its receipt are returned whatever fails after it (e.g. queueing its e-mails): that is
    logged, and the deliveries are left to the jobs that retry them.
    """
    try:
        return _submit(data, district, receipt)
    except FAULTS as exc:
        log.warning("a tip could not be stored (%s); nothing was kept", type(exc).__name__)
        raise NotStored(type(exc).__name__) from exc


def _submit(data: TipInput, district: District | None, receipt: str | None) -> tuple[Tip, str]:
    clean = validate(data, district)
    files = clean.pop("files")
    found = grouping.fingerprint_of(clean)
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
        stored = receipts.stored_form(drawn)
        tip.receipt_digest = stored.value if stored else ""
        tip.receipt_pepper = stored.pepper if stored else ""
        written: list[tuple[Any, str]] = []
        committed: list[bool] = []
        try:
            with transaction.atomic():
                # Registered first, so it runs first after the commit: anything that fails among
                # the rest (the notifications' e-mail and push) is known to come after the commit.
                transaction.on_commit(partial(committed.append, True))
                grouping.place(tip, found, now)
                tip.save(force_insert=True)
                store_files(tip, None, files, now, written)
                notified = notify_new(tip, now)
                # One event for the whole submission, last: the audit chain's head stays locked
                # from here to the commit, and other writers wait for it.
                audit.record(
                    None,
                    "create",
                    tip,
                    detail={
                        "by": "reporter",
                        "files": len(files),
                        "group": tip.group_id,
                        **notified,
                    },
                )
        except Exception as exc:
            if committed:  # stored: the reporter gets the receipt; what failed after is logged
                log.exception("tip %s is stored, but work after its commit failed", tip.pk)
                return tip, drawn
            delete_files(written)
            if isinstance(exc, IntegrityError) and not fixed and _collided(tip):
                continue  # a receipt collision (one in 10^16): draw another
            raise
        except BaseException:
            if not committed:
                delete_files(written)
            raise
        return tip, drawn
    raise RuntimeError("could not store the tip")  # pragma: no cover - three collisions


def _collided(tip: Tip) -> bool:
    """Whether the insert failed because the drawn receipt's digest is already taken."""
    try:
        return Tip.objects.filter(receipt_digest=tip.receipt_digest).exists()
    except FAULTS:
        return False


def _apply_life_safety(tip: Tip) -> None:
    if tip.danger_now:
        tip.life_safety, tip.life_safety_reason = True, LIFE_SAFETY_REASON_REPORTER
    elif (tip.triage or {}).get("urgency") == "imminent":
        tip.life_safety, tip.life_safety_reason = True, LIFE_SAFETY_REASON_TRIAGE


def store_files(
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


def delete_files(files: Iterable[tuple[Any, str]]) -> None:
    for storage, name in files:
        if not name:
            continue
        try:
            storage.delete(name)
        except OSError:
            log.warning("could not delete an attachment file of a removed tip", exc_info=True)
