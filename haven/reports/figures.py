"""Keeping :class:`~haven.reports.models.TipFigure` in step with the tips.

A tip's row is computed by the database from the tip itself (the minutes with the same SQL
expression the report used to evaluate on every request, so the figures are exactly the same) and
written again, in the same transaction, whenever the tip, one of its messages or one of its files
is saved (and, once the deletion is committed, when a message or file is deleted). A deleted tip
takes its row with it (the foreign key cascades). Writes that bypass saving — ``bulk_create``,
``QuerySet.update`` — are followed by :func:`rebuild` (the demo loader and ``haven
report_figures`` do it)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.db.models.signals import post_delete, post_save

from haven.reports.models import TipFigure
from haven.reports.stats import Minutes
from haven.tips.models import Attachment, Message, Tip

BATCH = 2000


def bucket(minutes: float | None) -> int | None:
    """An order-preserving bucket of ``minutes`` (a smaller value never lands in a larger
    bucket): one a minute for the first hour, then eight per doubling; every negative value
    (a clock set wrong) in bucket -1."""
    if minutes is None:
        return None
    if minutes < 0:
        return -1
    whole = int(minutes)
    if whole < 64:
        return whole
    bits = whole.bit_length()
    return 64 + 8 * (bits - 7) + ((whole >> (bits - 4)) & 7)


def _rows(tips: Any) -> list[TipFigure]:
    reporter_wrote = Message.objects.filter(tip=OuterRef("pk"), sender=Message.Sender.REPORTER)
    staff_wrote = Message.objects.filter(
        tip=OuterRef("pk"), sender=Message.Sender.STAFF, internal=False
    )
    found = tips.annotate(
        _files=Exists(Attachment.objects.filter(tip=OuterRef("pk"))),
        _dialogue=Exists(reporter_wrote) & Exists(staff_wrote),
        _ack=Minutes(F("acknowledged_at"), F("created_at")),
        _close=Minutes(F("closed_at"), F("created_at")),
    ).values_list(
        "pk",
        "district_id",
        "school_id",
        "category",
        "life_safety",
        "online",
        "_files",
        "_dialogue",
        "created_at",
        "_ack",
        "_close",
        "disposition",
        "escalation_tier",
    )
    return [
        TipFigure(
            tip_id=pk,
            district_id=district,
            school_id=school,
            category=category,
            life_safety=life_safety,
            online=online,
            with_files=bool(files),
            dialogue=bool(dialogue),
            created_at=created,
            ack_minutes=ack,
            close_minutes=close,
            ack_bucket=bucket(ack),
            close_bucket=bucket(close),
            disposition=disposition,
            escalation_tier=tier,
        )
        for (
            pk,
            district,
            school,
            category,
            life_safety,
            online,
            files,
            dialogue,
            created,
            ack,
            close,
            disposition,
            tier,
        ) in found
    ]


def refresh(tip_ids: Iterable[int]) -> None:
    """Write again the rows of ``tip_ids`` (a tip no longer there loses its row)."""
    ids = sorted(set(tip_ids))
    if not ids:
        return
    with transaction.atomic():
        TipFigure.objects.filter(tip_id__in=ids).delete()
        TipFigure.objects.bulk_create(_rows(Tip.objects.filter(pk__in=ids).order_by()))


def rebuild() -> int:
    """Every tip's row written anew; returns how many."""
    written = 0
    with transaction.atomic():
        TipFigure.objects.all().delete()
        last = 0
        while True:
            ids = list(
                Tip.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH]
            )
            if not ids:
                break
            rows = _rows(Tip.objects.filter(pk__in=ids).order_by())
            TipFigure.objects.bulk_create(rows, batch_size=500)
            written += len(rows)
            last = ids[-1]
    return written


def _tip_saved(sender: Any, instance: Tip, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        refresh([instance.pk])


def _part_changed(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw and instance.tip_id:
        refresh([instance.tip_id])


def _part_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    # Once committed: a message deleted with its tip must not write the tip's row again (the tip
    # is deleted right after it, in the same cascade).
    tip_id = instance.tip_id
    if tip_id:
        transaction.on_commit(lambda: refresh([tip_id]))


def connect() -> None:
    post_save.connect(_tip_saved, sender=Tip, dispatch_uid="reports.tip_saved")
    for model in (Message, Attachment):
        post_save.connect(_part_changed, sender=model, dispatch_uid=f"reports.{model.__name__}")
        post_delete.connect(
            _part_deleted, sender=model, dispatch_uid=f"reports.{model.__name__}.deleted"
        )
