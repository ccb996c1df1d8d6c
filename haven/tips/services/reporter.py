"""The reporter's side of the dialogue, found by receipt."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.audit import services as audit
from haven.notify import services as notify
from haven.tips import attachments, oncall, receipts
from haven.tips.models import (
    Message,
    Tip,
)
from haven.tips.services.responders import may_work_on
from haven.tips.services.submission import MAX_MESSAGE, clean_text, delete_files, store_files


def find_by_receipt(receipt: str) -> Tip | None:
    """The tip of this receipt, looked up under the newest pepper first, then the older ones; a
    tip found under an older one is re-digested with the newest (see :mod:`haven.tips.receipts`)."""
    newest: receipts.Digest | None = None
    for candidate in receipts.candidates(receipt):
        newest = newest or candidate
        tip = Tip.objects.filter(receipt_digest=candidate.value).first()
        if tip is None:
            continue
        if candidate != newest:
            with transaction.atomic():
                moved = Tip.objects.filter(pk=tip.pk, receipt_digest=candidate.value).update(
                    receipt_digest=newest.value, receipt_pepper=newest.pepper
                )
                if moved:
                    tip.receipt_digest, tip.receipt_pepper = newest.value, newest.pepper
                    audit.record(None, "update", tip, detail={"receipt": "re-digested"})
        return tip
    return None


def reporter_opened(tip: Tip) -> None:
    """The reporter came back with their receipt: their unread replies are now read."""
    with transaction.atomic():
        Tip.objects.filter(pk=tip.pk).update(reporter_unread=False)
        audit.record(None, "view", tip, detail={"by": "reporter"})


def reporter_message(tip: Tip, receipt: str, body: str, files: list[Any] | None = None) -> Message:
    """The reporter answers (with their receipt). A message that contains the receipt itself, with
    any separators, is refused: the receipt is their key and responders must never see it."""
    errors: dict[str, str] = {}
    text = clean_text(body, "body", MAX_MESSAGE, errors, required=not files)
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
            store_files(tip, message, checked, now, written)
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
        delete_files(written)
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
    return [p for _pk, p in sorted(people.items()) if p.is_active and may_work_on(p, tip)]


def reporter_thread(tip: Tip) -> list[Message]:
    """What the reporter sees: the dialogue without internal notes, and no responder's name
    unless they signed."""
    return list(tip.messages.filter(internal=False).prefetch_related("attachments"))
