"""Signals from monitoring tools: routing by urgency, de-duplication, encryption at rest, the
privacy guardrails and the retention purge."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from haven.access import policy
from haven.audit.models import AuditEvent
from haven.notify.models import Notification
from haven.triage import services, training
from haven.triage.models import CATEGORY_LABELS, DistrictTriageSettings, Route, Signal, Status
from haven.triage.text import MAX_CHARS
from tests.triage.world import HIGH, IMMINENT, NONE, ROUTINE, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(people, roster):
    return {**people, **roster}


@pytest.fixture
def tool(world):
    """The monitoring tool's service account: a school administrator's role at Northside."""
    return world["principal"]


def notified(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("user__username", flat=True))


def test_category_labels_follow_the_classifier():
    assert list(CATEGORY_LABELS) == list(training.CATEGORIES)


@pytest.mark.parametrize(
    ("text", "urgency", "route"),
    [
        (IMMINENT, "imminent", Route.ON_CALL),
        (HIGH, "high", Route.TEAM),
        (ROUTINE, "routine", Route.REVIEW),
        (NONE, "none", Route.STORED),
    ],
)
def test_each_urgency_has_its_route(tool, text, urgency, route):
    signal = send(tool, text).signal
    assert (signal.urgency, signal.route, signal.status) == (urgency, route, Status.OPEN)
    assert signal.school.slug == "northside-high"
    assert signal.student.sourced_id == "stu-maya"


def test_imminent_pages_the_first_tier_at_once(tool, world):
    signal = send(tool, IMMINENT).signal
    notes = Notification.objects.filter(kind="signal_imminent")
    # No rota: tier 1 is everyone at the school who responds to tips.
    assert {n.user.username for n in notes} == {"principal", "counselor", "sro"}
    assert all(n.urgent for n in notes)
    assert signal.notified == 3
    note = notes.first()
    assert note.url == f"/triage/signals/{signal.pk}/"
    assert "IMMINENT" in note.title
    # The reason, never the text: categories, urgency, evidence positions.
    assert "Weapon" in note.body and "Imminent" in note.body and "characters" in note.body
    assert "gun" not in note.body and "tonight" not in note.body
    assert "Maya" not in note.title + note.body


def test_imminent_follows_the_on_call_rota(tool, world, northside):
    from haven.tips.models import OnCallShift

    OnCallShift.objects.create(school=northside, tier=1, user=world["counselor"])
    send(tool, IMMINENT)
    assert notified("signal_imminent") == {"counselor"}


def test_imminent_with_nobody_on_call_reaches_the_district(tool, world, northside):
    from haven.tips.models import OnCallShift

    # Tier 1 is only the SRO, and the district marks weapons sensitive: the SRO may not see it.
    OnCallShift.objects.create(school=northside, tier=1, user=world["sro"])
    DistrictTriageSettings.objects.create(
        district=northside.district, sensitive_categories=["weapon", "self_harm"]
    )
    signal = send(tool, IMMINENT).signal
    assert signal.sensitive
    assert notified("signal_imminent") == {"admin"}


def test_high_goes_to_the_school_team_not_urgently(tool):
    signal = send(tool, HIGH).signal
    notes = Notification.objects.filter(kind="signal_high")
    # The school's threat-assessment team; district-wide roles read the queue instead.
    assert {n.user.username for n in notes} == {"principal", "counselor", "sro"}
    assert not any(n.urgent for n in notes)
    assert signal.notified == 3


@pytest.mark.parametrize("text", [ROUTINE, NONE])
def test_routine_and_none_page_nobody(tool, text):
    signal = send(tool, text).signal
    assert Notification.objects.count() == 0
    assert signal.notified == 0


def test_the_escalation_reason_is_audited_without_the_text(tool):
    signal = send(tool, IMMINENT).signal
    event = AuditEvent.objects.get(action="create", object_type="triage.signal")
    assert event.object_id == str(signal.pk)
    assert event.detail["route"] == "on_call"
    assert event.detail["urgency"] == "imminent"
    assert event.detail["notified"] == 3 and event.detail["tier"] == 1
    # The categories and evidence places are in the (encrypted) reason, not the plain detail.
    assert "categories" not in event.detail and "evidence" not in event.detail
    assert "Why:" in event.reason and "Self-harm" in event.reason
    assert "Evidence at characters" in event.reason
    stored = json.dumps(event.detail) + event.reason
    assert "gun" not in stored and "tonight" not in stored


def test_text_url_and_context_are_encrypted_at_rest(tool):
    signal = send(
        tool, HIGH, url="https://example.org/post/1", context={"app": "chat", "thread": "x"}
    ).signal
    with connection.cursor() as cursor:
        cursor.execute("SELECT text, url, context FROM triage_signal WHERE id = %s", [signal.pk])
        row = cursor.fetchone()
    assert all(value.startswith("enc1:") for value in row)
    assert "cutting" not in row[0] and "example.org" not in row[1] and "chat" not in row[2]
    fresh = Signal.objects.get(pk=signal.pk)
    assert fresh.text == HIGH
    assert fresh.url == "https://example.org/post/1"
    assert fresh.context == {"app": "chat", "thread": "x"}


def test_the_same_text_again_is_counted_on_the_first(tool, time_machine):
    time_machine.move_to("2026-03-02 10:00:00+00:00", tick=False)
    first = send(tool, IMMINENT)
    pages = Notification.objects.count()
    time_machine.move_to("2026-03-02 15:00:00+00:00", tick=False)
    again = send(tool, "  TONIGHT i'm going to   end it, I have my dad's gun ", source="Gaggle")
    assert again.duplicate_of == first.signal.pk
    assert again.signal.pk == first.signal.pk
    assert Signal.objects.count() == 1
    stored = Signal.objects.get()
    assert stored.repeat_count == 1
    assert stored.last_seen_at == timezone.now()
    assert stored.received_at < stored.last_seen_at
    assert Notification.objects.count() == pages  # nobody is paged twice for the same words


def test_after_the_window_it_is_a_new_signal(tool, settings, time_machine):
    settings.HAVEN_SIGNAL_DEDUP_HOURS = 2
    time_machine.move_to("2026-03-02 10:00:00+00:00", tick=False)
    first = send(tool, HIGH)
    time_machine.move_to("2026-03-02 11:30:00+00:00", tick=False)
    assert send(tool, HIGH).duplicate_of == first.signal.pk
    time_machine.move_to("2026-03-02 12:30:00+00:00", tick=False)
    later = send(tool, HIGH)
    assert later.duplicate_of is None
    assert Signal.objects.count() == 2


def test_the_same_text_about_another_student_is_not_a_duplicate(tool):
    first = send(tool, HIGH)
    other = send(tool, HIGH, student="stu-eli")
    assert other.duplicate_of is None
    assert other.signal.pk != first.signal.pk
    assert first.signal.fingerprint != other.signal.fingerprint


def test_the_student_by_haven_id(tool, world):
    signal = send(tool, HIGH, student=str(world["eli"].pk)).signal
    assert signal.student == world["eli"]


def test_a_student_at_another_school_is_unknown(tool, world):
    with pytest.raises(services.UnknownStudent):
        send(tool, HIGH, student="stu-sam")  # Riverside
    with pytest.raises(services.UnknownStudent):
        send(world["principal2"], HIGH, student="stu-maya")
    assert send(world["principal2"], HIGH, student="stu-sam").signal.school.slug == (
        "riverside-middle"
    )


@pytest.mark.parametrize("who", ["teacher", "counselor", "sro", "auditor", "nobody"])
def test_only_submitters_may_send_signals(world, who):
    with pytest.raises(PermissionDenied):
        send(world[who], HIGH)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"text": "   \n "}, "text"),
        ({"text": ""}, "text"),
        ({"student": ""}, "student"),
        ({"source": ""}, "source"),
        ({"source": "x" * 101}, "source"),
        ({"url": "h" * 2001}, "url"),
        ({"observed_at": "yesterday"}, "observed_at"),
        ({"context": "c" * 6000}, "context"),
    ],
)
def test_bad_input_names_the_field(tool, changes, field):
    data = {"student": "stu-maya", "source": "Gaggle", "text": HIGH, **changes}
    observed = changes.get("observed_at", timezone.now())
    data.pop("observed_at", None)
    with pytest.raises(ValidationError) as caught:
        services.submit_signal(tool, services.SignalInput(observed_at=observed, **data))
    assert field in caught.value.message_dict
    assert Signal.objects.count() == 0


def test_observed_in_the_future_is_refused(tool):
    with pytest.raises(ValidationError) as caught:
        send(tool, HIGH, observed_at=timezone.now() + timedelta(days=2))
    assert "observed_at" in caught.value.message_dict


def test_megabytes_are_cut_to_the_classifiers_limit(tool):
    intake = send(tool, "I want to die. " + "la " * 400_000)
    assert intake.truncated
    assert intake.signal.truncated
    assert len(Signal.objects.get().text) == MAX_CHARS
    assert intake.signal.urgency in ("high", "imminent")


def test_wrong_encodings_and_control_characters_are_stored(tool):
    signal = send(tool, "me quiero morir, ma\xf1ana".encode("cp1252")).signal
    assert Signal.objects.get(pk=signal.pk).text == "me quiero morir, mañana"
    junk = send(tool, "hello\x00\x01 \ud800 world", student="stu-eli").signal
    assert Signal.objects.get(pk=junk.pk).text == "hello ? world"


# --- privacy guardrails ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I'm gay",
        "I think I'm trans",
        "creo que soy trans y no sé cómo decirlo",
        "my pronouns are they/them",
        "I came out as bisexual to my friends",
    ],
)
def test_identity_alone_is_sensitive(tool, world, text):
    signal = send(tool, text).signal
    assert signal.sensitive
    assert signal.sensitive_reasons == ["identity"]
    assert not policy.visible_to(world["sro"], Signal).filter(pk=signal.pk).exists()
    assert policy.visible_to(world["counselor"], Signal).filter(pk=signal.pk).exists()


@pytest.mark.parametrize(
    "text",
    [
        "he is gay and they beat him up after school",  # a beating is a concern of its own
        "everyone calls me a fag at school",  # a slur is harassment, not identity
        HIGH,
    ],
)
def test_identity_guardrail_leaves_other_concerns_alone(tool, text):
    assert not send(tool, text).signal.sensitive


def test_the_district_may_turn_the_identity_guardrail_off(tool, northside):
    DistrictTriageSettings.objects.create(district=northside.district, guard_identity=False)
    assert not send(tool, "I'm gay").signal.sensitive


def test_a_sensitive_category_never_reaches_the_sro(tool, world, northside):
    DistrictTriageSettings.objects.create(
        district=northside.district, sensitive_categories=["self_harm"]
    )
    signal = send(tool, HIGH).signal
    assert signal.sensitive and signal.sensitive_reasons == ["self_harm"]
    assert signal.route == Route.TEAM
    assert notified("signal_high") == {"principal", "counselor"}
    assert not policy.visible_to(world["sro"], Signal).filter(pk=signal.pk).exists()
    # Not sensitive: the SRO on the team sees a high signal.
    other = send(tool, "he said he'd shoot everyone at school").signal
    assert not other.sensitive
    assert policy.visible_to(world["sro"], Signal).filter(pk=other.pk).exists()


def test_settings_apply_to_new_signals_only(tool, world, northside):
    before = send(tool, HIGH).signal
    services.update_settings(
        world["admin"],
        northside.district,
        sensitive_categories=["self_harm"],
        guard_identity=True,
        retention_days=None,
    )
    assert not Signal.objects.get(pk=before.pk).sensitive
    assert send(tool, "I want to die").signal.sensitive


def test_only_district_administrators_change_the_settings(world, northside):
    from django.http import Http404

    with pytest.raises(Http404):
        services.update_settings(
            world["principal"],
            northside.district,
            sensitive_categories=[],
            guard_identity=False,
            retention_days=None,
        )
    with pytest.raises(ValidationError):
        services.update_settings(
            world["admin"],
            northside.district,
            sensitive_categories=["politics"],
            guard_identity=True,
            retention_days=None,
        )


# --- retention ------------------------------------------------------------------------------------


def test_signals_of_no_concern_are_purged_after_the_retention_period(tool, time_machine):
    time_machine.move_to("2026-03-02 10:00:00+00:00", tick=False)
    nothing = send(tool, NONE).signal
    routine = send(tool, ROUTINE).signal
    time_machine.move_to("2026-03-31 10:00:00+00:00", tick=False)  # 29 days
    assert services.purge_expired() == 0
    time_machine.move_to("2026-04-01 10:01:00+00:00", tick=False)  # 30 days and a minute
    assert services.purge_expired() == 1
    assert not Signal.objects.filter(pk=nothing.pk).exists()
    assert Signal.objects.filter(pk=routine.pk).exists()  # concerns are not purged
    event = AuditEvent.objects.get(action="delete")
    assert event.reason == "retention" and event.detail["signals_purged"] == 1


def test_a_repeat_keeps_a_signal_of_no_concern(tool, time_machine):
    time_machine.move_to("2026-03-02 10:00:00+00:00", tick=False)
    send(tool, NONE)
    time_machine.move_to("2026-03-02 20:00:00+00:00", tick=False)
    send(tool, NONE)  # a duplicate: last seen now
    time_machine.move_to("2026-04-01 12:00:00+00:00", tick=False)
    assert services.purge_expired() == 0
    time_machine.move_to("2026-04-01 21:00:00+00:00", tick=False)
    assert services.purge_expired() == 1


def test_the_districts_retention_and_the_worker(tool, northside, time_machine):
    from haven.triage.tasks import purge_expired_signals

    DistrictTriageSettings.objects.create(district=northside.district, retention_days=7)
    time_machine.move_to("2026-03-02 10:00:00+00:00", tick=False)
    send(tool, NONE)
    time_machine.move_to("2026-03-09 10:01:00+00:00", tick=False)
    assert purge_expired_signals.call_local() == 1
    assert Signal.objects.count() == 0


def test_a_reviewed_signal_of_no_concern_is_kept(tool, world, time_machine):
    time_machine.move_to("2026-03-02 10:00:00+00:00", tick=False)
    nothing = send(tool, NONE).signal
    services.dismiss(world["counselor"], nothing, reason="joke")
    time_machine.move_to("2026-06-01 10:00:00+00:00", tick=False)
    assert services.purge_expired() == 0
