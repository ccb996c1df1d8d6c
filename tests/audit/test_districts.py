"""The audit log is scoped by district: every event carries its district (chained, so moving an
event to another district breaks the chain), and auditors and district administrators read only
their own district's events — break-glass reasons included — on the page, in the API and on the
home page. Events written before districts were recorded get theirs from migration 0005 and still
verify."""

from __future__ import annotations

import importlib
import io
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from haven.accounts.models import Role
from haven.audit import services, triggers
from haven.audit.models import AuditEvent, ChainHead
from haven.cases import services as cases
from haven.core import crypto
from haven.core.models import District, School
from tests.audit.test_chain import (
    ALL_TRIGGERS_POSTGRES,
    ALL_TRIGGERS_SQLITE,
    ON_POSTGRES,
    as_attacker,
)
from tests.cases.conftest import REASON, open_case
from tests.conftest import make_user, signed_in

pytestmark = pytest.mark.django_db

FILL = importlib.import_module("haven.audit.migrations.0005_fill_audit_districts")


@pytest.fixture
def elsewhere(db):
    """A second district with its own school, auditor and district administrator."""
    other = District.objects.create(name="Far District", slug="far-district")
    school = School.objects.create(district=other, name="Far High", slug="far-high")
    return {
        "district": other,
        "school": school,
        "auditor": make_user("far_auditor", Role.AUDITOR, None, other),
        "admin": make_user("far_admin", Role.DISTRICT_ADMIN, None, other),
    }


def tip_in(district, school=None, n=1):  # type: ignore[no-untyped-def]
    from haven.tips.models import Tip

    return Tip.objects.create(
        district=district,
        school=school,
        category="violence_threat",
        description="He said he would bring a gun.",
        receipt_digest=f"digest-{district.pk}-{n}",
        created_at=timezone.now(),
    )


# --- each event carries its district --------------------------------------------------------------


def test_each_event_carries_the_district_of_what_it_names(people, northside, district, elsewhere):
    about_school = services.record(people["principal"], "view", northside)
    about_tip = services.record(people["admin"], "view", tip_in(elsewhere["district"]))
    by_school_id = services.record(None, "list", ("cases.case", ""), school_id=northside.pk)
    by_actor = services.record(elsewhere["auditor"], "list", ("audit.auditevent", ""))
    nowhere = services.record(None, "sign_in_failed", None)  # two districts: whose is it?
    assert about_school.district_id == district.pk
    assert about_tip.district_id == elsewhere["district"].pk  # the tip's, not the actor's
    assert by_school_id.district_id == district.pk
    assert by_actor.district_id == elsewhere["district"].pk
    assert nowhere.district_id is None
    assert list(services.verify()) == []


def test_in_an_installation_of_one_district_every_event_is_in_it(district):
    assert services.record(None, "key_rotation", None).district_id == district.pk


def test_moving_an_event_to_another_district_breaks_the_chain(people, northside, elsewhere):
    event = services.record(people["principal"], "view", northside)
    services.record(people["principal"], "view", northside)
    as_attacker(
        "UPDATE audit_auditevent SET district_id = %s WHERE seq = %s",
        [elsewhere["district"].pk, event.seq],
    )
    assert list(services.verify()) == [
        services.Break(event.seq, f"event #{event.seq} was altered after it was written")
    ]


# --- reading the log ------------------------------------------------------------------------------


def test_an_auditor_reads_only_their_own_districts_events_break_glass_reasons_included(
    people, roster, northside, elsewhere
):
    case = open_case(people, northside, roster["maya"])
    cases.break_glass(people["principal"], case, "clinical", REASON)
    ours = AuditEvent.objects.get(action="break_glass")
    far_event = services.record(elsewhere["admin"], "view", elsewhere["school"])
    for name in ("far_auditor", "far_admin"):
        client = signed_in(elsewhere[name.removeprefix("far_")])
        page = client.get("/audit/?action=break_glass").content.decode()
        assert REASON not in page, name
        listed = client.get("/api/v1/audit").json()
        assert ours.seq not in {e["seq"] for e in listed}, name
        assert far_event.seq in {e["seq"] for e in listed}, name
        assert REASON not in str(listed)
        assert all(e["district_id"] == elsewhere["district"].pk for e in listed)
        assert break_glass_card(elsewhere[name.removeprefix("far_")]) == "0", name
    for name in ("auditor", "admin"):
        client = signed_in(people[name])
        assert REASON in client.get("/audit/?action=break_glass").content.decode(), name
        listed = client.get("/api/v1/audit").json()
        assert ours.seq in {e["seq"] for e in listed} and far_event.seq not in {
            e["seq"] for e in listed
        }
        assert break_glass_card(people[name]) == "1", name


def break_glass_card(user) -> str:  # type: ignore[no-untyped-def]
    """The home page's count of emergency accesses on record, as ``user`` sees it."""
    from haven.home.cards import home_cards

    [card] = [c for c in home_cards(user, None) if c.title == "Emergency accesses on record"]
    return card.value


# --- events written before districts were recorded ------------------------------------------------


def legacy(**fields) -> AuditEvent:  # type: ignore[no-untyped-def]
    """An event as Haven wrote it before events recorded their district: chained without one."""
    with transaction.atomic():
        head, _ = ChainHead.objects.select_for_update().get_or_create(id=1)
        event = AuditEvent(
            seq=head.seq + 1,
            at=timezone.now(),
            actor_label=fields["actor"].get_username() if fields.get("actor") else "system",
            action="view",
            prev_digest=head.digest,
            **fields,
        )
        values = {name: getattr(event, name) for name in services._CHAINED}
        event.digest = services._digest(crypto.audit_key(), values, district=False)
        event.save(force_insert=True)
        head.seq, head.digest = event.seq, event.digest
        head.save()
    return event


def fill() -> None:
    FILL.fill(apps, SimpleNamespace(connection=connection))


def test_old_events_get_their_district_from_what_they_name_and_still_verify(
    people, northside, district, elsewhere
):
    tip = tip_in(elsewhere["district"])
    by_school = legacy(school_id=northside.pk, object_type="core.school", object_id="x")
    by_object = legacy(object_type="tips.tip", object_id=str(tip.pk))
    by_actor = legacy(actor=elsewhere["auditor"], object_type="audit.auditevent")
    unknown = legacy(object_type="accounts.user", object_id="999")
    assert list(services.verify()) == []

    fill()

    filled = dict(AuditEvent.objects.values_list("seq", "district_id"))
    assert filled == {
        by_school.seq: district.pk,
        by_object.seq: elsewhere["district"].pk,
        by_actor.seq: elsewhere["district"].pk,
        unknown.seq: None,  # two districts, nothing to tell which
    }
    expected = ALL_TRIGGERS_POSTGRES if ON_POSTGRES else ALL_TRIGGERS_SQLITE
    assert triggers.installed(connection) == expected  # put back after the fill
    services.record(
        people["principal"], "view", northside
    )  # a new event, chained with its district
    walk = services.verify()
    assert list(walk) == []
    assert (walk.events, walk.unchained_districts) == (5, 4)
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert "4 events were written before events recorded their district" in out.getvalue()
    # the far district's auditor now reads the old events of their district
    listed = signed_in(elsewhere["auditor"]).get("/api/v1/audit").json()
    assert {by_object.seq, by_actor.seq} <= {e["seq"] for e in listed}
    assert by_school.seq not in {e["seq"] for e in listed}


def test_in_one_district_every_old_event_is_filled_in(district):
    event = legacy(object_type="accounts.user", object_id="1")
    fill()
    assert AuditEvent.objects.get(pk=event.pk).district_id == district.pk
    assert list(services.verify()) == []


def test_an_old_event_whose_district_is_changed_is_not_caught_but_counted(northside, elsewhere):
    """What the chain cannot vouch for: the district filled in for an old event. verify() says how
    many such events there are; a new event's district is covered (test above)."""
    event = legacy(school_id=northside.pk)
    fill()
    as_attacker(
        "UPDATE audit_auditevent SET district_id = %s WHERE seq = %s",
        [elsewhere["district"].pk, event.seq],
    )
    walk = services.verify()
    assert list(walk) == [] and walk.unchained_districts == 1
