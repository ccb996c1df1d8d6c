"""Training fixtures: the shipped modules loaded, and a requirement assigning the pathway module
to every role at the test district's schools."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from haven.training import content, services
from haven.training.models import Module, Requirement


@pytest.fixture
def modules(db) -> dict[str, Module]:
    return {m.slug: m for m in content.load_folder(content.SHIPPED)}


def require(district: Any, module: Module | None, **fields: Any) -> Requirement:
    fields.setdefault("due", Requirement.Due.FIXED)
    if fields["due"] == Requirement.Due.FIXED:
        fields.setdefault("due_on", dt.date(2027, 3, 1))
    schools = fields.pop("schools", [])
    req = Requirement.objects.create(
        district=district, name=fields.pop("name", f"{module} required"), module=module, **fields
    )
    req.schools.set(schools)
    services.sync_assignments(district)
    return req


@pytest.fixture
def pathway_required(people, district, modules) -> Requirement:
    return require(district, modules["pathway-to-violence"])


def answers(module: Module, kind: str = "post", right: int | None = None) -> dict[str, str]:
    """Answers to a test: the first ``right`` right, the rest wrong (all right when None)."""
    out = {}
    for position, q in enumerate(services.questions_for(module, kind)):
        wrong = next(c["id"] for c in q.choices if c["id"] != q.correct)
        out[q.key] = q.correct if right is None or position < right else wrong
    return out
