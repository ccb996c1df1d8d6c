"""The generated permission table: every page and API endpoint, tried as anonymous, as an outsider
from the other school, as a member of the school without the role, and as a member with it.

A route missing from the table (or from PUBLIC) fails the suite, so a new view cannot ship without
saying who may reach it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import signed_in


@dataclass(frozen=True)
class Route:
    url: Callable[[dict[str, Any]], str]
    member_with: str  # a person who may use it
    member_without: (
        str | None
    )  # a member of the same school without the role (None: every member may)
    outsider: int  # status for the outsider from the other school (404: the record is not theirs)
    method: str = "get"
    ok: int = 200  # status for member_with
    api: bool = False
    without: int = 404  # status for member_without (an API list answers 200 with no rows)


def _student(world: dict[str, Any]) -> str:
    return str(world["maya"].pk)


def _section(world: dict[str, Any]) -> str:
    return str(world["english"].pk)


PAGES: dict[str, Route] = {
    "home": Route(lambda w: "/", "teacher", None, 200),
    "core:students": Route(lambda w: "/roster/students/", "counselor", "coordinator", 200),
    "core:student": Route(
        lambda w: f"/roster/students/{_student(w)}/", "counselor", "coordinator", 404
    ),
    "core:sections": Route(lambda w: "/roster/classes/", "teacher", "coordinator", 200),
    "core:section": Route(
        lambda w: f"/roster/classes/{_section(w)}/", "teacher", "coordinator", 404
    ),
    "audit:log": Route(lambda w: "/audit/", "auditor", "principal", 404),
    "notify:inbox": Route(lambda w: "/notifications/", "teacher", None, 200),
    "notify:unread": Route(lambda w: "/notifications/unread.json", "teacher", None, 200),
    "notify:mark_read": Route(lambda w: "/notifications/read/", "teacher", None, 302, "post", 302),
    "accounts:switch_school": Route(
        lambda w: "/accounts/school/", "teacher", None, 302, "post", 302
    ),
    "accounts:logout": Route(lambda w: "/accounts/sign-out/", "teacher", None, 302, "post", 302),
}

API: dict[str, Route] = {
    "api:me": Route(lambda w: "/api/v1/me", "teacher", None, 200, api=True),
    "api:schools": Route(lambda w: "/api/v1/schools", "teacher", None, 200, api=True),
    "api:students": Route(
        lambda w: "/api/v1/students", "counselor", "coordinator", 200, api=True, without=200
    ),
    "api:student": Route(
        lambda w: f"/api/v1/students/{_student(w)}", "counselor", "coordinator", 404, api=True
    ),
    "api:sections": Route(
        lambda w: "/api/v1/sections", "teacher", "coordinator", 200, api=True, without=200
    ),
    "api:events": Route(lambda w: "/api/v1/audit", "auditor", "principal", 404, api=True),
}

#: Reachable without signing in, on purpose.
PUBLIC = {
    "healthz",
    "accounts:login",
    "set_language",
    "api:openapi-json",
    "api:openapi-view",
    "api:api-root",
    # The sign-in steps themselves: they require a signed-in user and redirect anyone else.
    "accounts:verify",
    "accounts:enroll",
}


def _route_names(patterns: list[Any], namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":  # superusers only, behind the same sign-in
                continue
            prefix = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _route_names(pattern.url_patterns, prefix)
        elif isinstance(pattern, URLPattern):
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_route_is_in_the_permission_table():
    routes = _route_names(get_resolver().url_patterns)
    missing = routes - set(PAGES) - set(API) - PUBLIC
    assert not missing, f"add these routes to tests/test_permissions.py: {sorted(missing)}"
    stale = (set(PAGES) | set(API) | PUBLIC) - routes
    assert not stale, f"the table names routes that no longer exist: {sorted(stale)}"


TABLE = {**PAGES, **API}


def _call(client: Any, route: Route, world: dict[str, Any]):
    url = route.url(world)
    if route.method == "post":
        return client.post(url, {"next": "/"})
    return client.get(url)


@pytest.fixture
def world(people, roster):
    return {**people, **roster}


@pytest.mark.parametrize("name", sorted(TABLE))
def test_anonymous_is_sent_to_sign_in(client, world, name):
    route = TABLE[name]
    response = _call(client, route, world)
    if route.api:
        assert response.status_code == 401
        assert "detail" in response.json()
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/sign-in/")


@pytest.mark.parametrize("name", sorted(TABLE))
def test_outsider_from_the_other_school(world, name):
    route = TABLE[name]
    response = _call(signed_in(world["outsider"]), route, world)
    assert response.status_code == route.outsider


@pytest.mark.parametrize("name", sorted(n for n, r in TABLE.items() if r.member_without))
def test_member_without_the_role_sees_nothing(world, name):
    route = TABLE[name]
    response = _call(signed_in(world[route.member_without]), route, world)
    assert response.status_code == route.without
    if route.without == 200:
        assert response.json() == []


@pytest.mark.parametrize("name", sorted(TABLE))
def test_member_with_the_role_gets_in(world, name):
    route = TABLE[name]
    response = _call(signed_in(world[route.member_with]), route, world)
    assert response.status_code == route.ok


@pytest.mark.parametrize("name", ["core:students", "api:students", "core:sections", "api:sections"])
def test_outsider_lists_never_show_the_other_schools_students(world, name):
    body = _call(signed_in(world["outsider"]), TABLE[name], world).content.decode()
    assert "Maya" not in body and "Brooks" not in body
