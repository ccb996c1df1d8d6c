"""The after-action report: times to alert, to acknowledge and to full accountability, the roll
call and releases, as a PDF and a CSV that only incident command may download (audited)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from haven.audit.models import AuditEvent
from haven.emergencies.alerts import audience, services
from haven.emergencies.drills import report
from haven.emergencies.models import Acknowledgement, Delivery, Release
from haven.emergencies.roll_call import services as rc
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return NOW + dt.timedelta(seconds=seconds)


@pytest.fixture
def drill(principal, teacher, counselor, sro, northside, roster):
    """A lockdown drill at Northside: deliveries, four acknowledgements, a full roll call at 2 min,
    all clear at 15 min."""
    with time_machine.travel(NOW, tick=False):
        incident = services.raise_incident(principal, northside, "lockdown", drill=True)
    alert = incident.alerts.get()
    for channel, seconds in [("webpush", 1), ("webpush", 3), ("webpush", 11), ("email", 5)]:
        Delivery.objects.create(
            alert=alert, channel=channel, status="delivered", delivered_at=at(seconds)
        )
    Delivery.objects.create(alert=alert, channel="webhook", status="failed")
    for user, seconds in [(teacher, 20), (counselor, 40), (sro, 60), (principal, 100)]:
        Acknowledgement.objects.create(incident=incident, user=user, at=at(seconds))
    with time_machine.travel(at(120), tick=False):
        rc.submit_roll_call(
            teacher,
            incident,
            roster["english"],
            [rc.Mark(roster["maya"].pk, "present"), rc.Mark(roster["eli"].pk, "injured")],
            reporter_status="need_help",
        )
    Release.objects.create(
        incident=incident, student=roster["maya"], adult_name="Rosa", released_at=at(600)
    )
    with time_machine.travel(at(900), tick=False):
        services.declare_all_clear(principal, incident)
    incident.refresh_from_db()
    return incident


def test_the_figures(drill):
    f = report.figures(drill)
    by_channel = {c.channel: c for c in f.channels}
    assert set(by_channel) == {"webpush", "email"}  # the failed webhook never arrived
    assert (by_channel["webpush"].median, by_channel["webpush"].max) == (3, 11)
    assert by_channel["webpush"].delivered == 3
    assert (by_channel["email"].median, by_channel["email"].max) == (5, 5)
    assert f.acknowledged == 4
    assert (f.ack_median, f.ack_p90, f.ack_last) == (50, 100, 100)
    assert f.never_acknowledged == audience.recipients(drill).count() - 4
    assert f.to_accounted == 120
    assert f.duration == 900
    assert f.roll_call == {"present": 1, "missing": 0, "injured": 1, "extra": 0}
    assert (f.sections_reported, f.sections_total, f.need_help, f.releases) == (1, 1, 1, 1)


def test_full_accountability_not_reached_says_so(principal, northside, roster):
    incident = services.raise_incident(principal, northside, "hold")
    f = report.figures(incident)
    assert f.to_accounted is None
    rows = dict(report.summary_rows(f))
    assert rows["Time to full accountability"] == "not reached"
    assert rows["Drill"] == "No — a real incident"
    assert rows["Time to acknowledge: median"] == "—"


def test_the_csv(principal, drill):
    response = signed_in(principal).get(f"/emergencies/{drill.pk}/report.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"incident-{drill.pk}-2026-03-02-after-action.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    summary = {r[0]: r[1] for r in rows if len(r) == 2}
    assert summary["Drill"] == "Yes — this was a drill"
    assert summary["Time to alert: Web Push"] == "median 3 s, max 11 s (3 delivered)"
    assert summary["Time to acknowledge: 90th percentile"] == "1 min 40 s"
    assert summary["Time to full accountability"] == "2 min 00 s"
    assert summary["Roll call: Injured"] == "1"
    assert summary["Students released to guardians"] == "1"
    events = [r for r in rows if len(r) == 4]
    assert events[0] == ["Time", "Since raised", "Event", "By"]
    kinds = [r[2] for r in events[1:]]
    assert kinds[0] == "Raised"
    assert "Roll call English 10" in kinds and "Staff need help English 10" in kinds
    assert "Every student accounted for 2 students" in kinds
    assert kinds[-1] == "All clear"
    assert "Maya" not in response.content.decode()  # counts only: nobody is named


def test_the_pdf_is_a_pdf_and_each_download_is_audited(principal, drill):
    client = signed_in(principal)
    response = client.get(f"/emergencies/{drill.pk}/report.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert len(response.content) > 1500
    client.get(f"/emergencies/{drill.pk}/report.csv")
    exports = AuditEvent.objects.filter(action="export", object_id=str(drill.pk))
    assert sorted(e.detail["format"] for e in exports) == ["csv", "pdf"]
    assert all(e.actor == principal for e in exports)


def test_only_incident_command_downloads_it(teacher, counselor, outsider, admin_user, drill):
    for user, status in [(teacher, 403), (counselor, 403), (outsider, 404), (admin_user, 200)]:
        response = signed_in(user).get(f"/emergencies/{drill.pk}/report.pdf")
        assert response.status_code == status, user
    assert not AuditEvent.objects.filter(action="export", actor=teacher).exists()


@pytest.fixture
def admin_user(people):
    return people["admin"]


def test_the_incident_page_links_the_report_for_command_only(principal, teacher, drill):
    html = signed_in(principal).get(f"/emergencies/{drill.pk}/").content.decode()
    assert f'href="/emergencies/{drill.pk}/report.pdf"' in html
    html = signed_in(teacher).get(f"/emergencies/{drill.pk}/").content.decode()
    assert "report.pdf" not in html


def test_durations_read_like_a_person_wrote_them():
    assert report.duration(None) == "—"
    assert report.duration(4.4) == "4 s"
    assert report.duration(65) == "1 min 05 s"
    assert report.duration(3 * 3600 + 120) == "3 h 02 min"


@given(
    st.lists(st.floats(min_value=0, max_value=1e6), min_size=1, max_size=200), st.integers(1, 100)
)
def test_percentile_is_a_value_with_at_least_p_percent_at_or_below_it(values, p):
    result = report.percentile(values, p)
    assert result in values
    at_or_below = sum(1 for v in values if v <= result)
    below = sum(1 for v in values if v < result)
    assert at_or_below * 100 >= p * len(values)
    assert below * 100 < p * len(values)


def test_percentile_of_nothing_is_none_and_ranks_are_exact():
    assert report.percentile([], 90) is None
    assert report.percentile(list(range(1, 101)), 7) == 7  # 0.07 * 100 is 7.000000000000001
