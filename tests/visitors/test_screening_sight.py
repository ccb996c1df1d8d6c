"""What of a visit's screening each reader sees, decided by the access policy: the matches for
those who see screenings at the school, a custody restriction's student and note only for those
who also see guardians — on the visit's page, in the API and in the alerts alike.

Every role that sees screenings today also sees guardians, so these tests take GUARDIANS_VIEW
away from one role to check that the rule, not the role table, keeps the custody details in."""

from __future__ import annotations

import pytest

from haven.access import policy
from haven.access.policy import Perm
from haven.accounts.models import Role
from haven.notify.models import Notification
from haven.visitors import services
from haven.visitors.models import Visit
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

WITHHELD = "Custody restriction (the details are for staff who see guardians)"


def without_guardians(monkeypatch, role: str) -> None:
    perms = policy.ROLE_PERMS[role] - {Perm.GUARDIANS_VIEW}
    monkeypatch.setitem(policy.ROLE_PERMS, role, perms)


def restricted_father_at_the_desk(frontdesk, northside) -> Visit:
    visit = services.check_in(
        frontdesk,
        northside,
        services.typed("Carl", "Lopez", "1979-02-03"),
        purpose="Pick up my daughter",
    )
    assert visit.outcome == "review"
    return visit


def test_a_screener_who_may_not_see_guardians_sees_the_custody_match_without_its_details(
    monkeypatch, people, roster, northside
):
    without_guardians(monkeypatch, Role.FRONT_DESK)
    visit = restricted_father_at_the_desk(people["frontdesk"], northside)
    desk = signed_in(people["frontdesk"])
    page = desk.get(f"/visitors/{visit.pk}/").content.decode()
    assert WITHHELD in page
    assert "Maya" not in page and "Protective order" not in page
    api = desk.get(f"/api/v1/visits/{visit.pk}")
    assert api.status_code == 200
    [match] = api.json()["screening"]["matches"]
    assert (match["label"], match["record_id"]) == (WITHHELD, "")
    assert "Maya" not in api.content.decode() and "Protective" not in api.content.decode()
    # the principal sees guardians: the whole match
    full = signed_in(people["principal"]).get(f"/visitors/{visit.pk}/").content.decode()
    assert "Custody restriction for Maya Lopez" in full and "Protective order" in full


def test_alerts_name_a_custody_restriction_only_to_those_who_see_guardians(
    monkeypatch, people, roster, northside
):
    without_guardians(monkeypatch, Role.SRO)
    visit = restricted_father_at_the_desk(people["frontdesk"], northside)
    services.decide(people["frontdesk"], visit, Visit.Answer.NOT_SURE)
    sro = Notification.objects.get(user=people["sro"], kind="visitor_escalated")
    principal = Notification.objects.get(user=people["principal"], kind="visitor_escalated")
    assert "custody" not in sro.body and "a list" in sro.body
    assert "a custody restriction on the roster" in principal.body
