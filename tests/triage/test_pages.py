"""Triage's pages: the review queue, the team's queue, one signal with its evidence and the review
forms, the district's false-alarm figures and settings; the nav item and the home card."""

from __future__ import annotations

import re

import pytest

from haven.triage import services
from haven.triage.models import DistrictTriageSettings, Signal, Status
from tests.conftest import signed_in
from tests.triage.world import HIGH, IMMINENT, NONE, ROUTINE, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(people, roster):
    return {**people, **roster}


@pytest.fixture
def signals(world):
    tool = world["principal"]
    return {
        "routine": send(tool, ROUTINE).signal,
        "imminent": send(tool, IMMINENT, source="Gaggle").signal,
        "high": send(tool, HIGH).signal,
        "none": send(tool, NONE).signal,
    }


def rows(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-signal="(\d+)"', html)]


def test_the_review_queue_shows_the_most_urgent_first(world, signals):
    response = signed_in(world["counselor"]).get("/triage/review/")
    assert response.status_code == 200
    html = response.content.decode()
    order = [signals["imminent"].pk, signals["high"].pk, signals["routine"].pk]
    assert rows(html) == order  # signals of no concern are not in the queue
    assert 'data-testid="count-imminent">1<' in html
    # Tones come with words.
    assert "Imminent" in html and "High" in html and "Routine" in html
    assert "Maya Lopez" in html


def test_the_queue_filters(world, signals):
    client = signed_in(world["counselor"])
    assert rows(client.get("/triage/review/?urgency=none").content.decode()) == [signals["none"].pk]
    assert rows(client.get("/triage/review/?source=Gaggle").content.decode()) == [
        signals["imminent"].pk
    ]
    services.dismiss(world["counselor"], signals["routine"], reason="joke")
    assert signals["routine"].pk not in rows(client.get("/triage/review/").content.decode())
    reviewed = client.get("/triage/review/?status=dismissed").content.decode()
    assert rows(reviewed) == [signals["routine"].pk]


def test_the_outsider_sees_an_empty_queue(world, signals):
    html = signed_in(world["outsider"]).get("/triage/review/").content.decode()
    assert rows(html) == []
    assert "Maya" not in html


def test_the_team_queue_shows_the_sro_high_signals_only(world, signals, northside):
    DistrictTriageSettings.objects.create(
        district=northside.district, sensitive_categories=["weapon"]
    )
    sensitive = send(world["principal"], "he has a gun in his backpack", student="stu-eli").signal
    assert sensitive.sensitive
    html = signed_in(world["sro"]).get("/triage/team/").content.decode()
    assert rows(html) == [signals["imminent"].pk, signals["high"].pk]
    assert signed_in(world["sro"]).get("/triage/review/").status_code == 404


def test_a_signal_page_highlights_the_evidence(world, signals):
    response = signed_in(world["counselor"]).get(f"/triage/signals/{signals['imminent'].pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    marked = re.findall(r"<mark title=\"([^\"]*)\">([^<]*)</mark>", html)
    assert any("gun" in words for _title, words in marked)
    assert any("Weapon" in title for title, _words in marked)
    assert 'data-testid="route">On call, at once<' in html
    assert "Confirm" in html and "Dismiss" in html
    assert "False alarm: a song or lyrics" in html


def test_the_text_is_escaped(world):
    signal = send(world["principal"], '<script>alert("x")</script> I want to die').signal
    html = signed_in(world["counselor"]).get(f"/triage/signals/{signal.pk}/").content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


def test_the_sro_gets_a_404_on_a_sensitive_signal(world, northside):
    DistrictTriageSettings.objects.create(
        district=northside.district, sensitive_categories=["self_harm"]
    )
    signal = send(world["principal"], HIGH).signal
    assert signed_in(world["sro"]).get(f"/triage/signals/{signal.pk}/").status_code == 404
    page = signed_in(world["counselor"]).get(f"/triage/signals/{signal.pk}/")
    assert page.status_code == 200
    assert 'data-testid="sensitive"' in page.content.decode()


def test_the_sro_reads_a_plain_high_signal_without_review_forms(world, signals):
    page = signed_in(world["sro"]).get(f"/triage/signals/{signals['high'].pk}/")
    assert page.status_code == 200
    assert f"/triage/signals/{signals['high'].pk}/dismiss/" not in page.content.decode()
    forbidden = signed_in(world["sro"]).post(
        f"/triage/signals/{signals['high'].pk}/dismiss/", {"reason": "joke"}
    )
    assert forbidden.status_code == 403


def test_confirming_on_the_page_opens_a_case(world, signals):
    client = signed_in(world["counselor"])
    url = f"/triage/signals/{signals['high'].pk}/confirm/"
    response = client.post(url, {"note": "Called home.", "open_case": "on", "case_type": "both"})
    assert response.status_code == 302
    stored = Signal.objects.get(pk=signals["high"].pk)
    assert stored.status == Status.CONFIRMED and stored.case_id
    page = client.get(response["Location"]).content.decode()
    assert f"Case #{stored.case_id}" in page


def test_dismissing_without_a_reason_shows_the_error(world, signals):
    client = signed_in(world["counselor"])
    url = f"/triage/signals/{signals['routine'].pk}/dismiss/"
    response = client.post(url, {})
    assert response.status_code == 200
    assert "field-error" in response.content.decode()
    other = client.post(url, {"reason": "other", "note": ""})
    assert "Say why" in other.content.decode()
    done = client.post(url, {"reason": "game"})
    assert done.status_code == 302 and done["Location"] == "/triage/review/"
    assert Signal.objects.get(pk=signals["routine"].pk).dismiss_reason == "game"


def test_the_quality_page_is_for_district_administrators(world, signals):
    services.dismiss(world["counselor"], signals["routine"], reason="joke")
    services.confirm(world["counselor"], signals["high"])
    response = signed_in(world["admin"]).get("/triage/quality/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="reviewed">2<' in html
    assert 'data-testid="overall-rate">50%<' in html
    assert "Drugs or alcohol" in html and "Lightspeed Alert" in html
    row = re.search(r'data-key="substance">(.*?)</tr>', html, re.S).group(1)
    assert "100%" in row
    for who in ("principal", "counselor", "sro"):
        assert signed_in(world[who]).get("/triage/quality/").status_code == 404
    assert (
        'href="/triage/quality/"'
        in signed_in(world["admin"]).get("/triage/review/").content.decode()
    )
    queue = signed_in(world["counselor"]).get("/triage/review/").content.decode()
    assert 'href="/triage/quality/"' not in queue


def test_the_settings_page_marks_categories_sensitive(world, northside):
    client = signed_in(world["admin"])
    assert client.get("/triage/settings/").status_code == 200
    response = client.post(
        "/triage/settings/",
        {"sensitive_categories": ["self_harm", "substance"], "retention_days": "14"},
    )
    assert response.status_code == 302
    prefs = DistrictTriageSettings.objects.get(district=northside.district)
    assert prefs.sensitive_categories == ["self_harm", "substance"]
    assert prefs.guard_identity is False  # an unticked box
    assert prefs.retention_days == 14
    bad = client.post("/triage/settings/", {"retention_days": "0"})
    assert bad.status_code == 200 and "field-error" in bad.content.decode()
    assert signed_in(world["principal"]).get("/triage/settings/").status_code == 404


def test_nav_and_home_card_for_reviewers(world, signals):
    html = signed_in(world["counselor"]).get("/").content.decode()
    assert 'href="/triage/review/"' in html
    assert "Signals to review" in html
    assert "1 is imminent: act now." in html


def test_the_sro_home_card_points_at_the_team_queue(world, signals):
    html = signed_in(world["sro"]).get("/").content.decode()
    assert "High-urgency signals" in html and 'href="/triage/team/"' in html
    assert 'href="/triage/review/"' not in html


def test_teachers_see_no_triage(world, signals):
    client = signed_in(world["teacher"])
    html = client.get("/").content.decode()
    assert "/triage/" not in html
    assert client.get("/triage/review/").status_code == 404
    assert client.get("/triage/team/").status_code == 404
