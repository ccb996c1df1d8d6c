"""The front desk's pages: check-in by scan, photo, typing or a saved visitor; the visit page with
its discreet screening panel and the clerk's answer; badges, photos, sign-out by badge scan and
from the list; on site, the log and its CSV export; expected visitors; the watchlist. (The lobby
kiosk's pages: test_kiosk.py.)"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.utils import timezone

from haven.audit.models import AuditEvent
from haven.core.models import Staff
from haven.visitors import badges, services
from haven.visitors.models import Person, PreRegistration, Visit, WatchlistEntry
from tests.conftest import signed_in
from tests.visitors import test_services
from tests.visitors.test_barcode import encode, pdf417
from tests.visitors.test_services import VA, check_in, jpeg

small_registry = test_services.small_registry  # the fixture, for the tests below

pytestmark = pytest.mark.django_db
ANN = {"first_name": "Ann", "last_name": "Lee"}


def form(**fields) -> dict:
    return {"purpose": "Meeting with staff", "kind": "visitor", "action": "check_in", **fields}


def typed(**fields) -> dict:
    return form(first_name="Hannah", last_name="Kim", date_of_birth="1990-01-01", **fields)


def upload(data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


# --- check-in -------------------------------------------------------------------------------------


def test_the_check_in_page_offers_every_way_to_identify(people, northside):
    body = signed_in(people["frontdesk"]).get("/visitors/check-in/").content.decode()
    for text in ("Scan the barcode", "photo of the barcode", "Type the details", "Read the ID"):
        assert text in body
    assert 'name="id_barcode"' in body and "data-wedge" in body
    assert 'capture="user"' in body  # the camera, even without JavaScript
    assert "<script>" not in body and " style=" not in body


def test_a_typed_check_in_goes_to_the_visit_with_a_clear_screening(people, northside):
    client = signed_in(people["frontdesk"])
    response = client.post("/visitors/check-in/", typed(destination="Room 4"))
    visit = Visit.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/visitors/{visit.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Screening clear" in page and "Hannah Kim" in page
    assert f"/visitors/{visit.pk}/badge.pdf?size=label" in page
    event = AuditEvent.objects.filter(object_type="visitors.visit", action="view").get()
    assert event.detail == {"screening": True}


def test_reading_a_scanned_barcode_shows_the_card_and_stores_nothing(people, northside):
    client = signed_in(people["frontdesk"])
    response = client.post("/visitors/check-in/", form(id_barcode=VA["payload"], action="read"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Read from the ID" in body and "Michael John Sample JR" in body and "1986-06-06" in body
    assert not Visit.objects.exists() and not Person.objects.exists()
    response = client.post("/visitors/check-in/", form(id_barcode=VA["payload"]))
    assert response.status_code == 302
    assert Visit.objects.get().source == "scan"


def test_a_photo_of_the_barcode_is_read_and_carried_to_the_check_in(people, northside):
    client = signed_in(people["frontdesk"])
    picture = upload(encode(pdf417(VA["payload"])), "back.png")
    response = client.post("/visitors/check-in/", form(barcode_photo=picture, action="read"))
    body = response.content.decode()
    assert "Michael John Sample JR" in body
    kept = re.search(r'name="read_from" value="photo"', body)
    assert kept, "the photo's reading is carried in the form"
    text = re.search(r'<textarea name="id_barcode"[^>]*>(.*?)</textarea>', body, re.S).group(1)
    assert "DAQT64235789" in text
    response = client.post("/visitors/check-in/", form(id_barcode=VA["payload"], read_from="photo"))
    assert response.status_code == 302 and Visit.objects.get().source == "photo"


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"id_barcode": "@\nANSI 636000"}, "id_barcode", "barcode"),
        ({"id_barcode": "not a licence at all"}, "id_barcode", "not the barcode"),
        ({"barcode_photo": "jpeg"}, "barcode_photo", "no PDF417 barcode found"),
        ({"barcode_photo": "text"}, "barcode_photo", "not an image"),
        ({**ANN, "date_of_birth": "1980-02-30"}, "date_of_birth", "valid date"),
        ({**ANN, "date_of_birth": "2999-01-01"}, "date_of_birth", "future"),
        ({}, "id_barcode", "Scan the ID"),
    ],
)  # fmt: skip
def test_bad_identity_is_a_clear_message_next_to_the_field(people, northside, fields, field, words):
    if fields.get("barcode_photo") == "jpeg":
        fields["barcode_photo"] = upload(jpeg(), "desk.jpg")
    elif fields.get("barcode_photo") == "text":
        fields["barcode_photo"] = upload(b"hello", "notes.jpg")
    response = signed_in(people["frontdesk"]).post("/visitors/check-in/", form(**fields))
    assert response.status_code == 400
    body = response.content.decode()
    error = re.search(rf'id="id_{field}_error">(.*?)</p>', body, re.S)
    assert error and words in error.group(1)
    assert not Visit.objects.exists()


def test_a_missing_reason_keeps_what_was_typed(people, northside):
    response = signed_in(people["frontdesk"]).post("/visitors/check-in/", typed(purpose=""))
    assert response.status_code == 400
    assert 'id="id_purpose_error"' in response.content.decode()
    assert 'value="Hannah"' in response.content.decode()
    assert not Visit.objects.exists()


def test_a_photo_from_the_desk_is_stored_and_served_only_to_staff(people, northside):
    client = signed_in(people["frontdesk"])
    client.post("/visitors/check-in/", typed(photo=upload(jpeg(exif=True), "me.jpg")))
    visit = Visit.objects.get()
    response = client.get(f"/visitors/{visit.pk}/photo.jpg")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("inline")
    assert b"PhoneMaker" not in b"".join(response.streaming_content)
    assert AuditEvent.objects.filter(action="view", detail={"photo": True}).exists()
    assert signed_in(people["teacher"]).get(f"/visitors/{visit.pk}/photo.jpg").status_code == 404


# --- the visit: screening, review, badge ----------------------------------------------------------


@pytest.mark.usefixtures("small_registry")
def test_a_match_shows_a_discreet_panel_and_no_badge(people, northside):
    client = signed_in(people["frontdesk"])
    client.post(
        "/visitors/check-in/",
        form(first_name="Bill", last_name="Smith", date_of_birth="1975-03-14"),
    )
    visit = Visit.objects.get()
    body = client.get(f"/visitors/{visit.pk}/").content.decode()
    assert '<details class="panel screening-panel life"' in body  # closed until opened
    assert "Do not issue a badge" in body and "A name match is not an identification." in body
    assert "William James Smith Jr" in body and "badge.pdf" not in body
    assert client.get(f"/visitors/{visit.pk}/badge.pdf").status_code == 404


@pytest.mark.usefixtures("small_registry")
def test_the_clerk_answers_a_possible_match(people, northside):
    client = signed_in(people["frontdesk"])
    client.post(
        "/visitors/check-in/",
        form(first_name="Maria", last_name="Delacruz", date_of_birth="1990-11-03"),
    )
    visit = Visit.objects.get()
    body = client.get(f"/visitors/{visit.pk}/").content.decode()
    assert "Possible match" in body and "Not sure" in body and "not an identification" in body
    assert 'hx-trigger="every 10s"' in body  # the status line waits for a decision
    missing = client.post(f"/visitors/{visit.pk}/decide/", {})
    assert missing.status_code == 400 and "Choose an answer." in missing.content.decode()
    response = client.post(f"/visitors/{visit.pk}/decide/", {"answer": "not_sure"})
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.status == "escalated"
    body = client.get(f"/visitors/{visit.pk}/").content.decode()
    assert 'name="answer"' not in body  # the administrators decide now
    status = client.get(f"/visitors/{visit.pk}/status/?was=escalated")
    assert status.status_code == 200 and "hx-get" in status.content.decode()
    principal = signed_in(people["principal"])
    page = principal.get(f"/visitors/{visit.pk}/").content.decode()
    assert 'value="yes"' in page and 'value="not_sure"' not in page
    assert (
        signed_in(people["frontdesk"])
        .post(f"/visitors/{visit.pk}/decide/", {"answer": "no"})
        .status_code
        == 403
    )
    principal.post(f"/visitors/{visit.pk}/decide/", {"answer": "no"})
    visit.refresh_from_db()
    assert visit.status == "on_site"
    changed = client.get(f"/visitors/{visit.pk}/status/?was=escalated")
    assert changed.status_code == 204 and changed["HX-Refresh"] == "true"


def test_the_badge_is_a_pdf_in_three_sizes_and_each_print_is_audited(people, northside):
    visit = check_in(people["frontdesk"], northside, destination="Room 4")
    client = signed_in(people["frontdesk"])
    for size in ("label", "letter", "a4"):
        response = client.get(f"/visitors/{visit.pk}/badge.pdf?size={size}")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF") and "no-store" in response["Cache-Control"]
    events = AuditEvent.objects.filter(action="export", object_type="visitors.visit")
    assert [e.detail for e in events] == [{"badge": "label"}, {"badge": "letter"}, {"badge": "a4"}]
    visit.refresh_from_db()
    assert visit.badge_printed_at is not None


def test_the_badge_token_signs_out_only_its_visit():
    token = badges.token(Visit(pk=41))
    assert badges.visit_id(token) == 41
    assert badges.visit_id(f"https://haven.example.org/visitors/scan/?t={token}") == 41
    for bad in ("", "41", token[:-2] + "xx", signing.dumps(41, salt="something else"), "x" * 900):
        with pytest.raises(badges.BadgeError):
            badges.visit_id(bad)


def test_an_old_badge_no_longer_signs_out():
    with time_machine.travel(timezone.now() - timedelta(days=badges.TOKEN_DAYS, minutes=1)):
        token = badges.token(Visit(pk=7))
    with pytest.raises(badges.BadgeError, match="expired"):
        badges.visit_id(token)


# --- sign-out -------------------------------------------------------------------------------------


def test_scanning_a_badge_signs_the_visitor_out(people, northside):
    visit = check_in(people["frontdesk"], northside)
    client = signed_in(people["frontdesk"])
    url = badges.scan_url(visit, "http://testserver")
    confirm = client.get(url)  # a phone opened the QR code: confirm first
    assert confirm.status_code == 200 and "Sign out Hannah Kim" in confirm.content.decode()
    visit.refresh_from_db()
    assert visit.status == "on_site"
    response = client.post("/visitors/scan/", {"code": url})  # a scanner typed the address
    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.status, visit.sign_out_method) == ("signed_out", "badge")
    again = client.post("/visitors/scan/", {"code": badges.token(visit)})
    assert again.status_code == 400 and "Already signed out" in again.content.decode()
    garbage = client.post("/visitors/scan/", {"code": "not a badge"})
    assert garbage.status_code == 400 and "not a Haven badge" in garbage.content.decode()


def test_another_schools_badge_does_not_sign_out_here(people, northside, riverside):
    visit = check_in(people["principal2"], riverside)
    response = signed_in(people["frontdesk"]).post("/visitors/scan/", {"code": badges.token(visit)})
    assert response.status_code == 400
    visit.refresh_from_db()
    assert visit.status == "on_site"


def test_signing_out_from_the_list(people, northside):
    visit = check_in(people["frontdesk"], northside)
    client = signed_in(people["frontdesk"])
    response = client.post(f"/visitors/{visit.pk}/sign-out/", {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/visitors/"
    visit.refresh_from_db()
    assert (visit.status, visit.sign_out_method) == ("signed_out", "list")


# --- lists ----------------------------------------------------------------------------------------


@pytest.mark.usefixtures("small_registry")
def test_on_site_lists_who_is_here_and_refreshes_itself(people, northside):
    check_in(people["frontdesk"], northside)
    check_in(people["frontdesk"], northside, "Maria", "Delacruz", "1990-11-03")
    gone = check_in(people["frontdesk"], northside, "Ann", "Lee")
    services.sign_out(people["frontdesk"], gone)
    client = signed_in(people["frontdesk"])
    body = client.get("/visitors/").content.decode()
    assert "Hannah Kim" in body and "Maria Delacruz" in body and "Ann Lee" not in body
    assert "Waiting at the desk" in body
    assert 'data-testid="on-site-count">2<' in body
    part = client.get("/visitors/", HTTP_HX_REQUEST="true").content.decode()
    assert part.lstrip().startswith('<div id="on-site"') and "<html" not in part


def test_the_log_filters_and_exports_csv_audited(people, northside):
    check_in(people["frontdesk"], northside, purpose="=HYPERLINK(1)")
    check_in(people["frontdesk"], northside, "Ann", "Lee")
    client = signed_in(people["frontdesk"])
    body = client.get("/visitors/log/?q=Lee").content.decode()
    assert "Ann Lee" in body and "Hannah Kim" not in body
    bad = client.get("/visitors/log/?start=2026-02-10&end=2026-01-01").content.decode()
    assert "The end is before the start." in bad
    response = client.get("/visitors/log.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["checked_in", "checked_out", "school", "name"]
    assert {row[3] for row in rows[1:]} == {"Hannah Kim", "Ann Lee"}
    assert "'=HYPERLINK(1)" in [row[5] for row in rows[1:]]  # not a formula
    event = AuditEvent.objects.get(action="export", object_id="log")
    assert event.detail == {"rows": 2, "filters": [], "format": "csv"}
    assert event.school_id == northside.pk


def test_expected_visitors_are_listed_and_checked_in(people, roster, northside):
    client = signed_in(people["frontdesk"])
    host = Staff.objects.get(user=people["teacher"])
    response = client.post(
        "/visitors/expected/",
        {
            "first_name": "Grace",
            "last_name": "Whitman",
            "expected_on": "2099-01-01",
            "purpose": "Career day",
            "host": host.pk,
        },
    )
    assert response.status_code == 302
    pre = PreRegistration.objects.get()
    assert "Grace Whitman" in client.get("/visitors/expected/").content.decode()
    past = client.post(
        "/visitors/expected/",
        {"first_name": "A", "last_name": "B", "expected_on": "2000-01-01", "purpose": "x"},
    )
    assert past.status_code == 400 and "in the past" in past.content.decode()
    page = client.get(f"/visitors/check-in/?expected={pre.pk}").content.decode()
    assert 'value="Grace"' in page and 'value="Career day"' in page
    client.post(
        "/visitors/check-in/",
        form(expected=pre.pk, first_name="Grace", last_name="Whitman", date_of_birth="1970-01-01"),
    )
    pre.refresh_from_db()
    assert pre.visit is not None and pre.visit.host == host


def test_a_frequent_visitor_is_picked_and_screened_again(people, northside):
    visit = check_in(people["frontdesk"], northside, "Maria", "Delgado", "1984-02-17")
    client = signed_in(people["frontdesk"])
    client.post(f"/visitors/{visit.pk}/frequent/", {"frequent": "1"})
    assert Person.objects.get().frequent
    page = client.get("/visitors/check-in/?q=Delg").content.decode()
    assert f"?person={visit.person_id}" in page
    response = client.post("/visitors/check-in/", form(person=visit.person_id))
    assert response.status_code == 302
    assert Visit.objects.order_by("pk").last().source == "saved"


def test_the_watchlist_page_and_who_may_add(people, roster, district, northside):
    WatchlistEntry.objects.create(
        district=district, kind="banned", first_name="Victor", last_name="Hale"
    )
    body = signed_in(people["frontdesk"]).get("/visitors/watchlist/").content.decode()
    assert "Victor Hale" in body and "Banned person" in body
    assert "Carl Lopez" in body and "Maya Lopez" in body  # the roster's custody restriction
    assert "Add an entry" not in body
    assert signed_in(people["frontdesk"]).get("/visitors/watchlist/new/").status_code == 404
    principal = signed_in(people["principal"])
    response = principal.post(
        "/visitors/watchlist/new/",
        {
            "kind": "trespass",
            "where": str(northside.pk),
            "first_name": "Dwayne",
            "last_name": "Pruitt",
            "date_of_birth": "1988-08-19",
            "starts_on": "2025-01-01",
            "expires_on": "2024-01-01",
            "active": "on",
        },
    )
    assert response.status_code == 400 and "expires before it starts" in response.content.decode()
    response = principal.post(
        "/visitors/watchlist/new/",
        {
            "kind": "trespass",
            "where": str(northside.pk),
            "first_name": "Dwayne",
            "last_name": "Pruitt",
            "date_of_birth": "1988-08-19",
            "starts_on": "2025-01-01",
            "active": "on",
        },
    )
    assert response.status_code == 302
    entry = WatchlistEntry.objects.get(last_name="Pruitt")
    assert (entry.school, entry.date_of_birth) == (northside, "1988-08-19")
    assert 'value="district"' not in principal.get("/visitors/watchlist/new/").content.decode()
    district_wide = WatchlistEntry.objects.get(last_name="Hale")
    assert principal.get(f"/visitors/watchlist/{district_wide.pk}/").status_code == 403


# --- the permission table's world (tests/test_permissions.py) -------------------------------------


def world_visit(world: dict) -> int:
    """A visitor on site at Northside, with a photo, checked in once per test."""
    if "visit" not in world:
        world["visit"] = check_in(world["frontdesk"], world["maya"].school, photo=jpeg())
    return world["visit"].pk


def world_expected(world: dict) -> int:
    if "expected" not in world:
        world["expected"] = PreRegistration.objects.create(
            school=world["maya"].school,
            first_name="Grace",
            last_name="Whitman",
            expected_on=timezone.localdate(),
            purpose="Career day",
        )
    return world["expected"].pk


def world_entry(world: dict) -> int:
    if "entry" not in world:
        school = world["maya"].school
        world["entry"] = WatchlistEntry.objects.create(
            district_id=school.district_id,
            school=school,
            kind="trespass",
            first_name="Dwayne",
            last_name="Pruitt",
        )
    return world["entry"].pk


class _Pen:
    """Records what the badge draws for its QR code (a canvas that only fills rectangles)."""

    def __init__(self) -> None:
        self.fill = (0.0, 0.0, 0.0)
        self.rects: list[tuple] = []

    def setFillColorRGB(self, *rgb):  # reportlab's name
        self.fill = rgb

    def rect(self, x, y, w, h, stroke=0, fill=1):
        self.rects.append((x, y, w, h, self.fill))


def test_the_badges_qr_code_scans_back_to_its_sign_out_address(people, northside):
    import zxingcpp
    from PIL import Image, ImageDraw

    visit = check_in(people["frontdesk"], northside)
    url = badges.scan_url(visit, "https://haven.example.org")
    pen, side, zoom = _Pen(), 76.0, 8
    badges._qr(pen, url, 10, 10, side)
    image = Image.new("L", (int((side + 20) * zoom),) * 2, 255)
    draw = ImageDraw.Draw(image)
    height = image.height
    for x, y, w, h, colour in pen.rects:
        shade = 0 if colour == (0, 0, 0) else 255
        draw.rectangle(
            (x * zoom, height - (y + h) * zoom, (x + w) * zoom - 1, height - y * zoom - 1),
            fill=shade,
        )
    [found] = zxingcpp.read_barcodes(image)
    assert found.text == url
    assert badges.visit_id(found.text) == visit.pk


@pytest.mark.usefixtures("small_registry")
def test_home_counts_visitors_on_site_for_the_front_desk(people, northside):
    check_in(people["frontdesk"], northside)
    check_in(people["frontdesk"], northside, "Maria", "Delacruz", "1990-11-03")
    body = signed_in(people["frontdesk"]).get("/").content.decode()
    cards = re.findall(r'<li class="card (\w+)".*?</li>', body, re.S)
    [card] = [
        m
        for m in re.finditer(r'<li class="card (\w+)".*?</li>', body, re.S)
        if "Visitors on site" in m.group(0)
    ]
    assert cards and card.group(1) == "high"
    assert "1 waits for a screening decision." in card.group(0)
    assert "Visitors on site" not in signed_in(people["teacher"]).get("/").content.decode()


def test_reading_the_log_is_audited(people, northside):
    check_in(people["frontdesk"], northside)
    signed_in(people["frontdesk"]).get("/visitors/log/?status=on_site")
    event = AuditEvent.objects.get(action="list", object_id="log")
    assert event.detail == {"rows": 1, "filters": ["status"]}


def test_a_saved_visitor_who_is_not_available_is_said_at_the_top(people, northside):
    response = signed_in(people["frontdesk"]).post("/visitors/check-in/", form(person=999999))
    assert response.status_code == 400
    assert "This saved visitor is not available." in response.content.decode()
    assert not Visit.objects.exists()


def world_kiosk(world: dict) -> int:
    """An enrolled kiosk at Northside, made by the front desk once per test."""
    if "kiosk" not in world:
        from haven.visitors.services import kiosks

        kiosk, code, _ = kiosks.create(world["frontdesk"], world["maya"].school, "Lobby tablet")
        kiosks.enrol(code)
        world["kiosk"] = kiosk
    return world["kiosk"].pk
