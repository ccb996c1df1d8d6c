"""Who may use each report route, in the shape of the rows of tests/test_permissions.py (the
shared table, to which these rows are to be ported): anonymous, an outsider (a counsellor at the
other school), a member of the school without the role (a teacher, a front-desk clerk), and one
with it (the school's principal; the district administrator everywhere)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver

from tests.conftest import signed_in


@dataclass(frozen=True)
class Route:  # the same fields as the shared table's Route
    url: Callable[[dict[str, Any]], str]
    member_with: str
    member_without: str | None
    outsider: int
    method: str = "get"
    ok: int = 200
    api: bool = False
    without: int = 404


PAGES: dict[str, Route] = {
    "reports:index": Route(lambda w: "/reports/", "principal", "teacher", 403, without=403),
    "reports:report": Route(lambda w: "/reports/tips/", "principal", "teacher", 403, without=403),
    "reports:pdf": Route(
        lambda w: "/reports/cases/report.pdf", "principal", "teacher", 403, without=403
    ),
    "reports:csv": Route(
        lambda w: "/reports/drills/by-status.csv", "principal", "teacher", 403, without=403
    ),
}
API: dict[str, Route] = {
    "api:tips_report": Route(
        lambda w: "/api/v1/reports/tips", "principal", "teacher", 403, api=True, without=403
    ),
    "api:cases_report": Route(
        lambda w: "/api/v1/reports/cases", "principal", "teacher", 403, api=True, without=403
    ),
    "api:drills_report": Route(
        lambda w: "/api/v1/reports/drills", "principal", "teacher", 403, api=True, without=403
    ),
}
TABLE = {**PAGES, **API}


def _names(patterns: list[Any], namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            prefix = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _names(pattern.url_patterns, prefix)
        elif pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_report_route_is_in_this_table():
    routes = {n for n in _names(get_resolver().url_patterns) if n.startswith("reports:")} | {
        n for n in _names(get_resolver().url_patterns) if n.endswith("_report")
    }
    assert routes == set(TABLE)


@pytest.fixture
def world(people, roster):
    return {**people, **roster}


@pytest.mark.parametrize("name", sorted(TABLE))
def test_anonymous_is_sent_to_sign_in(world, name):
    route = TABLE[name]
    response = Client().get(route.url(world))
    if route.api:
        assert response.status_code == 401
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/sign-in/")


@pytest.mark.parametrize("name", sorted(TABLE))
def test_outsider_from_the_other_school(world, name):
    route = TABLE[name]
    assert signed_in(world["outsider"]).get(route.url(world)).status_code == route.outsider


@pytest.mark.parametrize("who", ["teacher", "frontdesk", "coordinator", "team_member", "sro"])
@pytest.mark.parametrize("name", sorted(TABLE))
def test_members_without_the_role_are_refused(world, name, who):
    route = TABLE[name]
    assert signed_in(world[who]).get(route.url(world)).status_code == route.without


@pytest.mark.parametrize("who", ["principal", "principal2", "admin"])
@pytest.mark.parametrize("name", sorted(TABLE))
def test_administrators_get_in(world, name, who):
    route = TABLE[name]
    assert signed_in(world[who]).get(route.url(world)).status_code == route.ok


def test_a_principal_sees_only_their_school(world):
    body = signed_in(world["principal"]).get("/api/v1/reports/drills").json()
    assert {row["school"] for row in body["rows"]} <= {"northside-high"}
    schools = signed_in(world["principal"]).get("/reports/tips/").content.decode()
    assert "Riverside Middle School" not in schools
    district = signed_in(world["admin"]).get("/reports/tips/").content.decode()
    assert "Riverside Middle School" in district and "Northside High School" in district
