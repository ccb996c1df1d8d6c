"""The district's watchlists at check-in: entries in force are screened, expired, future and
turned-off ones are not; district-wide and school entries; custody restrictions from the roster;
and who may change the list."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from haven.audit.models import AuditEvent
from haven.core.models import GuardianLink
from haven.visitors import watchlists
from haven.visitors.models import WatchlistEntry

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 10)


def entry(district, school=None, **fields) -> WatchlistEntry:
    values = {
        "kind": WatchlistEntry.Kind.BANNED,
        "first_name": "Victor",
        "last_name": "Hale",
        "date_of_birth": "1979-05-12",
        "starts_on": dt.date(2025, 1, 1),
        **fields,
    }
    return WatchlistEntry.objects.create(district=district, school=school, **values)


def screen(school, first="Victor", last="Hale", born=dt.date(1979, 5, 12), typed=False):
    return watchlists.screen(school, first, last, born, dob_typed_by_hand=typed)


@time_machine.travel(dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC))
def test_an_entry_in_force_with_the_same_date_of_birth_is_a_match(district, northside):
    entry(district, northside, aliases="Vic Hale; Victor Hales")
    outcome, [match] = screen(northside)
    assert outcome == "match"
    assert match["source"] == "watchlist:banned" and match["label"] == "Banned person"
    assert match["name"] == "Victor Hale" and match["date_of_birth"] == "1979-05-12"
    assert screen(northside, "Vic", "Hale")[0] == "match"  # an alias (and a nickname)
    assert screen(northside, "Victor", "Hale", dt.date(1990, 1, 1))[0] == "clear"
    assert screen(northside, "Hannah", "Kim")[0] == "clear"


@time_machine.travel(dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC))
def test_an_expired_entry_is_ignored_and_the_last_day_still_counts(district, northside):
    entry(district, northside, expires_on=TODAY)
    assert screen(northside)[0] == "match"
    with time_machine.travel(dt.datetime(2026, 3, 11, 12, tzinfo=dt.UTC)):
        assert timezone.localdate() > TODAY
        assert screen(northside) == ("clear", [])


@time_machine.travel(dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC))
def test_turned_off_and_not_yet_started_entries_are_ignored(district, northside):
    entry(district, northside, active=False)
    entry(
        district,
        northside,
        first_name="Dwayne",
        last_name="Pruitt",
        starts_on=TODAY.replace(day=11),
    )
    assert screen(northside) == ("clear", [])
    assert screen(northside, "Dwayne", "Pruitt")[0] == "clear"


@time_machine.travel(dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC))
def test_a_district_entry_applies_everywhere_a_school_entry_only_there(
    district, northside, riverside
):
    entry(district)  # district-wide
    entry(
        district,
        northside,
        kind=WatchlistEntry.Kind.TRESPASS,
        first_name="Dwayne",
        last_name="Pruitt",
        date_of_birth="1988-08-19",
    )
    assert screen(northside)[0] == screen(riverside)[0] == "match"
    pruitt = ("Dwayne", "Pruitt", dt.date(1988, 8, 19))
    assert screen(northside, *pruitt)[1][0]["label"] == "Trespass order"
    assert screen(riverside, *pruitt)[0] == "clear"


@time_machine.travel(dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC))
def test_an_entry_without_a_date_of_birth_is_at_most_a_possible_match(district, northside):
    entry(district, northside, kind=WatchlistEntry.Kind.ALERT, date_of_birth="")
    outcome, [match] = screen(northside)
    assert outcome == "review" and match["label"] == "Other alert"


def test_custody_restrictions_follow_the_roster(roster, northside):
    outcome, [match] = screen(northside, "Carl", "Lopez", dt.date(1980, 1, 1))
    assert outcome == "review"
    assert match["kind"] == "custody" and match["label"] == "Custody restriction for Maya Lopez"
    assert [link.guardian.given_name for link in watchlists.custody_restrictions(northside)] == [
        "Carl"
    ]
    GuardianLink.objects.filter(guardian=roster["father"]).update(custody_restriction=False)
    assert screen(northside, "Carl", "Lopez", dt.date(1980, 1, 1)) == ("clear", [])


def test_who_may_change_the_watchlist(people, district, northside, riverside):
    school_entry = WatchlistEntry(
        district=district, school=northside, kind="banned", first_name="A", last_name="B"
    )
    for who in ("frontdesk", "teacher", "principal2", "outsider"):
        with pytest.raises(PermissionDenied):
            watchlists.save_entry(people[who], school_entry)
    watchlists.save_entry(people["principal"], school_entry)
    watchlists.save_entry(people["sro"], school_entry)
    district_entry = WatchlistEntry(district=district, kind="alert", first_name="C", last_name="D")
    with pytest.raises(PermissionDenied):
        watchlists.save_entry(
            people["principal"], district_entry
        )  # a school's admin, not the district's
    watchlists.save_entry(people["admin"], district_entry)
    events = AuditEvent.objects.filter(object_type="visitors.watchlistentry")
    assert [e.action for e in events] == ["create", "update", "create"]
    assert events[0].school_id == northside.pk
