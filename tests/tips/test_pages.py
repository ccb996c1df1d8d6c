"""The tip line's pages: the reporter's (report, receipt, follow-up; no cookies, no receipt in any
address) and the responders' (inbox, tip, actions, downloads)."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from PIL import Image

from haven.audit.models import AuditEvent
from haven.tips import services, throttle
from haven.tips.models import Message, SavedReply, Status, Tip
from haven.tips.views import highlight
from tests.conftest import signed_in
from tests.tips import EXE, HTML, jpeg_bytes, tip_input, upload

RECEIPT = re.compile(r"\b\d{4} \d{4} \d{4} \d{4}\b")


def _report(client: Client, slug: str | None = "northside-high", **fields):
    data = {
        "description": "Two older boys keep taking a sixth grader's lunch at the bus stop.",
        "category": "bullying",
        "danger_now": "no",
        "lang": "en",
        **fields,
    }
    url = f"/report/{slug}/" if slug else "/report/"
    return client.post(url, data)


def _receipt(response) -> str:
    found = RECEIPT.search(response.content.decode())
    assert found, "no receipt on the page"
    return found.group(0)


def _follow(client: Client, receipt: str, **fields):
    return client.post("/report/follow-up/", {"receipt": receipt, "action": "open", **fields})


def _no_trace(response) -> None:
    """What every public page promises: no cookie, no cache, no referrer."""
    assert not response.cookies, response.cookies
    assert "Set-Cookie" not in response.headers
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"


# --- the report form ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_report_page_asks_everything_and_shows_the_crisis_numbers(client, northside):
    response = client.get("/report/northside-high/")
    body = response.content.decode()
    assert response.status_code == 200
    _no_trace(response)
    assert '<meta name="referrer" content="no-referrer">' in body
    assert "Northside High School" in body
    for name in ("description", "location", "occurred_date", "subject_names", "online_url"):
        assert f'name="{name}"' in body
    for slug in ("violence_threat", "weapon", "self_harm", "bullying", "dating_violence", "other"):
        assert f'value="{slug}"' in body
    assert 'type="file" name="files"' in body and "multiple" in body
    assert 'href="tel:911"' in body and 'href="tel:988"' in body
    assert "csrfmiddlewaretoken" not in body
    assert not client.cookies


@pytest.mark.django_db
def test_a_report_is_stored_and_its_receipt_shown_in_the_answer_and_nowhere_else(client, northside):
    response = _report(client, location="Bus 14", subject_names="Jay Doe\n\n  Sam Roe  ")
    assert response.status_code == 200
    _no_trace(response)
    assert "Location" not in response.headers
    receipt = _receipt(response)
    body = response.content.decode()
    assert "Write it down now." in body
    assert 'href="/report/follow-up/?lang=en"' in body
    tip = Tip.objects.get()
    assert services.find_by_receipt(receipt) == tip
    assert (tip.school, tip.category, tip.status) == (northside, "bullying", Status.NEW)
    assert tip.subject_names == ["Jay Doe", "Sam Roe"]
    assert tip.location == "Bus 14"
    assert not tip.life_safety and tip.contact is None
    # The receipt is never in a header and the next visit does not show it again.
    assert receipt not in str(response.headers)
    assert not RECEIPT.search(client.get("/report/northside-high/").content.decode())


@pytest.mark.django_db
def test_files_when_and_online_details_reach_the_tip(client, northside):
    response = client.post(
        "/report/northside-high/",
        {
            "description": "A fake account posts pictures of her.",
            "category": "harassment",
            "occurred_date": "2025-03-14",
            "occurred_time": "14:30",
            "online": "on",
            "online_platform": "Instagram",
            "online_url": "https://social.example/fake",
            "files": [upload("a.jpg", jpeg_bytes(gps=True)), upload("b.jpg", jpeg_bytes())],
        },
    )
    assert response.status_code == 200, response.content.decode()
    tip = Tip.objects.get()
    assert tip.online and tip.online_platform == "Instagram"
    assert tip.online_url == "https://social.example/fake"
    assert tip.attachments.count() == 2
    local = tip.occurred_at.astimezone()
    assert (local.year, local.month, local.day) == (2025, 3, 14)


@pytest.mark.django_db
def test_danger_now_yes_makes_the_tip_life_safety_and_shows_911_and_988(client, northside):
    response = _report(client, danger_now="yes", category="self_harm")
    body = response.content.decode()
    assert Tip.objects.get().life_safety
    assert "You said someone is in danger right now." in body
    assert "crisis-now" in body and 'href="tel:911"' in body and 'href="tel:988"' in body


@pytest.mark.django_db
def test_contact_is_kept_only_when_the_reporter_ticks_the_box(client, northside):
    _report(client, contact_name="Ana", contact_email="ana@example.org")
    _report(client, confidential="on", contact_name="Ana", contact_email="ana@example.org")
    first, second = Tip.objects.order_by("pk")
    assert first.contact is None
    assert second.contact == {"name": "Ana", "email": "ana@example.org"}


@pytest.mark.django_db
def test_bad_input_comes_back_with_every_field_kept_and_errors_by_the_fields(client, northside):
    response = client.post(
        "/report/northside-high/",
        {
            "description": "   ",
            "location": "Cafeteria <b>north</b>",
            "online_url": "javascript:alert(1)",
            "occurred_time": "10:00",
            "confidential": "on",
            "contact_email": "not-an-address",
            "subject_names": "Jay Doe",
            "files": [upload("a.jpg", jpeg_bytes())],
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    _no_trace(response)
    assert not Tip.objects.exists()
    assert "Your report was not sent yet." in body
    assert "Your files were not kept: attach them again." in body
    assert 'id="id_description_error"' in body and "Tell us what happened." in body
    assert 'id="id_category_error"' in body
    assert 'id="id_occurred_date_error"' in body
    # Kept, and escaped.
    assert 'value="Cafeteria &lt;b&gt;north&lt;/b&gt;"' in body
    assert "Jay Doe</textarea>" in body
    assert 'aria-invalid="true"' in body


@pytest.mark.django_db
def test_service_errors_are_shown_next_to_their_fields(client, northside):
    response = _report(
        client,
        online_url="javascript:alert(1)",
        confidential="on",
        contact_email="not-an-address",
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert not Tip.objects.exists()
    assert 'id="id_online_url_error"' in body
    assert 'id="id_contact_email_error"' in body


@pytest.mark.django_db
def test_a_disguised_file_is_refused_and_nothing_is_stored(client, northside):
    response = client.post(
        "/report/northside-high/",
        {"description": "See the file", "category": "other", "files": [upload("x.png", EXE)]},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert not Tip.objects.exists()
    assert 'id="id_files_error"' in body and "File 1 is not a picture" in body


@pytest.mark.django_db
def test_the_district_page_offers_the_schools_and_takes_district_wide_tips(
    client, northside, riverside
):
    body = client.get("/report/").content.decode()
    assert 'value="northside-high"' in body and 'value="riverside-middle"' in body
    _report(client, slug=None, school="")
    assert Tip.objects.get().school is None
    _report(client, slug=None, school="riverside-middle")
    assert Tip.objects.filter(school=riverside).count() == 1


@pytest.mark.django_db
def test_an_unknown_school_is_a_friendly_404_without_cookies(client, district):
    response = client.get("/report/no-such-school/")
    assert response.status_code == 404
    _no_trace(response)
    assert 'href="/report/?lang=en"' in response.content.decode()


@pytest.mark.django_db
def test_html_in_a_report_is_stored_as_text_and_never_rendered(client, northside):
    _report(client, description=HTML, location=HTML)
    assert Tip.objects.get().description == HTML


@pytest.mark.django_db
def test_spanish_from_the_address_or_the_browser_and_carried_in_forms(client, northside):
    response = client.get("/report/northside-high/?lang=es")
    body = response.content.decode()
    assert '<html lang="es">' in body
    assert response["Content-Language"] == "es"
    assert 'name="lang" value="es"' in body
    assert "¿Qué pasó?" in body
    assert 'href="/report/northside-high/?lang=en"' in body
    response = client.get("/report/northside-high/", headers={"accept-language": "es-MX,es;q=0.9"})
    assert '<html lang="es">' in response.content.decode()
    # The answer to a form comes back in its language, and the tip remembers it.
    response = _report(client, lang="es")
    assert "Tu número de recibo" in response.content.decode()
    assert Tip.objects.get().language == "es"
    assert not client.cookies


@pytest.mark.django_db
def test_submissions_are_throttled_without_losing_what_was_typed(client, northside, monkeypatch):
    monkeypatch.setattr(throttle, "CALLER_SUBMIT", throttle.Limit("caller-submit", 1, 3600))
    assert _report(client).status_code == 200
    response = _report(client, location="Gym")
    body = response.content.decode()
    assert response.status_code == 429
    assert Tip.objects.count() == 1
    assert "Your report was not sent yet." in body and 'value="Gym"' in body
    assert not RECEIPT.search(body)


# --- follow-up ------------------------------------------------------------------------------------


@pytest.fixture
def reported(client, northside, people):
    """A tip sent through the page; returns (tip, receipt)."""
    receipt = _receipt(_report(client))
    return Tip.objects.get(), receipt


def test_the_follow_up_form_never_takes_the_receipt_from_the_address(client, reported):
    _tip, receipt = reported
    response = client.get("/report/follow-up/", {"receipt": receipt})
    body = response.content.decode()
    assert response.status_code == 200
    _no_trace(response)
    assert receipt not in body
    assert 'method="post"' in body


def test_the_right_receipt_shows_the_status_and_the_dialogue_without_internal_notes(
    client, reported, counselor
):
    tip, receipt = reported
    services.staff_message(counselor, tip, "Which bus was it?")
    services.staff_message(counselor, tip, "Checked the camera.", internal=True)
    services.staff_message(counselor, tip, "Thank you for telling us.", signed=True)
    counselor.display_name = "Ms. Rivera"
    counselor.save()
    response = _follow(client, receipt.replace(" ", ""))
    body = response.content.decode()
    assert response.status_code == 200
    _no_trace(response)
    assert "Which bus was it?" in body and "Thank you for telling us." in body
    assert "Checked the camera." not in body
    assert "School safety team" in body and "Ms. Rivera" in body
    assert counselor.username not in body
    assert "Read by the safety team" in body
    # The reply form carries the receipt in a hidden field of a POST form.
    assert f'name="receipt" value="{receipt.replace(" ", "")}"' in body
    tip.refresh_from_db()
    assert not tip.reporter_unread


def test_a_wrong_receipt_is_not_found_and_guessing_is_throttled(client, reported, monkeypatch):
    monkeypatch.setattr(throttle, "CALLER_GUESS", throttle.Limit("caller-guess", 2, 3600))
    for _ in range(2):
        response = _follow(client, "1111 2222 3333 4444")
        assert response.status_code == 404
        assert "We found no report with that receipt number." in response.content.decode()
        _no_trace(response)
    response = _follow(client, "1111 2222 3333 4444")
    assert response.status_code == 429
    # Even the right receipt waits now: a guesser cannot tell.
    assert _follow(client, reported[1]).status_code == 429


def test_the_reporter_answers_with_text_and_files(client, reported):
    tip, receipt = reported
    response = client.post(
        "/report/follow-up/",
        {
            "receipt": receipt,
            "action": "reply",
            "body": "It was bus 14, on Tuesday.",
            "files": [upload("shot.jpg", jpeg_bytes())],
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Your message was sent." in body and "It was bus 14, on Tuesday." in body
    message = Message.objects.get(tip=tip)
    assert message.sender == Message.Sender.REPORTER
    assert message.attachments.count() == 1
    assert "1 file attached" in body


def test_a_reply_with_the_receipt_in_it_is_refused(client, reported):
    tip, receipt = reported
    response = client.post(
        "/report/follow-up/",
        {"receipt": receipt, "action": "reply", "body": f"my number is {receipt}"},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Your message contains your receipt number." in body
    assert not Message.objects.filter(tip=tip).exists()


def test_a_reply_with_a_wrong_receipt_stores_nothing(client, reported):
    response = client.post(
        "/report/follow-up/",
        {"receipt": "0000 0000 0000 0000", "action": "reply", "body": "Hello"},
    )
    assert response.status_code == 404
    assert not Message.objects.exists()


def test_an_empty_reply_asks_for_a_message(client, reported):
    _tip, receipt = reported
    response = client.post("/report/follow-up/", {"receipt": receipt, "action": "reply"})
    assert response.status_code == 400
    assert "Write a message or add a file." in response.content.decode()


# --- the responders' pages ------------------------------------------------------------------------


#: Unrelated incidents, so that tips made one after another are not grouped together.
UNRELATED = [
    "A group keeps pushing a younger student into the lockers after lunch.",
    "Someone is selling vape pens in the parking lot before first period.",
    "My friend said her stepdad hit her and she is scared to go home.",
    "There is a fake account posting embarrassing photos of a sophomore.",
    "A kid on bus 14 brought a lighter and keeps burning paper at the back.",
    "A senior has been threatening freshmen for money near the band room.",
    "Somebody wrote slurs on the desks in the science wing again.",
    "A girl in my class has cuts on her arms and stopped eating lunch.",
]
_made = iter(range(10**6))


def _tip(**overrides) -> Tip:
    overrides.setdefault("description", UNRELATED[next(_made) % len(UNRELATED)])
    return services.submit(tip_input(**overrides))[0]


def _order(body: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-tip="(\d+)"', body)]


def test_the_inbox_puts_open_life_safety_first_then_new_then_the_rest(people, counselor):
    routine_new = _tip()
    acknowledged = _tip()
    services.acknowledge(counselor, acknowledged)
    life_acked = _tip(danger_now=True)
    services.acknowledge(counselor, life_acked)
    life_new = _tip(danger_now=True)
    closed_life = _tip(danger_now=True)
    services.close(counselor, closed_life, "resolved")
    response = signed_in(counselor).get("/tips/")
    body = response.content.decode()
    assert response.status_code == 200
    assert _order(body) == [life_new.pk, life_acked.pk, routine_new.pk, acknowledged.pk]
    assert 'data-testid="count-new">2<' in body
    assert 'data-testid="count-life">2<' in body
    assert "Life safety" in body  # the colour always comes with a word
    everything = signed_in(counselor).get("/tips/?status=all").content.decode()
    assert _order(everything)[-1] == closed_life.pk


def test_the_inbox_filters_and_shows_only_the_schools_tips(people, counselor):
    bullying = _tip()
    weapon = _tip(category="weapon")
    services.assign(counselor, weapon, [counselor])
    other_school = _tip(school="riverside-middle")
    client = signed_in(counselor)
    assert _order(client.get("/tips/").content.decode()) == [weapon.pk, bullying.pk]
    assert other_school.pk not in _order(client.get("/tips/?status=all").content.decode())
    assert _order(client.get("/tips/?category=weapon").content.decode()) == [weapon.pk]
    assert _order(client.get("/tips/?mine=1").content.decode()) == [weapon.pk]
    assert _order(client.get("/tips/?life=1").content.decode()) == []
    assert _order(client.get("/tips/?status=closed").content.decode()) == []


def test_district_roles_see_district_wide_tips(people):
    district_tip = _tip(school="")
    assert district_tip.school is None
    assert district_tip.pk in _order(signed_in(people["admin"]).get("/tips/").content.decode())
    assert district_tip.pk not in _order(
        signed_in(people["counselor"]).get("/tips/").content.decode()
    )


def test_the_inbox_is_not_for_roles_without_tips(people):
    assert signed_in(people["teacher"]).get("/tips/").status_code == 404


def test_the_tip_page_shows_the_report_and_records_the_read(people, counselor):
    tip = _tip(
        description=HTML,
        subject_names=["Jay <Doe>"],
        contact={"name": "Ana", "email": "ana@example.org"},
    )
    response = signed_in(counselor).get(f"/tips/{tip.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body
    assert "<script>alert" not in body
    assert "Jay &lt;Doe&gt;" in body
    assert "Confidential reporter" in body
    assert "ana@example.org" not in body  # only after an audited reveal
    assert AuditEvent.objects.filter(
        action="view", object_type="tips.tip", object_id=str(tip.pk), actor=counselor
    ).exists()


def test_the_tip_page_highlights_the_triage_evidence_safely(people, counselor):
    tip = _tip(description="He said <b>he has a gun</b> in his bag.")
    start = tip.description.index("gun")
    tip.triage = {
        "categories": [{"name": "weapon", "score": 0.91}, {"name": "substance", "score": 0.02}],
        "urgency": "imminent",
        "evidence": [
            {"start": start, "end": start + 3, "category": "weapon"},
            {"start": start - 6, "end": start + 3, "category": "urgency"},
            {"start": 500, "end": 900, "category": "weapon"},
        ],
    }
    tip.save()
    body = signed_in(counselor).get(f"/tips/{tip.pk}/").content.decode()
    assert (
        'He said &lt;b&gt;he <mark title="Sign of urgency, Weapon">has a gun</mark>&lt;/b&gt;'
        in body
    )
    assert "Imminent" in body and "91%" in body
    assert "Drugs or alcohol" not in body  # too low a score to show


def test_highlight_merges_overlaps_and_ignores_nonsense():
    text = "a <x> b c"
    spans = [
        {"start": 2, "end": 5, "category": "weapon"},
        {"start": 4, "end": 7, "category": "self_harm"},
        {"start": "0", "end": 1},
        {"start": 8, "end": 8},
        "junk",
    ]
    assert str(highlight(text, spans)) == (
        'a <mark title="Self-harm or suicide, Weapon">&lt;x&gt; b</mark> c'
    )
    assert str(highlight("<i>", None)) == "&lt;i&gt;"


def test_a_file_downloads_as_an_attachment_without_its_metadata(people, counselor):
    tip = _tip(files=[upload("photo.jpg", jpeg_bytes(gps=True))])
    item = tip.attachments.get()
    response = signed_in(counselor).get(f"/tips/{tip.pk}/files/{item.token}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    data = b"".join(response.streaming_content)
    assert data != jpeg_bytes(gps=True)
    assert b"PhoneMaker" not in data
    assert not Image.open(io.BytesIO(data)).getexif()
    assert AuditEvent.objects.filter(
        action="view", object_type="tips.attachment", object_id=str(item.pk), actor=counselor
    ).exists()
    assert signed_in(counselor).get(f"/tips/{tip.pk}/files/nope/").status_code == 404


def test_acknowledge_triage_close_and_reopen(people, counselor):
    tip = _tip()
    client = signed_in(counselor)
    response = client.post(f"/tips/{tip.pk}/acknowledge/")
    assert response.status_code == 302
    tip.refresh_from_db()
    assert (tip.status, tip.acknowledged_by) == (Status.ACKNOWLEDGED, counselor)
    assert "Acknowledged." in client.get(f"/tips/{tip.pk}/").content.decode()

    client.post(f"/tips/{tip.pk}/triaged/")
    tip.refresh_from_db()
    assert tip.status == Status.TRIAGED

    response = client.post(f"/tips/{tip.pk}/close/")
    assert response.status_code == 200
    assert "Choose how the tip ended." in response.content.decode()
    tip.refresh_from_db()
    assert tip.status == Status.TRIAGED

    client.post(f"/tips/{tip.pk}/close/", {"disposition": "unfounded"})
    tip.refresh_from_db()
    assert (tip.status, tip.disposition) == (Status.CLOSED, "unfounded")

    client.post(f"/tips/{tip.pk}/reopen/")
    tip.refresh_from_db()
    assert tip.status == Status.TRIAGED and not tip.disposition


def test_reopen_leaves_an_open_tip_alone(people, counselor):
    tip = _tip()
    signed_in(counselor).post(f"/tips/{tip.pk}/reopen/")
    tip.refresh_from_db()
    assert tip.status == Status.NEW


def test_messages_to_the_reporter_and_internal_notes(people, counselor):
    tip = _tip()
    client = signed_in(counselor)
    client.post(f"/tips/{tip.pk}/message/", {"body": "Which bus?", "to": "reporter"})
    client.post(f"/tips/{tip.pk}/message/", {"body": "Call the driver.", "to": "internal"})
    client.post(f"/tips/{tip.pk}/message/", {"body": "Thanks.", "to": "reporter", "signed": "on"})
    sent = {m.body: (m.internal, m.signed) for m in tip.messages.all()}
    assert sent == {
        "Which bus?": (False, False),
        "Call the driver.": (True, False),
        "Thanks.": (False, True),
    }
    tip.refresh_from_db()
    assert tip.status == Status.ACKNOWLEDGED and tip.reporter_unread
    body = client.get(f"/tips/{tip.pk}/").content.decode()
    assert 'class="msg internal"' in body and "Internal note" in body

    response = client.post(f"/tips/{tip.pk}/message/", {"body": "", "to": "reporter"})
    assert response.status_code == 200
    assert "This is required." in response.content.decode()
    assert tip.messages.count() == 3


def test_a_saved_reply_can_be_sent_as_it_is_without_javascript(people, counselor, district):
    reply = SavedReply.objects.create(
        district=district, title="Thanks", body="Thank you. We are looking into it."
    )
    tip = _tip()
    client = signed_in(counselor)
    body = client.get(f"/tips/{tip.pk}/").content.decode()
    assert 'data-body="Thank you. We are looking into it."' in body
    client.post(
        f"/tips/{tip.pk}/message/", {"saved_reply": str(reply.pk), "body": "", "to": "reporter"}
    )
    assert tip.messages.get().body == "Thank you. We are looking into it."
    # What the responder typed (or edited after choosing) wins.
    client.post(
        f"/tips/{tip.pk}/message/",
        {"saved_reply": str(reply.pk), "body": "Edited.", "to": "reporter"},
    )
    assert tip.messages.last().body == "Edited."


def test_assign_only_people_who_may_respond(people, counselor, principal, teacher):
    tip = _tip()
    client = signed_in(counselor)
    body = client.get(f"/tips/{tip.pk}/").content.decode()
    assert principal.username in body or principal.label in body
    assert f'value="{teacher.pk}"' not in body.split('id="assign-h"')[1].split("</form>")[0]
    client.post(f"/tips/{tip.pk}/assign/", {"assignees": [counselor.pk, principal.pk]})
    assert set(tip.assignees.all()) == {counselor, principal}
    response = client.post(f"/tips/{tip.pk}/assign/", {"assignees": [teacher.pk]})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert set(tip.assignees.all()) == {counselor, principal}


def test_link_tips_by_number(people, counselor):
    tip, other = _tip(), _tip()
    hidden = _tip(school="riverside-middle")
    client = signed_in(counselor)
    client.post(f"/tips/{tip.pk}/link/", {"other": other.pk})
    assert list(tip.related.all()) == [other]
    body = client.get(f"/tips/{other.pk}/").content.decode()
    assert f'href="/tips/{tip.pk}/"' in body
    response = client.post(f"/tips/{tip.pk}/link/", {"other": hidden.pk})
    assert f"There is no tip #{hidden.pk} that you can see." in response.content.decode()
    response = client.post(f"/tips/{tip.pk}/link/", {"other": tip.pk})
    assert "A tip cannot be linked to itself." in response.content.decode()


def test_revealing_a_confidential_reporter_is_a_post_shown_once_and_audited(people, counselor):
    tip = _tip(contact={"name": "Ana Reporter", "email": "ana@example.org", "phone": "555"})
    client = signed_in(counselor)
    assert client.get(f"/tips/{tip.pk}/contact/").status_code == 405
    response = client.post(f"/tips/{tip.pk}/contact/")
    body = response.content.decode()
    assert "Ana Reporter" in body and "ana@example.org" in body
    assert AuditEvent.objects.filter(
        object_id=str(tip.pk), compartment="reporter_identity", actor=counselor
    ).exists()
    assert "Ana Reporter" not in client.get(f"/tips/{tip.pk}/").content.decode()


def test_legal_hold_is_for_administrators(people, counselor, principal):
    tip = _tip()
    assert "Place legal hold" not in signed_in(counselor).get(f"/tips/{tip.pk}/").content.decode()
    response = signed_in(counselor).post(f"/tips/{tip.pk}/hold/", {"hold": "on"})
    assert response.status_code == 403
    tip.refresh_from_db()
    assert not tip.legal_hold
    signed_in(principal).post(f"/tips/{tip.pk}/hold/", {"hold": "on"})
    tip.refresh_from_db()
    assert tip.legal_hold
    signed_in(principal).post(f"/tips/{tip.pk}/hold/")
    tip.refresh_from_db()
    assert not tip.legal_hold


def test_actions_on_another_schools_tip_are_404(people, outsider):
    tip = _tip()
    client = signed_in(outsider)
    for action in ("acknowledge", "triaged", "reopen", "contact"):
        assert client.post(f"/tips/{tip.pk}/{action}/").status_code == 404
    tip.refresh_from_db()
    assert tip.status == Status.NEW


def test_the_nav_and_the_home_page_point_responders_to_new_tips(people, counselor, teacher):
    _tip(danger_now=True)
    _tip()
    body = signed_in(counselor).get("/").content.decode()
    assert 'href="/tips/"' in body
    assert "New tips" in body and "1 is life-safety: acknowledge it now." in body
    teacher_home = signed_in(teacher).get("/").content.decode()
    assert 'href="/tips/"' not in teacher_home and "New tips" not in teacher_home
