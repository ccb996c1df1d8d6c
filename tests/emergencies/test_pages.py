"""The emergency button, the raise page with its cancel window, and the incident pages."""

from __future__ import annotations

import json

import pytest

from haven.emergencies.models import Incident
from tests.conftest import signed_in

RAISE = "/emergencies/raise/"


def _config(html: str) -> dict:
    start = html.index('<script id="emergency-config" type="application/json">') + len(
        '<script id="emergency-config" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


@pytest.mark.parametrize("page", ["/", "/notifications/", "/roster/classes/"])
def test_every_staff_page_has_the_emergency_button_and_listens_for_alerts(teacher, page):
    html = signed_in(teacher).get(page).content.decode()
    assert 'data-testid="emergency-button"' in html and f'href="{RAISE}"' in html
    assert 'id="emergency-alert"' in html and "haven/emergency.js" in html
    config = _config(html)
    assert config["stream"] == "/api/v1/alerts/stream"
    assert config["school"] == "northside-high"
    assert config["protocols"]["lockdown"]["directive"] == "Locks, lights, out of sight."
    assert config["cancelSeconds"] == 5


def test_someone_who_receives_no_alerts_has_no_button_and_no_stream(auditor):
    html = signed_in(auditor).get("/audit/").content.decode()
    assert "emergency-button" not in html and "emergency-config" not in html


def test_an_incident_in_effect_shows_in_every_top_bar_even_without_javascript(teacher, lockdown):
    html = signed_in(teacher).get("/").content.decode()
    assert f'href="/emergencies/{lockdown.pk}/" data-testid="emergency-active"' in html
    assert "LOCKDOWN · acknowledge" in html


def test_raise_page_offers_the_five_protocols_with_their_words(teacher, settings):
    settings.HAVEN_EMERGENCY_CANCEL_SECONDS = 9
    html = signed_in(teacher).get(RAISE).content.decode()
    for word, directive in [
        ("HOLD", "In your room or area. Clear the halls."),
        ("SECURE", "Get inside. Lock outside doors."),
        ("LOCKDOWN", "Locks, lights, out of sight."),
        ("EVACUATE", "To the announced location."),
        ("SHELTER", "State the hazard and the safety strategy."),
    ]:
        assert f'<span class="protocol-word">{word}</span>' in html
        assert directive in html
    assert 'data-cancel-seconds="9"' in html
    assert "You will have 9 seconds to cancel." in html


def test_the_first_press_only_asks_for_confirmation(teacher, northside):
    client = signed_in(teacher)
    response = client.post(
        RAISE, {"protocol": "lockdown", "school": "northside-high", "note": "Gym"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="raise-confirm"' in html and "LOCKDOWN" in html
    assert '<input type="hidden" name="confirm" value="1">' in html
    assert not Incident.objects.exists()


def test_confirming_raises_at_once(teacher, northside, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(teacher).post(
            RAISE,
            {
                "protocol": "shelter",
                "school": "northside-high",
                "shelter_hazard": "Tornado",
                "shelter_strategy": "Interior hallways",
                "drill": "on",
                "confirm": "1",
            },
        )
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/emergencies/{incident.pk}/"
    assert (incident.protocol, incident.drill, incident.shelter_hazard) == (
        "shelter",
        True,
        "Tornado",
    )


def test_no_protocol_or_another_schools_slug_is_a_form_error(teacher, outsider, northside):
    missing = signed_in(teacher).post(RAISE, {"school": "northside-high", "confirm": "1"})
    assert missing.status_code == 200 and b"This field is required." in missing.content
    foreign = signed_in(outsider).post(
        RAISE, {"protocol": "hold", "school": "northside-high", "confirm": "1"}
    )
    assert foreign.status_code == 200 and b"Select a valid choice." in foreign.content
    assert not Incident.objects.exists()


def test_drill_is_marked_in_words_on_the_incident_page(teacher, northside):
    signed_in(teacher).post(
        RAISE, {"protocol": "lockdown", "school": "northside-high", "drill": "on", "confirm": "1"}
    )
    incident = Incident.objects.get()
    html = signed_in(teacher).get(f"/emergencies/{incident.pk}/").content.decode()
    assert 'data-testid="drill-marker"><strong>DRILL</strong>' in html
    assert "<title>LOCKDOWN (DRILL) · Haven</title>" in html


def test_incident_page_lists_who_has_not_acknowledged(people, lockdown):
    teacher = signed_in(people["teacher"])
    before = teacher.get(f"/emergencies/{lockdown.pk}/").content.decode()
    assert "0 of 8 acknowledged" in before and 'data-testid="page-ack"' in before
    response = teacher.post(f"/emergencies/{lockdown.pk}/acknowledge/")
    assert response.status_code == 302
    after = teacher.get(f"/emergencies/{lockdown.pk}/").content.decode()
    assert "1 of 8 acknowledged" in after and "You acknowledged at" in after
    missing = after[after.index('data-testid="not-acknowledged"') :]
    assert "sro" in missing and "teacher" not in missing[: missing.index("</ul>")]
    assert "Incident command" not in after  # a teacher does not command


def test_acknowledge_answers_json_to_the_alert_dialog(teacher, lockdown):
    response = signed_in(teacher).post(
        f"/emergencies/{lockdown.pk}/acknowledge/", HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200 and response.json()["first"] is True


def test_command_changes_the_protocol_then_declares_all_clear(principal, lockdown):
    client = signed_in(principal)
    page = client.get(f"/emergencies/{lockdown.pk}/").content.decode()
    assert "Incident command" in page
    client.post(
        f"/emergencies/{lockdown.pk}/update/",
        {"protocol": "evacuate", "evacuate_location": "Football field", "message": "Move now"},
    )
    lockdown.refresh_from_db()
    assert (lockdown.protocol, lockdown.evacuate_location) == ("evacuate", "Football field")
    client.post(f"/emergencies/{lockdown.pk}/all-clear/", {"message": "Cleared by police"})
    lockdown.refresh_from_db()
    assert lockdown.status == "all_clear"
    html = client.get(f"/emergencies/{lockdown.pk}/").content.decode()
    timeline = html[html.index('data-testid="timeline"') :]
    assert "LOCKDOWN → EVACUATE" in timeline and "Move now" in timeline
    assert "Cleared by police" in timeline
    assert "Incident command" not in html  # nothing left to command


def test_an_empty_update_is_a_clear_message_not_an_error(principal, lockdown):
    client = signed_in(principal)
    response = client.post(
        f"/emergencies/{lockdown.pk}/update/", {"protocol": "lockdown"}, follow=True
    )
    assert "Write an update, or choose a different protocol." in response.content.decode()
    assert lockdown.alerts.count() == 1


def test_list_shows_incidents_in_effect_first(teacher, principal, lockdown, northside):
    html = signed_in(teacher).get("/emergencies/").content.decode()
    assert "In effect now" in html and f'href="/emergencies/{lockdown.pk}/"' in html
    assert "data-push-enable" in html
