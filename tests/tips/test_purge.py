"""The purge: closed tips past their category's retention go, with their dialogue and files,
unless on legal hold; open tips stay whatever their age; every purge is in the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from haven.audit import services as audit
from haven.audit.models import AuditEvent
from haven.tips import services
from haven.tips.models import Attachment, Message, RetentionPolicy, Status, Tip, TipGroup
from tests.tips import jpeg_bytes, tip_input, upload

CLOSED_ON = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)


@pytest.fixture
def purge(django_capture_on_commit_callbacks):
    """Run the purge and commit (files are removed once the rows are gone for good)."""

    def run(at: datetime) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return services.purge_expired(at)

    return run


@pytest.fixture
def closed(people, time_machine):
    """Make a tip with a file and a dialogue, closed on CLOSED_ON."""

    def make(category: str = "bullying", **overrides) -> Tip:
        time_machine.move_to(CLOSED_ON - timedelta(days=1), tick=False)
        tip, receipt = services.submit(
            tip_input(category=category, files=[upload("p.jpg", jpeg_bytes())], **overrides)
        )
        services.staff_message(people["counselor"], tip, "Thanks, we are on it.")
        services.reporter_message(tip, receipt, "Good.")
        time_machine.move_to(CLOSED_ON, tick=False)
        return services.close(people["counselor"], tip, "resolved")

    return make


def _files_on_disk(settings) -> list[Path]:
    root = Path(settings.DATA_DIR) / "private"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_closed_tip_past_its_retention_goes_with_its_files_and_dialogue(
    closed, purge, settings, district
):
    RetentionPolicy.objects.create(district=district, category="bullying", days=30)
    tip = closed("bullying")
    assert len(_files_on_disk(settings)) == 2  # the original and the cleaned copy
    assert purge(CLOSED_ON + timedelta(days=29, hours=23)) == 0
    assert Tip.objects.filter(pk=tip.pk).exists()
    assert purge(CLOSED_ON + timedelta(days=30)) == 1
    assert not Tip.objects.exists()
    assert not Message.objects.exists() and not Attachment.objects.exists()
    assert not TipGroup.objects.exists()  # its group, with its keyed fingerprint, goes too
    assert _files_on_disk(settings) == []


def test_each_category_keeps_its_own_retention(closed, purge, district):
    RetentionPolicy.objects.create(district=district, category="bullying", days=30)
    bullying = closed("bullying")
    weapon = closed("weapon")  # no policy: the default
    assert purge(CLOSED_ON + timedelta(days=31)) == 1
    assert list(Tip.objects.values_list("pk", flat=True)) == [weapon.pk]
    assert not Tip.objects.filter(pk=bullying.pk).exists()
    default_end = CLOSED_ON + timedelta(days=services.DEFAULT_RETENTION_DAYS)
    assert purge(default_end - timedelta(minutes=1)) == 0
    assert purge(default_end) == 1


def test_a_tip_on_legal_hold_is_kept(closed, purge, people, district, settings):
    RetentionPolicy.objects.create(district=district, category="bullying", days=30)
    tip = closed("bullying")
    services.set_legal_hold(people["principal"], tip, True)
    assert purge(CLOSED_ON + timedelta(days=400)) == 0
    assert Tip.objects.filter(pk=tip.pk).exists()
    assert len(_files_on_disk(settings)) == 2
    services.set_legal_hold(people["principal"], tip, False)  # the hold lifted: it goes
    assert purge(CLOSED_ON + timedelta(days=400)) == 1


def test_open_tips_are_kept_whatever_their_age(people, purge, district, time_machine):
    RetentionPolicy.objects.create(district=district, category="bullying", days=1)
    time_machine.move_to(CLOSED_ON, tick=False)
    _new, _ = services.submit(tip_input())
    acknowledged, _ = services.submit(tip_input())
    services.acknowledge(people["counselor"], acknowledged)
    triaged, _ = services.submit(tip_input())
    services.mark_triaged(people["counselor"], triaged)
    assert purge(CLOSED_ON + timedelta(days=3650)) == 0
    assert set(Tip.objects.values_list("status", flat=True)) == {
        Status.NEW,
        Status.ACKNOWLEDGED,
        Status.TRIAGED,
    }


def test_a_reopened_tip_is_kept(closed, purge, people):
    tip = closed("bullying")
    services.reopen(people["counselor"], tip)
    assert purge(CLOSED_ON + timedelta(days=services.DEFAULT_RETENTION_DAYS + 1)) == 0


def test_a_shorter_retention_applies_to_tips_already_closed(closed, purge, district):
    tip = closed("drugs_alcohol")
    assert purge(CLOSED_ON + timedelta(days=100)) == 0
    RetentionPolicy.objects.create(district=district, category="drugs_alcohol", days=90)
    assert purge(CLOSED_ON + timedelta(days=100)) == 1
    assert not Tip.objects.filter(pk=tip.pk).exists()


def test_the_purge_is_audited_and_the_chain_still_verifies(closed, purge, district):
    RetentionPolicy.objects.create(district=district, category="bullying", days=30)
    tip = closed("bullying")
    purge(CLOSED_ON + timedelta(days=31))
    event = AuditEvent.objects.get(action="delete", object_type="tips.tip")
    assert event.object_id == str(tip.pk)
    assert event.actor is None and event.reason == "retention"
    assert event.detail == {"purged": True, "category": "bullying", "files": 2}
    assert event.school_id == tip.school_id
    assert list(audit.verify()) == []
