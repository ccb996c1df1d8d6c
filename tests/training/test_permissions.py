"""The permission table of every training route: who may use it — anonymous, the outsider (a
counsellor at the other school), a member of the school without the permission, and a member
with it. Rows to port into the generated table of tests/test_permissions.py.

``learner``: the training routes everyone with a role may use for themselves (TRAINING_TAKE);
``overseer``: the principal's and district administrator's (TRAINING_OVERSEE). "nobody" is a
signed-in account with no role at all.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver

from haven.training import services
from haven.training.models import Assignment
from tests.conftest import signed_in
from tests.training.test_status import _pdf
from tests.training.world import answers


@dataclass(frozen=True)
class Row:
    name: str  # the url name (training:…) or the API operation
    url: Callable[[dict[str, Any]], str]
    expect: dict[str, int]  # person -> status
    method: str = "get"
    body: Callable[[dict[str, Any]], Any] | None = None
    json: bool = False


def _world(people: dict[str, Any], modules: dict[str, Any]) -> dict[str, Any]:
    teacher = people["teacher"]
    module = modules["pathway-to-violence"]
    attempt, completion = services.submit(teacher, module, "post", answers(module))
    cert = services.add_certificate(
        teacher,
        teacher,
        kind="qpr",
        issuer="QPR Institute",
        issued_on=dt.date(2026, 1, 1),
        expires_on=None,
        upload=SimpleUploadedFile("cert.pdf", _pdf()),
    )
    return {
        "people": people,
        "module": module,
        "attempt": attempt,
        "completion": completion,
        "cert": cert,
        "assignment": Assignment.objects.get(user=teacher, school__slug="northside-high"),
    }


def _post_answers(w: dict[str, Any]) -> str:
    return json.dumps({"kind": "pre", "answers": answers(w["module"], "pre")})


def _extend_body(w: dict[str, Any]) -> dict[str, str]:
    later = services.today() + dt.timedelta(days=60)
    return {"due": later.isoformat(), "reason": "Leave"}


def _attendance_body(w: dict[str, Any]) -> dict[str, Any]:
    return {
        "school": "northside-high",
        "module": "standard-response-protocol",
        "on": services.today().isoformat(),
        "people": [w["people"]["teacher"].pk],
    }


# Statuses: anonymous, outsider, member without, member with (and "nobody", without any role).
PAGE = {"anonymous": 302, "nobody": 404}
API = {"anonymous": 401, "nobody": 403}
ROWS = [
    Row("training:mine", lambda w: "/training/", {**PAGE, "outsider": 200, "teacher": 200}),
    Row(
        "training:module",
        lambda w: "/training/modules/pathway-to-violence/",
        {**PAGE, "outsider": 200, "teacher": 200},
    ),
    Row(
        "training:start",
        lambda w: "/training/modules/pathway-to-violence/pre/start/",
        {**PAGE, "outsider": 302, "teacher": 302},
        method="post",
    ),
    Row(
        "training:attempt",
        lambda w: f"/training/attempts/{w['attempt'].pk}/",
        {**PAGE, "outsider": 404, "principal": 404, "teacher": 200},
    ),
    Row(
        "training:transcript",
        lambda w: "/training/transcript/",
        {**PAGE, "outsider": 200, "teacher": 200},
    ),
    Row(
        "training:person",
        lambda w: f"/training/people/{w['people']['teacher'].pk}/",
        {
            **PAGE,
            "outsider": 404,
            "counselor": 404,
            "principal2": 404,
            "principal": 200,
            "admin": 200,
        },
    ),
    Row(
        "training:certificate",
        lambda w: f"/training/certificates/{w['completion'].pk}.pdf",
        {**PAGE, "outsider": 404, "counselor": 404, "teacher": 200, "principal": 200},
    ),
    Row(
        "training:add_external",
        lambda w: "/training/external/",
        {**PAGE, "outsider": 422, "teacher": 422},
        method="post",
    ),
    Row(
        "training:external_file",
        lambda w: f"/training/external/{w['cert'].pk}/",
        {**PAGE, "outsider": 404, "counselor": 404, "teacher": 200, "principal": 200},
    ),
    Row(
        "training:dashboard",
        lambda w: "/training/dashboard/?school=northside-high",
        {
            **PAGE,
            "outsider": 404,
            "counselor": 404,
            "teacher": 404,
            "principal": 200,
            "admin": 200,
            "principal2": 404,
        },
    ),
    Row(
        "training:dashboard_csv",
        lambda w: "/training/dashboard.csv?school=northside-high",
        {**PAGE, "outsider": 404, "counselor": 404, "principal": 200, "admin": 200},
    ),
    Row(
        "training:certification_pdf",
        lambda w: "/training/certification.pdf",
        {**PAGE, "outsider": 404, "counselor": 404, "principal": 200, "admin": 200},
    ),
    Row(
        "training:extend",
        lambda w: f"/training/assignments/{w['assignment'].pk}/extend/",
        {
            **PAGE,
            "outsider": 404,
            "counselor": 404,
            "principal2": 404,
            "principal": 302,
            "admin": 302,
        },
        method="post",
        body=_extend_body,
    ),
    Row(
        "training:attendance",
        lambda w: "/training/attendance/",
        {
            **PAGE,
            "outsider": 404,
            "counselor": 404,
            "teacher": 404,
            "principal2": 404,
            "principal": 302,
            "admin": 302,
        },
        method="post",
        body=_attendance_body,
    ),
    Row(
        "api:training_modules",
        lambda w: "/api/v1/training/modules",
        {**API, "outsider": 200, "teacher": 200, "auditor": 403},
    ),
    Row(
        "api:training_module",
        lambda w: "/api/v1/training/modules/pathway-to-violence",
        {**API, "outsider": 200, "teacher": 200},
    ),
    Row(
        "api:training_attempts",
        lambda w: "/api/v1/training/modules/pathway-to-violence/attempts",
        {**API, "outsider": 201, "teacher": 201},
        method="post",
        body=_post_answers,
        json=True,
    ),
    Row(
        "api:training_me", lambda w: "/api/v1/training/me", {**API, "outsider": 200, "teacher": 200}
    ),
    Row(
        "api:training_compliance",
        lambda w: "/api/v1/training/compliance?school=northside-high",
        {
            **API,
            "outsider": 403,
            "counselor": 403,
            "teacher": 403,
            "principal2": 404,
            "principal": 200,
            "admin": 200,
        },
    ),
]


def _cases() -> list[tuple[Row, str, int]]:
    return [(row, who, status) for row in ROWS for who, status in row.expect.items()]


@pytest.mark.parametrize(
    ("row", "who", "status"),
    _cases(),
    ids=[f"{row.name}-{who}" for row, who, _ in _cases()],
)
def test_training_permission_table(client, people, modules, pathway_required, row, who, status):
    world = _world(people, modules)
    caller = client if who == "anonymous" else signed_in(people[who])
    url = row.url(world)
    if row.method == "get":
        response = caller.get(url)
    elif row.json:
        response = caller.post(url, data=row.body(world), content_type="application/json")
    else:
        response = caller.post(url, row.body(world) if row.body else {})
    assert response.status_code == status, (row.name, who, response.content[:300])


def _training_routes() -> set[str]:
    names = set()

    def walk(patterns: Any, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, f"{prefix}{p.namespace}:" if p.namespace else prefix)
            elif isinstance(p, URLPattern) and p.name:
                names.add(prefix + p.name)

    walk(get_resolver().url_patterns, "")
    return {n for n in names if n.startswith("training:") or n.startswith("api:training_")}


def test_every_training_route_is_in_the_table():
    assert _training_routes() == {row.name for row in ROWS}
