"""The lobby kiosk: a device the front desk enrolled, reaching the kiosk's pages and nothing else
of Haven; the front desk sees and revokes kiosks. Visitors check themselves in there, and the kiosk
never reveals a screening."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from haven.accounts.models import RoleAssignment
from haven.audit.models import AuditEvent
from haven.notify.models import Notification
from haven.visitors.kiosk import COOKIE, COOKIE_PATH
from haven.visitors.models import Kiosk, Visit
from haven.visitors.services import kiosks
from tests.accounts.test_sign_in import sign_in
from tests.conftest import signed_in
from tests.visitors import test_services
from tests.visitors.test_services import VA

small_registry = test_services.small_registry  # the fixture, for the tests below

pytestmark = pytest.mark.django_db
KIOSK = "/visitors/kiosk/northside-high/"


def kiosk_client(frontdesk, school, client: Client | None = None) -> Client:
    """A tablet enrolled as a kiosk the way the front desk does it: a code from the Kiosks page,
    typed on the tablet."""
    page = signed_in(frontdesk).post("/visitors/kiosks/", {"name": "Lobby tablet"})
    code = page.context["issued"]["code"]
    tablet = client or Client()
    response = tablet.post("/visitors/kiosk/", {"code": code})
    assert response.status_code == 302 and response["Location"] == f"/visitors/kiosk/{school.slug}/"
    return tablet


def test_a_kiosk_reaches_the_kiosk_pages_and_nothing_else(people, northside, roster):
    tablet = kiosk_client(people["frontdesk"], northside)
    page = tablet.get(KIOSK)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Welcome. Please sign in." in body and 'class="sidenav"' not in body
    visit = test_services.check_in(people["frontdesk"], northside)
    for path in (
        "/",
        "/visitors/",
        "/visitors/check-in/",
        "/visitors/kiosks/",
        f"/visitors/{visit.pk}/",
        f"/visitors/{visit.pk}/badge.pdf",
        f"/visitors/{visit.pk}/photo.jpg",
        "/roster/students/",
        "/notifications/unread.json",
    ):
        response = tablet.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/sign-in/"), path
    assert tablet.get("/api/v1/me").status_code == 401
    assert tablet.get(f"/api/v1/students/{roster['maya'].pk}").status_code == 401


def test_the_kiosk_no_longer_runs_as_a_front_desk_session(people, northside):
    """It used to be a tablet signed in as the front desk: everything the clerk sees, one click
    from the lobby. A staff session does not open the kiosk now; the kiosk credential does."""
    clerk = signed_in(people["frontdesk"])
    response = clerk.get(KIOSK)
    assert response.status_code == 302 and response["Location"] == "/visitors/kiosk/"


def test_enrolling_a_tablet_signs_out_whoever_was_signed_in_on_it(people, northside):
    tablet = signed_in(people["frontdesk"])  # the clerk sets the tablet up while signed in on it
    assert tablet.get("/visitors/").status_code == 200
    kiosk_client(people["frontdesk"], northside, client=tablet)
    assert tablet.get(KIOSK).status_code == 200
    assert tablet.get("/visitors/")["Location"].startswith("/accounts/sign-in/")


def test_the_kiosk_credential_is_a_narrow_cookie_kept_only_as_a_hash(people, northside):
    tablet = kiosk_client(people["frontdesk"], northside)
    cookie = tablet.cookies[COOKIE]
    assert cookie["path"] == COOKIE_PATH
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    assert int(cookie["max-age"]) > 30 * 86400
    row = Kiosk.objects.values().get()
    assert all(cookie.value not in str(value) for value in row.values())
    assert row["code_digest"] == ""  # spent
    assert "sessionid" not in tablet.cookies or not tablet.cookies["sessionid"].value


def test_a_kiosk_code_works_once_and_expires(settings, people, northside):
    settings.HAVEN_KIOSK_CODE_MINUTES = 30
    with time_machine.travel(time.time(), tick=False) as clock:
        _, code, _ = kiosks.create(people["frontdesk"], northside, "Lobby")
        _, late, _ = kiosks.create(people["frontdesk"], northside, "Gym door")
        assert Client().post("/visitors/kiosk/", {"code": code}).status_code == 302
        again = Client().post("/visitors/kiosk/", {"code": code})
        assert again.status_code == 400
        assert "not right or has expired" in again.content.decode()
        clock.shift(timedelta(minutes=31))
        assert Client().post("/visitors/kiosk/", {"code": late}).status_code == 400
    assert Client().post("/visitors/kiosk/", {"code": "nonsense"}).status_code == 400
    assert Client().get(KIOSK)["Location"] == "/visitors/kiosk/"


def test_the_front_desk_sees_and_revokes_kiosks_audited(people, northside):
    tablet = kiosk_client(people["frontdesk"], northside)
    kiosk = Kiosk.objects.get()
    listing = signed_in(people["principal"]).get("/visitors/kiosks/").content.decode()
    assert "Lobby tablet" in listing and "In use" in listing
    response = signed_in(people["frontdesk"]).post(f"/visitors/kiosks/{kiosk.pk}/revoke/")
    assert response.status_code == 302
    gone = tablet.get(KIOSK)
    assert gone["Location"] == "/visitors/kiosk/"
    assert gone.cookies[COOKIE].value == ""  # the dead credential is cleared
    actions = list(
        AuditEvent.objects.filter(object_type="visitors.kiosk").values_list("action", "actor")
    )
    frontdesk = people["frontdesk"].pk
    assert actions == [
        ("create", frontdesk),
        ("kiosk_enrolled", frontdesk),
        ("kiosk_revoked", frontdesk),
    ]


def test_others_cannot_see_or_revoke_this_schools_kiosks(people, northside):
    kiosk_client(people["frontdesk"], northside)
    kiosk = Kiosk.objects.get()
    for who in ("teacher", "outsider", "counselor"):
        client = signed_in(people[who])
        assert client.get("/visitors/kiosks/").status_code == 404
        assert client.post(f"/visitors/kiosks/{kiosk.pk}/revoke/").status_code == 404
    assert Kiosk.objects.get().revoked_at is None


def test_a_kiosk_stops_when_the_person_who_enrolled_it_may_no_longer_check_in(people, northside):
    tablet = kiosk_client(people["frontdesk"], northside)
    RoleAssignment.objects.filter(user=people["frontdesk"]).delete()
    assert tablet.get(KIOSK)["Location"] == "/visitors/kiosk/"


def test_a_kiosk_is_for_its_own_school_only(people, northside, riverside):
    tablet = kiosk_client(people["frontdesk"], northside)
    assert tablet.get("/visitors/kiosk/riverside-middle/").status_code == 404
    assert tablet.get("/visitors/kiosk/nowhere/").status_code == 404
    assert tablet.get("/visitors/kiosk/")["Location"] == KIOSK


def test_the_kiosk_welcomes_a_clear_visitor_with_a_badge(people, northside):
    tablet = kiosk_client(people["frontdesk"], northside)
    read = tablet.post(KIOSK, {"id_barcode": VA["payload"], "action": "read"})
    assert "Hello, Michael." in read.content.decode()
    response = tablet.post(
        KIOSK, {"id_barcode": VA["payload"], "purpose": "Meeting with staff", "action": "check_in"}
    )
    assert response["Location"] == f"{KIOSK}done/"
    done = tablet.get(response["Location"]).content.decode()
    visit = Visit.objects.get()
    assert visit.at_kiosk and "Welcome, Michael." in done
    assert f"{KIOSK}badge.pdf" in done and f"/visitors/{visit.pk}/" not in done
    badge = tablet.get(f"{KIOSK}badge.pdf")
    assert badge.status_code == 200 and badge.content.startswith(b"%PDF")
    kiosk = Kiosk.objects.get()
    event = AuditEvent.objects.get(action="create", object_type="visitors.visit")
    assert event.detail["kiosk"] is True and event.detail["kiosk_id"] == kiosk.pk
    # Another tablet (or a later visitor) does not get this visitor's page or badge.
    other = kiosk_client(people["frontdesk"], northside)
    assert other.get(f"{KIOSK}done/")["Location"] == KIOSK
    assert other.get(f"{KIOSK}badge.pdf").status_code == 404


@pytest.mark.usefixtures("small_registry")
def test_the_kiosk_never_reveals_a_screening(people, northside):
    tablet = kiosk_client(people["frontdesk"], northside)
    pages = []
    for first, last, born in [("Bill", "Smith", "1975-03-14"), ("Maria", "Delacruz", "1990-11-03")]:
        tablet.post(
            KIOSK,
            {
                "first_name": first,
                "last_name": last,
                "date_of_birth": born,
                "purpose": "Other",
                "action": "check_in",
            },
        )
        pages.append(tablet.get(f"{KIOSK}done/").content.decode())
        assert tablet.get(f"{KIOSK}badge.pdf").status_code == 404  # no badge before a decision
    for page in pages:
        assert "a staff member will assist you" in page
        for word in ("match", "registry", "Smith", "badge.pdf", "alert"):
            assert word not in page
    assert Notification.objects.filter(kind="visitor_review", user=people["frontdesk"]).exists()
    assert Notification.objects.filter(kind="visitor_match", user=people["sro"]).exists()


def test_the_kiosk_pages_need_no_staff_sign_in_and_start_none(people, northside):
    tablet = kiosk_client(people["frontdesk"], northside)
    tablet.post(KIOSK, {"first_name": "Ann", "last_name": "Lee", "date_of_birth": "1980-01-01"})
    assert not tablet.cookies.get("sessionid") or not tablet.cookies["sessionid"].value
    # A person signing in on the kiosk device afterwards is a separate matter: the kiosk's pages
    # still act only as the kiosk.
    sign_in(tablet, "teacher")
    assert tablet.get(KIOSK).status_code == 200


def test_the_kiosk_set_up_page_speaks_spanish(db):
    page = Client(HTTP_ACCEPT_LANGUAGE="es").get("/visitors/kiosk/").content.decode()
    assert "Configura este quiosco" in page and "Código del quiosco" in page
