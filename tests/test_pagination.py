"""Every list of the API pages the same way (``haven.api.page``): an absurd ``limit`` is cut to the
list's most, an absurd ``offset`` is an empty page, never a 500 — found by walking the API's own
description, so a new list is tried without being named here."""

from __future__ import annotations

from typing import Any

import pytest

from haven.api import api
from haven.web.api import MAX_OFFSET, page
from tests.conftest import signed_in

HUGE = 2**64
VALUES = [HUGE, 2**63, -HUGE, 0]


def _list_operations() -> list[tuple[str, list[str]]]:
    """(path, its integer query parameters) of every GET answering a JSON list."""
    document = api.get_openapi_schema(path_prefix="/api/v1")
    found = []
    for path, operations in document["paths"].items():
        operation = operations.get("get")
        if operation is None:
            continue
        schema = operation["responses"].get(200, {}).get("content", {})
        schema = schema.get("application/json", {}).get("schema", {})
        if schema.get("type") != "array":
            continue
        integers = [
            p["name"]
            for p in operation.get("parameters", [])
            if p["in"] == "query" and p.get("schema", {}).get("type") == "integer"
        ]
        found.append((path, integers))
    return found


LISTS = _list_operations()
PAGED = [(path, params) for path, params in LISTS if "limit" in params]


def test_the_lists_are_found():
    paths = {path for path, _ in PAGED}
    assert {"/api/v1/students", "/api/v1/cases", "/api/v1/tips", "/api/v1/visits"} <= paths
    assert {p for path, params in PAGED for p in params if p == "offset"}


def _url(path: str, world: dict[str, Any]) -> str:
    return path.replace("{case_id}", str(world["case"].pk)).replace("{int:pk}", "1")


@pytest.fixture
def world(people, roster):
    from haven.cases import services as cases
    from haven.emergencies.alerts import services as emergencies

    case = cases.open_case(
        people["principal"], school=roster["maya"].school, type="threat", student=roster["maya"]
    )
    emergencies.raise_incident(people["principal"], roster["maya"].school, "lockdown")
    return {**people, **roster, "case": case}


@pytest.mark.parametrize(("path", "params"), PAGED, ids=[path for path, _ in PAGED])
@pytest.mark.parametrize("value", VALUES)
def test_absurd_limits_and_offsets_are_clamped(world, path, params, value):
    client = signed_in(world["admin"])  # sees every list of the district
    query = "&".join(f"{name}={value}" for name in params)
    response = client.get(f"{_url(path, world)}?{query}")
    assert response.status_code == 200, response.content[:300]
    rows = response.json()
    assert isinstance(rows, list)
    if "offset" in params and value > 0:
        assert rows == [], "an offset past every row is an empty page"


def test_a_page_is_in_bounds():
    assert page(HUGE, HUGE, most=500) == slice(MAX_OFFSET, MAX_OFFSET + 500)
    assert page(-HUGE, -HUGE, most=500) == slice(0, 1)
    assert page(20, 40, most=500) == slice(40, 60)
    assert MAX_OFFSET + 1000 < 2**63  # the database holds every bound a page can have
