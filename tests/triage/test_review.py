"""The review queue's verdicts: confirm (opening a case when the cases app is there) or dismiss with
a reason; and what the verdicts say about triage: false-alarm rates and precision per category."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.http import Http404

from haven.audit.models import AuditEvent
from haven.triage import services
from haven.triage.models import Signal, Status
from tests.triage.world import HIGH, IMMINENT, ROUTINE, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(people, roster):
    return {**people, **roster}


@pytest.fixture
def high(world):
    return send(world["principal"], HIGH).signal


def test_a_counsellor_confirms_with_a_note(world, high):
    done = services.confirm(world["counselor"], high, note="Spoke with her; plan in place.")
    stored = Signal.objects.get(pk=high.pk)
    assert stored.status == Status.CONFIRMED == done.status
    assert stored.reviewed_by == world["counselor"]
    assert stored.reviewed_at is not None
    assert stored.review_note == "Spoke with her; plan in place."
    assert stored.case_id is None
    event = AuditEvent.objects.filter(object_type="triage.signal", action="update").last()
    assert event.actor == world["counselor"]
    assert event.detail == {"verdict": "confirmed", "case": None}
    assert "plan in place" not in json.dumps(event.detail)


def test_confirming_can_open_a_case(world, high):
    from haven.cases.models import Case, Priority, Source

    done = services.confirm(world["counselor"], high, note="Needs the team.", open_case=True)
    case = Case.objects.get(pk=done.case_id)
    assert case.source == Source.SIGNAL
    assert case.source_signal_id == high.pk
    assert case.student == world["maya"]
    assert case.school == high.school
    assert case.type == "self_harm"  # suggested from the flagged categories
    assert case.priority == Priority.HIGH


def test_the_reviewer_chooses_the_kind_of_case(world, high):
    from haven.cases.models import Case

    done = services.confirm(world["principal"], high, open_case=True, case_type="both")
    assert Case.objects.get(pk=done.case_id).type == "both"
    with pytest.raises(ValidationError) as caught:
        services.confirm(world["principal"], high, open_case=True, case_type="burglary")
    assert "case_type" in caught.value.message_dict


def test_without_the_cases_app_a_confirmation_is_recorded(world, high, monkeypatch):
    real = apps.is_installed
    monkeypatch.setattr(apps, "is_installed", lambda name: name != "haven.cases" and real(name))
    done = services.confirm(world["counselor"], high, open_case=True)
    assert done.status == Status.CONFIRMED
    assert done.case_id is None


def test_a_dismissal_says_why(world, high):
    services.dismiss(world["counselor"], high, reason="lyrics", note="Song by a band she likes.")
    stored = Signal.objects.get(pk=high.pk)
    assert (stored.status, stored.dismiss_reason) == (Status.DISMISSED, "lyrics")
    event = AuditEvent.objects.filter(object_type="triage.signal", action="update").last()
    assert event.detail == {"verdict": "dismissed", "reason": "lyrics"}


@pytest.mark.parametrize(
    ("reason", "note", "field"),
    [("", "", "reason"), ("bored", "", "reason"), ("other", "", "note"), ("other", "  ", "note")],
)
def test_a_dismissal_needs_a_reason(world, high, reason, note, field):
    with pytest.raises(ValidationError) as caught:
        services.dismiss(world["counselor"], high, reason=reason, note=note)
    assert field in caught.value.message_dict
    assert Signal.objects.get(pk=high.pk).status == Status.OPEN


def test_other_with_words_is_accepted(world, high):
    services.dismiss(world["counselor"], high, reason="other", note="A school essay on a novel.")
    assert Signal.objects.get(pk=high.pk).review_note == "A school essay on a novel."


def test_a_signal_is_reviewed_once(world, high):
    services.dismiss(world["counselor"], high, reason="game")
    with pytest.raises(ValidationError) as caught:
        services.confirm(world["principal"], high)
    assert "verdict" in caught.value.message_dict


def test_the_sro_sees_a_high_signal_but_does_not_review_it(world, high):
    assert services.get_signal(world["sro"], high.pk) == high
    with pytest.raises(PermissionDenied):
        services.dismiss(world["sro"], high, reason="joke")
    with pytest.raises(PermissionDenied):
        services.confirm(world["sro"], high)


@pytest.mark.parametrize("who", ["outsider", "teacher", "principal2", "auditor"])
def test_people_who_cannot_see_it_get_a_404(world, high, who):
    with pytest.raises(Http404):
        services.get_signal(world[who], high.pk)
    with pytest.raises(Http404):
        services.confirm(world[who], high)
    with pytest.raises(Http404):
        services.dismiss(world[who], high, reason="joke")


def test_the_sro_does_not_see_routine_signals(world):
    routine = send(world["principal"], ROUTINE).signal
    with pytest.raises(Http404):
        services.get_signal(world["sro"], routine.pk)


def test_reading_a_signal_is_audited(world, high):
    services.get_signal(world["counselor"], high.pk)
    event = AuditEvent.objects.filter(action="view", object_type="triage.signal").get()
    assert event.actor == world["counselor"] and event.object_id == str(high.pk)


# --- what the verdicts say ------------------------------------------------------------------------


@pytest.fixture
def verdicts(world):
    """Six reviewed signals: two tools, two categories, every kind of verdict."""
    tool, counselor = world["principal"], world["counselor"]
    texts = [
        (HIGH, "Gaggle", "confirm", ""),  # self-harm, real
        ("I want to die", "Gaggle", "dismiss", "lyrics"),  # self-harm, a song
        ("me quiero morir", "Gaggle", "dismiss", "known"),  # self-harm, already known
        (ROUTINE, "Beacon", "confirm", ""),  # substance, real
        ("venden mota en el baño", "Beacon", "dismiss", "joke"),  # substance, a joke
        ("kids keep calling him ugly and fat on snapchat", "Beacon", "dismiss", "game"),
    ]
    for text, source, verdict, reason in texts:
        signal = send(tool, text, source=source).signal
        if verdict == "confirm":
            services.confirm(counselor, signal)
        else:
            services.dismiss(counselor, signal, reason=reason)
    send(tool, IMMINENT, source="Gaggle")  # open: not counted


def test_false_alarm_rates_per_category_school_and_tool(world, verdicts):
    figures = services.rates(world["admin"])
    assert figures.overall.reviewed == 6
    assert figures.overall.dismissed == 4
    assert figures.overall.false_alarms == 3  # "already known" was a real concern
    by_category = {t.key: t for t in figures.by_category}
    self_harm = by_category["self_harm"]
    assert (self_harm.reviewed, self_harm.confirmed, self_harm.dismissed) == (3, 1, 2)
    assert self_harm.false_alarm_rate == pytest.approx(1 / 3)
    assert self_harm.precision == pytest.approx(2 / 3)
    assert by_category["substance"].false_alarm_rate == pytest.approx(1 / 2)
    assert by_category["weapon"].reviewed == 0 and by_category["weapon"].percent is None
    by_source = {t.key: t for t in figures.by_source}
    assert by_source["Beacon"].false_alarm_rate == pytest.approx(2 / 3)
    assert by_source["Gaggle"].false_alarm_rate == pytest.approx(1 / 3)
    assert [t.key for t in figures.by_school] == ["Northside High School"]
    # Worst first.
    assert figures.by_source[0].key == "Beacon"


def test_rates_only_count_what_the_viewer_may_see(world, verdicts):
    assert services.rates(world["outsider"]).overall.reviewed == 0
    assert services.rates(world["counselor"]).overall.reviewed == 6


def test_feedback_report_on_the_command_line(world, verdicts, capsys):
    call_command("triage_feedback")
    report = json.loads(capsys.readouterr().out)
    assert report["reviewed"] == 6
    assert report["categories"]["self_harm"]["precision"] == pytest.approx(0.6667, abs=1e-4)
    assert report["categories"]["self_harm"]["dismiss_reasons"] == {"known": 1, "lyrics": 1}
    assert report["dismiss_reasons"]["game"] == 1
    assert "weapon" not in report["categories"]  # nothing reviewed
    call_command("triage_feedback", "--district", "test-district", "--days", "30")
    assert json.loads(capsys.readouterr().out)["reviewed"] == 6
