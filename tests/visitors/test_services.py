"""Checking visitors in and out through the services: screening outcomes against a small imported
registry, the clerk's review and its escalation, who is alerted of a match (and how), custody
restrictions from the roster, what is stored (and encrypted), sign-out and who is on site."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from haven.audit.models import AuditEvent
from haven.core.models import Staff
from haven.notify.models import Notification
from haven.screening import registry
from haven.screening.models import Screening
from haven.visitors import demo, services
from haven.visitors.models import Person, Visit

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "aamva"
HEADER = (
    "record_id,last_name,first_name,middle_name,suffix,aliases,date_of_birth,sex,jurisdiction,"
    "source_url\n"
)
REGISTRY = (
    'tx-1,Smith,William,James,Jr,"Bill Smith",1975-03-14,M,TX,https://sor.example.org/tx/1',
    "tx-3,De La Cruz,Maria,,,,1990-11-02,F,TX,",
)


def vector(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


VA = vector("va_v08_dl_standard_sample")


@pytest.fixture
def small_registry(tmp_path):
    """Two registrants, imported with the screening app's own importer."""
    path = tmp_path / "registry.csv"
    path.write_text(HEADER + "".join(f"{row}\n" for row in REGISTRY), encoding="utf-8")
    registry.import_registry(path)


def check_in(user, school, first="Hannah", last="Kim", born="1990-01-01", **options):
    options.setdefault("purpose", "Meeting with staff")
    return services.check_in(user, school, services.typed(first, last, born), **options)


def jpeg(exif: bool = False) -> bytes:
    image = Image.new("RGB", (640, 480), (120, 160, 200))
    out = io.BytesIO()
    extra = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        data[0x8825] = {2: (51.0, 30.0, 0.0)}  # GPS
        extra["exif"] = data.tobytes()
    image.save(out, "JPEG", **extra)
    return out.getvalue()


# --- outcomes -------------------------------------------------------------------------------------


def test_a_clear_visitor_is_admitted_and_the_creation_is_audited_without_a_name(
    people, northside, small_registry
):
    visit = check_in(people["frontdesk"], northside, destination="Room 12")
    assert (visit.outcome, visit.status, visit.has_badge) == ("clear", "on_site", True)
    assert visit.screening.outcome == "clear" and visit.watchlist_matches == []
    event = AuditEvent.objects.get(object_type="visitors.visit", action="create")
    assert event.actor == people["frontdesk"] and event.school_id == northside.pk
    assert event.detail == {
        "outcome": "clear",
        "status": "on_site",
        "source": "typed",
        "kiosk": False,
    }
    assert "Kim" not in json.dumps(event.detail)


def test_a_registry_match_issues_no_badge_and_alerts_that_schools_admins_and_sro(
    people, northside, riverside, small_registry, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        visit = check_in(people["frontdesk"], northside, "Bill", "Smith", "1975-03-14")
    assert (visit.outcome, visit.status, visit.has_badge) == ("match", "refused", False)
    assert Visit.objects.filter(pk=visit.pk).exists()  # the attempt is on record
    alerted = Notification.objects.filter(kind="visitor_match")
    assert {n.user.username for n in alerted} == {"principal", "sro"}
    assert all(n.urgent and n.url == f"/visitors/{visit.pk}/" for n in alerted)
    assert "Smith" not in alerted[0].title + alerted[0].body
    assert "not an identification" in alerted[0].body
    assert sorted(m.to[0] for m in mailoutbox) == ["principal@example.org", "sro@example.org"]
    assert "Smith" not in mailoutbox[0].body


def test_a_possible_match_waits_for_the_clerk_who_may_admit(people, northside, small_registry):
    visit = check_in(people["frontdesk"], northside, "Maria", "Delacruz", "1990-11-03")
    assert (visit.outcome, visit.status, visit.has_badge) == ("review", "pending", False)
    visit = services.decide(people["frontdesk"], visit, "no")
    assert (visit.status, visit.review_answer, visit.reviewed_by) == (
        "on_site",
        "no",
        people["frontdesk"],
    )
    assert visit.has_badge
    with pytest.raises(ValidationError):
        services.decide(people["frontdesk"], visit, "yes")  # nothing left to decide


def test_not_sure_escalates_to_the_admins_and_sro_who_decide(
    people, northside, small_registry, django_capture_on_commit_callbacks, mailoutbox
):
    visit = check_in(people["frontdesk"], northside, "Maria", "Delacruz", "1990-11-03")
    with django_capture_on_commit_callbacks(execute=True):
        visit = services.decide(people["frontdesk"], visit, "not_sure")
    assert visit.status == "escalated"
    asked = Notification.objects.filter(kind="visitor_escalated")
    assert {n.user.username for n in asked} == {"principal", "sro"}
    assert all(n.urgent for n in asked) and len(mailoutbox) == 2
    with pytest.raises(PermissionDenied):
        services.decide(people["frontdesk"], visit, "no")  # the clerk no longer decides
    with pytest.raises(ValidationError):
        services.decide(people["principal"], visit, "not_sure")  # yes or no now
    with django_capture_on_commit_callbacks(execute=True):
        visit = services.decide(people["sro"], visit, "yes")
    assert (visit.status, visit.decision, visit.decided_by) == ("refused", "yes", people["sro"])
    assert {n.user.username for n in Notification.objects.filter(kind="visitor_match")} == {
        "principal",
        "sro",
    }
    assert Notification.objects.filter(kind="visitor_decided", user=people["frontdesk"]).exists()


def test_a_confirmed_possible_match_alerts_at_once(
    people, northside, small_registry, django_capture_on_commit_callbacks
):
    visit = check_in(people["frontdesk"], northside, "Maria", "Delacruz", "1990-11-03")
    with django_capture_on_commit_callbacks(execute=True):
        visit = services.decide(people["frontdesk"], visit, "yes")
    assert visit.status == "refused"
    alert = Notification.objects.filter(kind="visitor_match", user=people["principal"]).get()
    assert alert.urgent and alert.title.startswith("Confirmed")


def test_the_other_schools_clerk_and_admin_cannot_decide(people, northside, small_registry):
    visit = check_in(people["frontdesk"], northside, "Maria", "Delacruz", "1990-11-03")
    for who in ("principal2", "outsider", "teacher"):
        with pytest.raises(PermissionDenied):
            services.decide(people[who], visit, "no")


def test_a_hand_typed_date_of_birth_widens_the_registry_search(people, northside, small_registry):
    visit = check_in(people["frontdesk"], northside, "Maria", "Delacruz", "1993-06-02")
    assert visit.dob_typed_by_hand and visit.screening.dob_typed_by_hand
    assert visit.outcome == "review"  # three years out: only a typed date is read that widely
    scanned = services.check_in(
        people["frontdesk"], northside, services.from_barcode(VA["payload"]), purpose="Meeting"
    )
    assert not scanned.dob_typed_by_hand and not scanned.screening.dob_typed_by_hand


def test_the_custody_restriction_on_the_roster_screens_the_restricted_adult(
    people, roster, northside, riverside
):
    visit = check_in(people["frontdesk"], northside, "Carl", "Lopez", "1978-05-05")
    assert (visit.outcome, visit.status) == ("review", "pending")
    [match] = visit.watchlist_matches
    assert match["source"] == "custody" and match["label"] == "Custody restriction for Maya Lopez"
    # Maya's mother is not restricted, and Maya is not at Riverside.
    assert check_in(people["frontdesk"], northside, "Rosa", "Lopez").outcome == "clear"
    assert check_in(people["principal2"], riverside, "Carl", "Lopez").outcome == "clear"


# --- what is stored -------------------------------------------------------------------------------


def test_a_returning_card_finds_the_same_record_without_storing_the_number(people, northside):
    first = services.check_in(
        people["frontdesk"], northside, services.from_barcode(VA["payload"]), purpose="Meeting"
    )
    second = services.check_in(
        people["frontdesk"], northside, services.from_barcode(VA["payload"]), purpose="Again"
    )
    assert first.person_id == second.person_id and Person.objects.count() == 1
    person = first.person
    assert (person.first_name, person.last_name, person.suffix) == ("Michael", "Sample", "JR")
    assert (person.id_last4, person.id_jurisdiction, person.dob_from_id) == ("5789", "VA", True)
    assert person.id_hash == services.id_hash("VA", "T64235789") and "T6423" not in person.id_hash
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM visitors_person")
        row = " ".join(str(value) for value in cursor.fetchone())
    assert "T64235789" not in row and "1986-06-06" not in row and "BROAD" not in row
    assert person.address["street"] == "2300 WEST BROAD STREET"
    assert person.date_of_birth == "1986-06-06"


def test_the_photo_is_stored_encrypted_without_its_metadata(people, northside, settings):
    visit = check_in(people["frontdesk"], northside, photo=jpeg(exif=True))
    raw = (Path(visit.photo.storage.location) / visit.photo.name).read_bytes()
    assert not raw.startswith(b"\xff\xd8")  # encrypted on disk
    with visit.photo.open("rb") as handle:
        stored = Image.open(io.BytesIO(handle.read()))
    assert stored.format == "JPEG" and not stored.getexif()


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: services.from_barcode("@\nANSI 6360000800"), "id_barcode"),
        (lambda: services.from_barcode("https://example.org/not-a-licence"), "id_barcode"),
        (lambda: services.from_barcode("hello, this is just text"), "id_barcode"),
        (lambda: services.from_photo(jpeg()), "barcode_photo"),
        (lambda: services.from_photo(b"not an image at all"), "barcode_photo"),
        (lambda: services.typed("Ann", "Lee", "1980-02-30"), "date_of_birth"),
        (lambda: services.typed("Ann", "Lee", "2999-01-01"), "date_of_birth"),
        (lambda: services.typed("", "Lee", "1980-01-01"), "first_name"),
        (lambda: services.typed("Ann", "123", "1980-01-01"), "last_name"),
    ],
)
def test_bad_identity_names_the_field(make, field):
    with pytest.raises(ValidationError) as caught:
        make()
    assert list(caught.value.message_dict) == [field]
    assert caught.value.message_dict[field][0]


def test_a_garbled_barcode_says_what_is_wrong(people):
    with pytest.raises(ValidationError) as caught:
        services.from_barcode(VA["payload"].replace("DBB06061986", "DBB13451986"))
    message = caught.value.message_dict["id_barcode"][0]
    assert "date_of_birth" in message and "Scan it again" in message


def test_bad_visit_details_store_nothing(people, northside, riverside, small_registry):
    elsewhere = Staff.objects.create(given_name="Ray", family_name="Other")
    elsewhere.schools.add(riverside)
    details = services.typed("Hannah", "Kim", "1990-01-01")
    for options, field in [
        ({"purpose": ""}, "purpose"),
        ({"purpose": "x" * 201}, "purpose"),
        ({"purpose": "Meeting", "host": elsewhere}, "host"),
        ({"purpose": "Meeting", "photo": b"GIF89a not really"}, "photo"),
    ]:
        with pytest.raises(ValidationError) as caught:
            services.check_in(people["frontdesk"], northside, details, **options)
        assert field in caught.value.message_dict
    assert not Visit.objects.exists() and not Person.objects.exists()
    assert not Screening.objects.exists()


def test_only_the_schools_front_desk_checks_in(people, northside):
    for who in ("teacher", "outsider", "principal2", "auditor"):
        with pytest.raises(PermissionDenied):
            check_in(people[who], northside)
    assert not Visit.objects.exists()


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.text(max_size=120), last=st.text(max_size=120), born=st.text(max_size=12))
def test_typed_details_fail_only_with_a_validation_error(first, last, born):
    try:
        details = services.typed(first, last, born)
    except ValidationError as error:
        assert set(error.message_dict) <= {"first_name", "last_name", "date_of_birth"}
    else:
        assert details.first_name and details.last_name and details.dob_typed_by_hand


# --- sign-out and on site -------------------------------------------------------------------------


def test_on_site_is_everyone_in_the_building_until_signed_out(people, northside, small_registry):
    here = check_in(people["frontdesk"], northside)
    waiting = check_in(people["frontdesk"], northside, "Maria", "Delacruz", "1990-11-03")
    refused = check_in(people["frontdesk"], northside, "Bill", "Smith", "1975-03-14")
    assert list(services.on_site(northside)) == [here, waiting]
    services.sign_out(people["frontdesk"], here, "badge")
    here.refresh_from_db()
    assert (here.status, here.sign_out_method, here.checked_out_by) == (
        "signed_out",
        "badge",
        people["frontdesk"],
    )
    assert list(services.on_site(northside)) == [waiting]
    with pytest.raises(ValidationError, match="Already signed out"):
        services.sign_out(people["frontdesk"], here)
    with pytest.raises(ValidationError, match="not admitted"):
        services.sign_out(people["frontdesk"], refused)
    with pytest.raises(PermissionDenied):
        services.sign_out(people["teacher"], waiting)
    event = AuditEvent.objects.filter(object_id=str(here.pk), action="update").get()
    assert event.detail == {"status": "signed_out", "method": "badge"}


def test_a_host_with_a_sign_in_is_told_their_visitor_arrived(people, roster, northside):
    host = Staff.objects.get(user=people["teacher"])
    check_in(people["frontdesk"], northside, host=host)
    note = Notification.objects.get(kind="visitor_arrived")
    assert note.user == people["teacher"] and not note.urgent


def test_a_saved_visitor_is_screened_again(people, northside, small_registry):
    visit = check_in(people["frontdesk"], northside, "Maria", "Delgado", "1984-02-17")
    services.set_frequent(people["frontdesk"], visit.person, True)
    again = services.check_in(
        people["frontdesk"], northside, services.saved(visit.person), purpose="Volunteering"
    )
    assert again.person_id == visit.person_id and again.source == "saved"
    assert again.screening_id != visit.screening_id and again.dob_typed_by_hand


def test_the_demo_is_idempotent(people, district):
    first = demo.load(district)
    assert first == 6
    assert demo.load(district) == first
    assert Visit.objects.filter(status="signed_out").count() == 2
    assert Visit.objects.filter(source="scan").count() == 1
