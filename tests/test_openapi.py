"""The API's OpenAPI document holds together: every reference resolves, no two models share a name,
every operation is unique and says what it takes (body, headers) and how it fails (4xx)."""

from __future__ import annotations

import collections
import json
import re
from pathlib import Path
from typing import Any

import ninja
import pytest

from haven.api import api

#: Operations that take no body (everything else that is a POST describes its body).
NO_BODY = {
    "/api/v1/tips/{tip_id}/acknowledge",
    "/api/v1/incidents/{pk}/acknowledge",
    "/api/v1/visits/{pk}/sign-out",
    "/api/v1/cases/{case_id}/assessments/{assessment_id}/steps/{step_key}/close",
}
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    # Through JSON, as a client reads it (the status keys become strings).
    return json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1")))


def _refs(node: Any, where: str = "#") -> list[tuple[str, str]]:
    if isinstance(node, dict):
        found = [(where, node["$ref"])] if isinstance(node.get("$ref"), str) else []
        for key, value in node.items():
            found += _refs(value, f"{where}/{key}")
        return found
    if isinstance(node, list):
        return [ref for i, value in enumerate(node) for ref in _refs(value, f"{where}/{i}")]
    return []


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"{ref}: only references inside the document"
    node: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"{ref} does not resolve"
        node = node[part]
    return node


def _operations(document: dict[str, Any]):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method in METHODS:
                yield path, method, operation


def test_every_reference_resolves(document):
    refs = _refs(document)
    assert refs, "the document references its components"
    unresolved = []
    for where, ref in refs:
        try:
            _resolve(document, ref)
        except AssertionError:
            unresolved.append(f"{where}: {ref}")
    assert not unresolved


def test_no_two_models_share_a_name():
    """django-ninja names a component after its model's class, and a second model of the same
    name silently replaces the first in the document."""
    by_name: dict[str, set[str]] = collections.defaultdict(set)

    def walk(cls: type) -> None:
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("haven."):
                by_name[sub.__name__].add(f"{sub.__module__}.{sub.__qualname__}")
            walk(sub)

    walk(ninja.Schema)
    assert by_name, "the API's models were found"
    assert {name: where for name, where in by_name.items() if len(where) > 1} == {}


def test_components_are_what_their_names_say(document):
    from haven.core.api import StudentOut

    schemas = document["components"]["schemas"]
    assert set(schemas["StudentOut"]["properties"]) == set(StudentOut.model_fields)
    assert "Error" in schemas


def test_the_document_is_well_formed(document):
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] and document["info"]["version"]
    ids = [operation["operationId"] for _, _, operation in _operations(document)]
    assert len(ids) == len(set(ids)), "operation ids are unique"
    for path, method, operation in _operations(document):
        declared = set(re.findall(r"{([^}]+)}", path))
        parameters = operation.get("parameters", [])
        in_path = {p["name"] for p in parameters if p["in"] == "path"}
        assert declared == in_path, f"{method} {path}: path parameters {declared} vs {in_path}"
        for parameter in parameters:
            assert parameter["in"] in {"query", "header", "path", "cookie"}
            assert parameter["name"] and "schema" in parameter, f"{method} {path}: {parameter}"
        assert operation["responses"], f"{method} {path} has no answers"
        for status, answer in operation["responses"].items():
            assert re.fullmatch(r"[1-5]\d\d", status), f"{method} {path}: status {status}"
            assert answer.get("description"), f"{method} {path} {status}: no description"


def test_every_operation_documents_its_errors(document):
    for path, method, operation in _operations(document):
        errors = {s for s in operation["responses"] if s.startswith("4")}
        assert errors, f"{method} {path}: no 4xx answer described"
        if operation.get("security"):
            assert {"401", "403", "404"} <= errors, f"{method} {path}"
        if "requestBody" in operation:
            assert {"400", "422"} <= errors, f"{method} {path}"


def test_every_request_body_is_described(document):
    missing = []
    for path, method, operation in _operations(document):
        if method == "get" or path in NO_BODY:
            assert "requestBody" not in operation or method != "get", path
            continue
        body = operation.get("requestBody")
        if not body or not body.get("content"):
            missing.append(f"{method} {path}")
            continue
        for media, content in body["content"].items():
            schema = content.get("schema", {})
            if "$ref" in schema:
                schema = _resolve(document, schema["$ref"])
            assert schema.get("properties"), f"{method} {path} {media}: an empty schema"
    assert not missing, f"describe the body of: {missing}"
    tip = document["paths"]["/api/v1/public/tips"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(tip)
    assert "description" in tip["application/json"]["schema"]["properties"]


def test_every_header_read_is_described(document):
    """A header an API module reads (``HTTP_X_…`` in request.META) is a documented parameter."""
    sources = Path(__file__).resolve().parent.parent / "haven"
    read = set()
    for module in sources.glob("**/api*.py"):
        for name in re.findall(r'"HTTP_(X_[A-Z_]+)"', module.read_text(encoding="utf-8")):
            read.add(name.replace("_", "-").lower())
    assert "x-haven-receipt" in read
    described = {
        parameter["name"].lower()
        for _, _, operation in _operations(document)
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "header"
    }
    assert read <= described
    for path in ("/api/v1/public/tips/mine", "/api/v1/public/tips/mine/messages"):
        for operation in document["paths"][path].values():
            names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
            assert "X-Haven-Receipt" in names, path


def test_the_document_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "404" in response.json()["paths"]["/api/v1/students/{student_id}"]["get"]["responses"]
