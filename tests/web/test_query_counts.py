"""Query-count baselines per list route (NetBox's ``query_counts`` idea).

Every list of the permission table (tests/test_permissions.py: a GET page or API operation that is
not about one record, ``own_school``) is read by a member with the right, first with ``FEW`` rows
of what it lists and then with ``3 * FEW``. The number of SQL queries must not grow with the rows
(no N+1), and must stay at or under the baseline recorded in ``query_counts.json`` for the
database in use. A new list route fails here until it has a baseline.

To record or update baselines, run this module alone, without xdist, with the variable set::

    UPDATE_QUERY_COUNTS=1 pytest tests/web/test_query_counts.py -n 0
    UPDATE_QUERY_COUNTS=1 DATABASE_URL=postgres://… pytest tests/web/test_query_counts.py -n 0

and review the diff of ``query_counts.json``: a higher number needs a reason in the commit. A
route whose rows cannot be made here (a form, a report of figures) has ``"rows": null`` — its
count is still held to the baseline. A known N+1 not fixed yet carries a ``"grows"`` note saying
why; it is held to its count for ``3 * FEW`` rows as well, and fails once it stops growing so that
the note goes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import make_user, signed_in
from tests.test_permissions import API, PAGES, Route, _call, member_with

pytestmark = pytest.mark.django_db

BASELINES = Path(__file__).with_name("query_counts.json")
UPDATE = os.environ.get("UPDATE_QUERY_COUNTS") == "1"
#: Rows made before the first count; the second count has three times as many.
FEW = 2

World = dict[str, Any]


def list_routes() -> dict[str, Route]:
    """The permission table's lists: GET routes not about one record."""
    found = {}
    for kind, table in (("page", PAGES), ("api", API)):
        for name, route in table.items():
            if route.method == "get" and route.own_school:
                found[f"{kind} {name}"] = route
    return found


LISTS = list_routes()


# --- the rows each list shows ---------------------------------------------------------------------


def _school(world: World) -> Any:
    return world["maya"].school


def _students(world: World, start: int, count: int) -> None:
    from haven.core.models import Enrollment, Student

    for n in range(start, start + count):
        student = Student.objects.create(
            school=_school(world),
            given_name=f"Pupil{n}",
            family_name="Rowe",
            grade="9",
            sourced_id=f"stu-row-{n}",
        )
        Enrollment.objects.create(section=world["english"], student=student)


def _sections(world: World, start: int, count: int) -> None:
    from haven.core.models import Section

    for n in range(start, start + count):
        section = Section.objects.create(
            school=_school(world), title=f"History {n}", sourced_id=f"sec-row-{n}"
        )
        section.teachers.add(*world["english"].teachers.all())


def _audit(world: World, start: int, count: int) -> None:
    from haven.audit import services as audit

    for n in range(start, start + count):
        audit.record(world["principal"], "view", world["maya"], detail={"n": n})


def _people(world: World, start: int, count: int) -> None:
    school = _school(world)
    for n in range(start, start + count):
        make_user(f"staff{n}", "staff", school, school.district)


def _tips(world: World, start: int, count: int) -> None:
    from haven.tips import services

    for n in range(start, start + count):
        services.submit(
            services.TipInput(
                category="bullying",
                description=f"Someone keeps pushing a kid in the hallway ({n}).",
                school=_school(world).slug,
            )
        )


def _signals(world: World, start: int, count: int) -> None:
    from tests.triage.world import HIGH, send

    for n in range(start, start + count):
        send(
            world["principal"],
            f"{HIGH} ({n})",
            observed_at=timezone.now() - dt.timedelta(minutes=n + 1),
        )


def _visits(world: World, start: int, count: int) -> None:
    from tests.visitors.test_services import check_in

    for n in range(start, start + count):
        check_in(world["frontdesk"], _school(world), first=f"Guest{n}", last="Vale")


def _expected(world: World, start: int, count: int) -> None:
    from haven.visitors.models import PreRegistration

    for n in range(start, start + count):
        PreRegistration.objects.create(
            school=_school(world),
            first_name=f"Guest{n}",
            last_name="Vale",
            expected_on=timezone.localdate(),
            purpose="Career day",
            host=world["english"].teachers.first(),
        )


def _watchlist(world: World, start: int, count: int) -> None:
    from haven.visitors.models import WatchlistEntry

    school = _school(world)
    for n in range(start, start + count):
        WatchlistEntry.objects.create(
            district_id=school.district_id,
            school=school,
            kind="trespass",
            first_name=f"Barred{n}",
            last_name="Vale",
        )


def _volunteers(world: World, start: int, count: int) -> None:
    """Volunteers in every state eligibility tells apart, in a district that asks for training."""
    from tests.volunteers.test_list_queries import STATES, make
    from tests.volunteers.world import training

    school = _school(world)
    if start == 0:
        training(school.district)
    for n in range(start, start + count):
        make(STATES[n % len(STATES)], n, school, world["coordinator"])


def _opportunities(world: World, start: int, count: int) -> None:
    from tests.volunteers.world import opportunity

    for n in range(start, start + count):
        opportunity(world["coordinator"], _school(world), days=n + 1, title=f"Shift {n}")


def _training_types(world: World, start: int, count: int) -> None:
    from tests.volunteers.world import training

    for n in range(start, start + count):
        training(_school(world).district, name=f"Course {n}")


def _cases(world: World, start: int, count: int) -> None:
    """Cases of two students, every other one with an overdue follow-up review."""
    from haven.cases import services
    from haven.cases.models import Review

    team = [world[n] for n in ("principal", "counselor", "sro", "team_member")]
    for n in range(start, start + count):
        case = services.open_case(
            world["principal"],
            school=_school(world),
            type="threat",
            summary=f"Concern {n}",
            student=world["maya"] if n % 2 else world["eli"],
            team=team,
        )
        if n % 2:
            Review.objects.create(case=case, due_on=timezone.localdate() - dt.timedelta(days=3))


def _referrals(world: World, start: int, count: int) -> None:
    from haven.cases import services

    for n in range(start, start + count):
        services.refer(
            world["teacher"],
            school=_school(world),
            concern=f"Worried about a student ({n}).",
            student=world["maya"],
        )


def _incidents(world: World, start: int, count: int) -> None:
    from haven.emergencies.alerts import services

    protocols = ("lockdown", "hold", "secure", "shelter", "evacuate")
    for n in range(start, start + count):
        services.raise_incident(
            world["principal"], _school(world), protocols[n % len(protocols)], note=f"Alert {n}"
        )


ROWS: dict[str, Callable[[World, int, int], None]] = {
    "students": _students,
    "sections": _sections,
    "audit": _audit,
    "people": _people,
    "tips": _tips,
    "signals": _signals,
    "visits": _visits,
    "expected": _expected,
    "watchlist": _watchlist,
    "volunteers": _volunteers,
    "opportunities": _opportunities,
    "training_types": _training_types,
    "cases": _cases,
    "referrals": _referrals,
    "incidents": _incidents,
}


# --- counting -------------------------------------------------------------------------------------


def _baselines() -> dict[str, Any]:
    return json.loads(BASELINES.read_text(encoding="utf-8"))


#: What changes from one answer to the next whatever the rows: the form token, a script nonce.
VOLATILE = re.compile(rb'(csrfmiddlewaretoken" value="|nonce="|csrf-token" content=")[^"]*"')


def _count(client: Any, route: Route, world: World) -> tuple[int, bytes]:
    with CaptureQueriesContext(connection) as captured:
        response = _call(client, route, world)
    assert response.status_code == route.ok, response.content[:300]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return len(captured.captured_queries), VOLATILE.sub(rb"\1", body)


def _record(name: str, queries: int, key: str = "queries") -> None:
    data = _baselines()
    data[name].setdefault(key, {})[connection.vendor] = queries
    BASELINES.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


HOW = (
    "UPDATE_QUERY_COUNTS=1 pytest tests/web/test_query_counts.py -n 0 (see this module's docstring)"
)


def test_every_list_route_has_a_baseline_and_no_baseline_is_stale():
    data = _baselines()
    missing = sorted(set(LISTS) - set(data))
    assert not missing, (
        f"lists without a query-count baseline: {missing}; add them to {BASELINES.name} "
        f"with the rows they show, then run {HOW}"
    )
    assert not sorted(set(data) - set(LISTS)), "baselines of routes no longer in the table"
    unknown = {name: e["rows"] for name, e in data.items() if e["rows"] and e["rows"] not in ROWS}
    assert not unknown, f"rows this module cannot make: {unknown}"


@pytest.mark.parametrize("name", sorted(LISTS))
def test_queries_do_not_grow_with_rows_and_stay_within_the_baseline(name, people, roster):
    world: World = {**people, **roster}
    route = LISTS[name]
    entry = _baselines().get(name)
    assert entry is not None, f"{name} has no baseline in {BASELINES.name}; run {HOW}"
    make = ROWS[entry["rows"]] if entry["rows"] else None
    if make:
        make(world, 0, FEW)
    client = signed_in(world[member_with(route)])
    _call(client, route, world)  # the session's first request does one-off work
    few, shown = _count(client, route, world)
    if make:
        make(world, FEW, 2 * FEW)
        many, shown_then = _count(client, route, world)
        # the new rows are in the answer (or in its figures): the count was of a real list
        assert shown_then != shown, f"{name} does not show the {entry['rows']} made here"
        if entry.get("grows"):
            # a known N+1, written down with its reason: held to the count for 3 * FEW rows
            # too, and the note must go once it is fixed
            assert many > few, f"{name} no longer grows with its rows: remove its 'grows' note"
            if UPDATE:
                _record(name, many, "queries_3n")
            else:
                most = entry.get("queries_3n", {}).get(connection.vendor)
                assert most is not None and many <= most, f"{name}: {many} queries; run {HOW}"
        else:
            assert many == few, f"{name}: {few} queries for {FEW} rows, {many} for {3 * FEW} (N+1)"
    if UPDATE:
        _record(name, few)
        return
    baseline = entry.get("queries", {}).get(connection.vendor)
    assert baseline is not None, f"{name} has no baseline for {connection.vendor}; run {HOW}"
    assert few <= baseline, (
        f"{name}: {few} queries, the baseline is {baseline}; fix it or run {HOW}"
    )
