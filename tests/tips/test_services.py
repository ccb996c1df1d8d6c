"""The tip line's services: submission (validated, encrypted, all-or-nothing), the reporter's
follow-up, and the responders' work (acknowledge, triage, close, reopen, assign, link, hold)."""

from __future__ import annotations

import sys
import types
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from haven.audit.models import AuditEvent
from haven.core.storage import EncryptedFileSystemStorage
from haven.notify.models import Notification
from haven.tips import receipts, services
from haven.tips.models import Attachment, Category, Disposition, Message, Status, Tip
from tests.tips import HTML, PDF, jpeg_bytes, tip_input, upload


def _raw(table: str, pk: int, columns: list[str]) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return [str(v) for v in cursor.fetchone()]


def _errors(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return excinfo.value.message_dict


# --- submission -----------------------------------------------------------------------------------


def test_a_submitted_tip_is_encrypted_at_rest_and_only_the_receipts_digest_is_kept(people):
    tip, receipt = services.submit(
        tip_input(
            description="Jordan said he will bring his dad's gun on Friday.",
            location="Bus stop on Elm Street",
            subject_names=["Jordan Pike"],
            online_url="https://social.example/post/123",
            contact={"name": "Ana Reporter", "email": "ana@example.org", "phone": ""},
        )
    )
    raw = _raw(
        "tips_tip",
        tip.pk,
        ["description", "location", "subject_names", "online_url", "contact", "receipt_digest"],
    )
    everything = " ".join(raw)
    for plain in ("gun", "Elm Street", "Jordan", "social.example", "Ana Reporter", "ana@"):
        assert plain not in everything
    assert all(value.startswith("enc1:") for value in raw[:5])
    digits = receipts.normalise(receipt)
    assert digits not in everything and receipt not in everything
    assert raw[5] == receipts.digest(receipt)
    # Read back through the model, it is the reporter's text.
    again = Tip.objects.get(pk=tip.pk)
    assert again.description == "Jordan said he will bring his dad's gun on Friday."
    assert again.contact == {"name": "Ana Reporter", "email": "ana@example.org"}
    assert again.confidential


def test_the_receipt_finds_the_tip_and_a_wrong_one_does_not(people):
    tip, receipt = services.submit(tip_input())
    assert services.find_by_receipt(receipt) == tip
    assert services.find_by_receipt(receipt.replace(" ", "-")) == tip
    wrong = receipt[:-1] + ("0" if receipt[-1] != "0" else "1")
    assert services.find_by_receipt(wrong) is None
    assert services.find_by_receipt("not a receipt") is None


def test_submission_is_audited_without_its_content(people):
    tip, _receipt = services.submit(tip_input(description="Secret words in the tip"))
    event = AuditEvent.objects.get(object_type="tips.tip", object_id=str(tip.pk), action="create")
    assert event.actor is None
    assert event.school_id == tip.school_id
    assert event.detail == {
        "by": "reporter",
        "files": 0,
        "group": tip.group_id,
        "escalated_to_tier": 1,
        "skipped_tiers": [],
        "notified": 3,  # the principal, the counsellor and the SRO: no rota, so tier 1 is all
    }
    assert "Secret" not in str(AuditEvent.objects.values_list("detail", "reason"))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"school": "no-such-school"}, "school"),
        ({"category": "gossip"}, "category"),
        ({"description": "   "}, "description"),
        ({"description": "x" * (services.MAX_DESCRIPTION + 1)}, "description"),
        ({"location": "y" * 501}, "location"),
        ({"online_url": "javascript:alert(1)"}, "online_url"),
        ({"online_url": "not a link"}, "online_url"),
        ({"contact": {"name": "A", "email": "not-an-address"}}, "contact.email"),
        ({"contact": "Ana"}, "contact"),
        ({"subject_names": [f"Person {n}" for n in range(11)]}, "subject_names"),
        ({"occurred_at": timezone.now() + timedelta(days=3)}, "occurred_at"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(people, overrides, field):
    with pytest.raises(ValidationError) as excinfo:
        services.submit(tip_input(**overrides))
    assert field in _errors(excinfo)
    assert not Tip.objects.exists()
    assert not AuditEvent.objects.filter(object_type="tips.tip").exists()


def test_every_bad_field_is_named_at_once(people):
    with pytest.raises(ValidationError) as excinfo:
        services.submit(tip_input(school="nowhere", category="nope", description=""))
    assert {"school", "category", "description"} <= set(_errors(excinfo))


def test_html_and_script_are_stored_as_the_text_the_reporter_typed(people):
    tip, _ = services.submit(
        tip_input(description=HTML, location=HTML, subject_names=[HTML], online_platform="<i>x</i>")
    )
    tip.refresh_from_db()
    assert tip.description == HTML
    assert tip.location == HTML
    assert tip.subject_names == [HTML]
    assert tip.online_platform == "<i>x</i>"


def test_text_no_database_can_store_is_cleaned_not_a_crash(people):
    tip, _ = services.submit(
        tip_input(description="nul\x00 and a lone \ud800 surrogate", subject_names=["a\x00b"])
    )
    tip.refresh_from_db()
    assert tip.description == "nul and a lone ? surrogate"
    assert tip.subject_names == ["ab"]


def test_a_time_without_a_zone_is_taken_as_the_schools(people):
    tip, _ = services.submit(tip_input(occurred_at=datetime(2026, 11, 2, 13, 30)))  # noqa: DTZ001
    tip.refresh_from_db()
    assert timezone.localtime(tip.occurred_at).hour == 13


def test_the_district_page_makes_a_tip_without_a_school(people, district):
    tip, _ = services.submit(tip_input(school=""))
    assert tip.school is None
    assert tip.district == district


def test_danger_now_makes_the_tip_life_safety(people):
    tip, _ = services.submit(tip_input(category="self_harm", danger_now=True))
    assert tip.life_safety
    assert tip.life_safety_reason == services.LIFE_SAFETY_REASON_REPORTER
    routine, _ = services.submit(tip_input())
    assert not routine.life_safety


def test_a_failing_classifier_never_costs_the_reporter_their_tip(people, monkeypatch, caplog):
    from django.apps import apps

    def reading_for_tip(tip):
        raise RuntimeError("model file missing")

    broken = types.ModuleType("haven.triage.services")
    broken.reading_for_tip = reading_for_tip  # type: ignore[attr-defined]
    package = types.ModuleType("haven.triage")
    package.services = broken  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "haven.triage", package)
    monkeypatch.setitem(sys.modules, "haven.triage.services", broken)
    real_is_installed = apps.is_installed
    monkeypatch.setattr(
        apps, "is_installed", lambda name: name == "haven.triage" or real_is_installed(name)
    )
    tip, receipt = services.submit(tip_input(description="words that must not be logged"))
    assert Tip.objects.filter(pk=tip.pk).exists() and receipt
    assert tip.triage == {}
    assert "triage could not read" in caplog.text
    assert "must not be logged" not in caplog.text


def test_the_classifiers_imminent_reading_makes_the_tip_life_safety(people, monkeypatch):
    monkeypatch.setattr(services.submission, "_classify", lambda tip: {"urgency": "imminent"})
    tip, _ = services.submit(tip_input(category="violence_threat"))
    assert tip.life_safety
    assert tip.life_safety_reason == services.LIFE_SAFETY_REASON_TRIAGE
    assert Tip.objects.get(pk=tip.pk).triage == {"urgency": "imminent"}


def _private_files(settings) -> list[Path]:
    root = Path(settings.DATA_DIR) / "private"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_failure_while_storing_files_stores_nothing_at_all(people, monkeypatch, settings):
    """The tip is either stored and its receipt returned, or an error and nothing stored: here
    the disk fails on the second file, after the tip row and the first file were written."""
    real_save = EncryptedFileSystemStorage._save
    calls = []

    def failing_save(self, name, content):
        calls.append(name)
        if len(calls) == 3:  # first file's original and copy are written; the second's fails
            raise OSError("disk full")
        return real_save(self, name, content)

    monkeypatch.setattr(EncryptedFileSystemStorage, "_save", failing_save)
    with pytest.raises(services.NotStored) as failed:  # the answer is a 503: nothing stored
        services.submit(tip_input(files=[upload("a.jpg", jpeg_bytes()), upload("b.pdf", PDF)]))
    cause = failed.value.__cause__
    assert isinstance(cause, OSError) and "disk full" in str(cause)
    assert len(calls) == 3
    assert not Tip.objects.exists()
    assert not Attachment.objects.exists()
    assert not AuditEvent.objects.filter(object_type="tips.tip").exists()
    assert _private_files(settings) == []  # the first file's two copies were removed again


def test_a_failure_after_the_files_removes_them_too(people, monkeypatch, settings):
    from haven.audit import services as audit

    def broken_record(*args, **kwargs):
        raise RuntimeError("audit unavailable")

    monkeypatch.setattr(audit, "record", broken_record)
    with pytest.raises(RuntimeError):
        services.submit(tip_input(files=[upload("a.jpg", jpeg_bytes())]))
    assert not Tip.objects.exists()
    assert _private_files(settings) == []


def test_a_receipt_collision_draws_another_receipt(people, monkeypatch):
    first, first_receipt = services.submit(tip_input())
    drawn = iter([first_receipt, "1111 2222 3333 4444"])
    monkeypatch.setattr(receipts, "new_receipt", lambda: next(drawn))
    _second, second_receipt = services.submit(tip_input())
    assert second_receipt == "1111 2222 3333 4444"
    assert Tip.objects.count() == 2
    assert services.find_by_receipt(first_receipt) == first


def test_a_tip_with_files_keeps_them_encrypted(people, settings):
    tip, _ = services.submit(tip_input(files=[upload("photo.jpg", jpeg_bytes())]))
    item = tip.attachments.get()
    assert item.kind == "image" and item.content_type == "image/jpeg"
    on_disk = Path(settings.DATA_DIR) / "private" / item.original.name
    assert on_disk.exists()
    assert b"JFIF" not in on_disk.read_bytes()
    assert item.original.name != item.cleaned.name
    assert "photo" not in item.original.name  # never the reporter's file name on disk


# --- the reporter's follow-up ---------------------------------------------------------------------


def test_the_reporter_answers_and_the_responders_hear_of_it(
    people, django_capture_on_commit_callbacks
):
    counselor = people["counselor"]
    tip, receipt = services.submit(tip_input())
    services.staff_message(counselor, tip, "Which lunch period was it?")
    with django_capture_on_commit_callbacks(execute=True):
        message = services.reporter_message(tip, receipt, "Fourth period, every day.")
    assert message.sender == Message.Sender.REPORTER
    assert message.author is None
    note = Notification.objects.filter(user=counselor, kind="tip_reply").get()
    assert "Fourth period" not in note.title + note.body
    assert note.url == f"/tips/{tip.pk}/"
    assert [m.body for m in services.reporter_thread(tip)] == [
        "Which lunch period was it?",
        "Fourth period, every day.",
    ]


@pytest.mark.parametrize(
    "write",
    [
        lambda r: f"my number is {r}",
        lambda r: r.replace(" ", ""),
        lambda r: r.replace(" ", "-"),
        lambda r: r.replace(" ", "."),
        lambda r: " / ".join(r.replace(" ", "")),
        lambda r: f"code:{r.replace(' ', '_')}!",
    ],
)
def test_a_message_containing_the_receipt_is_refused(people, write):
    tip, receipt = services.submit(tip_input())
    with pytest.raises(ValidationError) as excinfo:
        services.reporter_message(tip, receipt, write(receipt))
    assert "receipt" in _errors(excinfo)["body"][0]
    assert not Message.objects.exists()


def test_internal_notes_never_reach_the_reporter(people):
    counselor = people["counselor"]
    tip, _receipt = services.submit(tip_input())
    services.staff_message(counselor, tip, "Check the cameras first", internal=True)
    services.staff_message(counselor, tip, "Thank you. Is anyone hurt?")
    assert [m.body for m in services.reporter_thread(tip)] == ["Thank you. Is anyone hurt?"]
    tip.refresh_from_db()
    assert tip.reporter_unread


def test_an_internal_note_does_not_acknowledge_the_tip(people):
    tip, _ = services.submit(tip_input())
    services.staff_message(people["counselor"], tip, "Looking into it", internal=True)
    tip.refresh_from_db()
    assert tip.status == Status.NEW


def test_the_reporter_opening_the_follow_up_marks_replies_read(people):
    tip, _ = services.submit(tip_input())
    services.staff_message(people["counselor"], tip, "A question")
    services.reporter_opened(tip)
    tip.refresh_from_db()
    assert not tip.reporter_unread
    assert AuditEvent.objects.filter(
        action="view", object_id=str(tip.pk), actor__isnull=True, detail={"by": "reporter"}
    ).exists()


# --- the responders' work -------------------------------------------------------------------------


def test_acknowledge_then_triage_then_close_records_times_and_who(people):
    counselor = people["counselor"]
    tip, _ = services.submit(tip_input())
    tip = services.acknowledge(counselor, tip)
    assert tip.status == Status.ACKNOWLEDGED and tip.acknowledged_by == counselor
    assert tip.acknowledged_at is not None and tip.ack_deadline is None
    tip = services.mark_triaged(counselor, tip)
    assert tip.status == Status.TRIAGED and tip.triaged_at is not None
    tip = services.close(counselor, tip, "resolved")
    assert tip.status == Status.CLOSED and tip.disposition == "resolved"
    assert tip.closed_by == counselor
    assert tip.purge_after == tip.closed_at + timedelta(days=services.DEFAULT_RETENTION_DAYS)


def test_staff_can_mark_a_tip_a_prank(people):
    tip, _ = services.submit(tip_input())
    tip = services.close(people["principal"], tip, "prank")
    assert tip.status == Status.CLOSED and tip.disposition == "prank"


def test_closing_a_closed_tip_keeps_when_it_was_closed(people):
    counselor = people["counselor"]
    tip, _ = services.submit(tip_input())
    closed = services.close(counselor, tip, "resolved")
    again = services.close(counselor, closed, "unfounded")
    assert again.disposition == "unfounded"
    assert again.closed_at == closed.closed_at


def test_close_needs_a_known_disposition(people):
    tip, _ = services.submit(tip_input())
    with pytest.raises(ValidationError) as excinfo:
        services.close(people["counselor"], tip, "forgotten")
    assert "disposition" in _errors(excinfo)


def test_reopen_brings_a_closed_tip_back_and_leaves_an_open_one_alone(people):
    counselor = people["counselor"]
    tip, _ = services.submit(tip_input())
    assert services.reopen(counselor, tip).status == Status.NEW
    tip = services.close(counselor, tip, "resolved")
    tip = services.reopen(counselor, tip)
    assert tip.status == Status.TRIAGED
    assert tip.closed_at is None and tip.closed_by is None and tip.purge_after is None


def test_a_teacher_and_an_outsider_cannot_work_on_the_tip(people):
    tip, _ = services.submit(tip_input())
    for name in ("teacher", "outsider", "auditor", "nobody"):
        with pytest.raises(PermissionDenied):
            services.acknowledge(people[name], tip)
        with pytest.raises(PermissionDenied):
            services.staff_message(people[name], tip, "hello")
        with pytest.raises(PermissionDenied):
            services.reveal_contact(people[name], tip)
    tip.refresh_from_db()
    assert tip.status == Status.NEW


def test_a_district_wide_tip_is_for_district_roles_only(people):
    tip, _ = services.submit(tip_input(school=""))
    with pytest.raises(PermissionDenied):
        services.acknowledge(people["principal"], tip)
    assert services.acknowledge(people["admin"], tip).status == Status.ACKNOWLEDGED


def test_only_responders_of_the_tip_can_be_assigned(people, django_capture_on_commit_callbacks):
    tip, _ = services.submit(tip_input())
    with pytest.raises(ValidationError) as excinfo:
        services.assign(people["principal"], tip, [people["counselor"], people["teacher"]])
    assert "assignees" in _errors(excinfo)
    with django_capture_on_commit_callbacks(execute=True):
        services.assign(people["principal"], tip, [people["counselor"], people["sro"]])
    assert set(tip.assignees.all()) == {people["counselor"], people["sro"]}
    assert Notification.objects.filter(kind="tip_assigned", user=people["sro"]).exists()


def test_linking_related_tips(people):
    first, _ = services.submit(tip_input())
    second, _ = services.submit(tip_input(category="harassment"))
    services.link(people["counselor"], first, second)
    assert list(second.related.all()) == [first]
    with pytest.raises(ValidationError):
        services.link(people["counselor"], first, first)


def test_a_legal_hold_is_for_administrators(people):
    tip, _ = services.submit(tip_input())
    with pytest.raises(PermissionDenied):
        services.set_legal_hold(people["counselor"], tip, True)
    services.set_legal_hold(people["principal"], tip, True)
    tip.refresh_from_db()
    assert tip.legal_hold


def test_a_confidential_reporters_identity_is_revealed_only_on_purpose_and_audited(people):
    tip, _ = services.submit(tip_input(contact={"name": "Ana", "email": "", "phone": "555-0100"}))
    contact = services.reveal_contact(people["counselor"], tip)
    assert contact == {"name": "Ana", "phone": "555-0100"}
    assert AuditEvent.objects.filter(
        action="view", compartment="reporter_identity", actor=people["counselor"]
    ).exists()


def test_an_empty_contact_is_anonymous(people):
    tip, _ = services.submit(tip_input(contact={"name": " ", "email": "", "phone": ""}))
    assert tip.contact is None and not tip.confidential


# --- the demo district ----------------------------------------------------------------------------


def test_the_demo_has_realistic_tips_of_every_kind_and_loading_twice_changes_nothing(db):
    from haven.home import demo
    from haven.tips import demo as tips_demo
    from haven.tips.models import OnCallShift, SavedReply

    counts = demo.load()
    assert counts["tips"] == len(tips_demo.TIPS)
    tips = Tip.objects.all()
    assert set(tips.values_list("category", flat=True)) == set(Category.values)
    assert set(tips.values_list("status", flat=True)) == set(Status.values)
    assert set(tips.exclude(disposition="").values_list("disposition", flat=True)) == set(
        Disposition.values
    )
    assert tips.filter(life_safety=True).exists()
    assert any(t.confidential for t in tips)
    assert tips.filter(school__isnull=True).exists()
    assert tips.filter(language="es").count() >= 2
    assert Attachment.objects.exists()
    assert Message.objects.filter(sender="reporter").exists()
    assert Message.objects.filter(internal=True).exists()
    assert any("¿" in m.body for m in Message.objects.all())  # dialogue in Spanish too
    assert OnCallShift.objects.filter(when="after_hours").exists()
    assert SavedReply.objects.exists()
    # The documented receipt opens a tip whose responder's question waits for an answer.
    waiting = services.find_by_receipt(tips_demo.DEMO_RECEIPT)
    assert waiting is not None and waiting.status == Status.ACKNOWLEDGED
    assert [m.sender for m in services.reporter_thread(waiting)] == ["staff"]
    # Times look like a working week, oldest first, and replies come after the tip.
    assert tips.order_by("created_at").first().created_at < timezone.now() - timedelta(days=14)
    for message in Message.objects.select_related("tip"):
        assert message.created_at >= message.tip.created_at
    # Encrypted and audited like real tips.
    assert AuditEvent.objects.filter(object_type="tips.tip", action="create").count() == len(
        tips_demo.TIPS
    )

    # The new tips page the on-call responders; nobody is paged for the answered ones.
    def urls(qs):
        return {f"/tips/{pk}/" for pk in qs.values_list("pk", flat=True)}

    linked = {n.url for n in Notification.objects.all()}  # encrypted: compared here
    assert linked & urls(tips.filter(status=Status.NEW))
    assert not linked & urls(tips.exclude(status=Status.NEW))
    before = (Tip.objects.count(), Message.objects.count(), Attachment.objects.count())
    assert demo.load() == counts
    assert (Tip.objects.count(), Message.objects.count(), Attachment.objects.count()) == before


def test_every_responders_read_and_write_is_audited(people):
    principal, counselor, sro = people["principal"], people["counselor"], people["sro"]
    tip, _ = services.submit(tip_input(contact={"name": "Ana"}))
    other, _ = services.submit(tip_input(category="harassment"))
    start = AuditEvent.objects.order_by("-seq").first().seq
    services.listed(counselor, [tip, other], school=tip.school)
    services.open_tip(counselor, tip)
    services.reveal_contact(counselor, tip)
    services.acknowledge(counselor, tip)
    services.mark_triaged(counselor, tip)
    services.staff_message(counselor, tip, "Question for the reporter")
    services.staff_message(counselor, tip, "Note for the team", internal=True)
    services.assign(principal, tip, [counselor, sro])
    services.link(counselor, tip, other)
    services.set_legal_hold(principal, tip, True)
    services.close(counselor, tip, "unfounded")
    services.reopen(counselor, tip)
    events = [
        (e.actor.username, e.action, e.object_type, e.compartment, e.detail)
        for e in AuditEvent.objects.filter(seq__gt=start).select_related("actor").order_by("seq")
    ]
    assert events == [
        ("counselor", "list", "tips.tip", "", {"tips": [tip.pk, other.pk]}),
        ("counselor", "view", "tips.tip", "", {}),
        ("counselor", "view", "tips.tip", "reporter_identity", {}),
        ("counselor", "update", "tips.tip", "", {"status": "acknowledged"}),
        ("counselor", "update", "tips.tip", "", {"status": "triaged"}),
        ("counselor", "create", "tips.message", "", {"tip": tip.pk, "internal": False}),
        ("counselor", "create", "tips.message", "", {"tip": tip.pk, "internal": True}),
        ("principal", "update", "tips.tip", "", {"assignees": sorted([counselor.pk, sro.pk])}),
        ("counselor", "update", "tips.tip", "", {"linked": other.pk}),
        ("principal", "update", "tips.tip", "", {"legal_hold": True}),
        ("counselor", "update", "tips.tip", "", {"status": "closed", "disposition": "unfounded"}),
        ("counselor", "update", "tips.tip", "", {"status": "reopened"}),
    ]
    # The log says who touched what, never what it said.
    assert "Question" not in str(events) and "Ana" not in str(events)
