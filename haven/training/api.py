"""Training through the API: the modules, one module with its post-test (never the answers),
taking a test, the caller's assignments, and a school's compliance.

The contract (docs/training.md) is relied on by checks outside Haven: keep the field names.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import get_language
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from haven.access import policy
from haven.core.models import School
from haven.training import services
from haven.training.models import Module
from haven.web.requests import SignedInRequest

router = Router(tags=["training"])

Language = Literal["en", "es"]


class ModuleOut(Schema):
    slug: str
    title: str
    minutes: int
    languages: list[str]
    source: str
    licence: str
    version: str


class ChoiceOut(Schema):
    id: str
    text: str


class QuestionOut(Schema):
    id: str
    text: str
    choices: list[ChoiceOut]


class ModuleSectionOut(Schema):
    heading: str
    body: str = Field(..., description="Markdown (the subset in docs/training.md)")


class ModuleDetailOut(ModuleOut):
    language: str
    summary: str
    sections: list[ModuleSectionOut]
    questions: list[QuestionOut] = Field(..., description="The post-test, without the answers")


class AttemptIn(Schema):
    kind: Literal["pre", "post"]
    answers: dict[str, str] = Field(..., description='{"<question id>": "<choice id>", …}')


class FeedbackOut(Schema):
    question: str
    correct_choice: str
    why: str


class AttemptOut(Schema):
    score: float = Field(..., ge=0.0, le=1.0)
    passed: bool
    feedback: list[FeedbackOut]


class AssignmentOut(Schema):
    module: str | None = Field(..., description="Module slug; null for an hours requirement")
    requirement: str
    school: str | None
    status: Literal["not_started", "in_progress", "done", "overdue", "expiring"]
    due: dt.date | None
    completed_at: dt.datetime | None


class ComplianceRoleOut(Schema):
    role: str
    assigned: int
    done: int
    overdue: int
    percent: float


class ComplianceOut(Schema):
    school: str
    target: int
    roles: list[ComplianceRoleOut]


def _language(lang: str | None) -> str:
    if lang:
        return lang
    current = (get_language() or "en")[:2]
    return current if current in ("en", "es") else "en"


def _require_learner(request: SignedInRequest) -> None:
    if not (policy.may_take_training(request.user) or policy.may_oversee_training(request.user)):
        raise PermissionDenied("Training is for staff with a role at a school.")


def _found(slug: str) -> Module:
    module = services.module(slug)
    if module is None:
        raise Http404
    return module


def _summary(module: Module, language: str) -> dict:
    return {
        "slug": module.slug,
        "title": services.text_of(module, language).title,
        "minutes": module.minutes,
        "languages": module.languages,
        "source": module.source,
        "licence": module.licence,
        "version": module.version,
    }


@router.get("/modules", response=list[ModuleOut], url_name="training_modules")
def list_modules(request: SignedInRequest, lang: Language | None = None):
    """Every active module (titles in ``lang``, else the caller's language)."""
    _require_learner(request)
    language = _language(lang)
    return [_summary(m, language) for m in services.modules()]


@router.get("/modules/{slug}", response=ModuleDetailOut, url_name="training_module")
def get_module(request: SignedInRequest, slug: str, lang: Language | None = None):
    """A module's sections and its post-test questions (never which answer is right)."""
    _require_learner(request)
    module = _found(slug)
    language = _language(lang)
    text = services.text_of(module, language)
    return {
        **_summary(module, language),
        "language": text.language,
        "summary": text.summary,
        "sections": text.sections,
        "questions": [
            {
                "id": q.key,
                "text": services.in_language(q.text, language),
                "choices": [
                    {"id": c["id"], "text": services.in_language(c["text"], language)}
                    for c in q.choices
                ],
            }
            for q in services.questions_for(module, "post")
        ],
    }


@router.post(
    "/modules/{slug}/attempts",
    response={201: AttemptOut},
    url_name="training_attempts",
)
def take_test(
    request: SignedInRequest, slug: str, payload: AttemptIn, lang: Language | None = None
):
    """Answer a module's pre- or post-test in one step. 201 with the score, whether it passed and
    the right answers with why; a passed post-test completes the module for the caller. 403 for a
    module not assigned to the caller, 409 while an attempt begun on the page is in progress,
    422 naming an unknown question or choice (nothing is recorded then)."""
    _require_learner(request)
    module = _found(slug)
    try:
        attempt, _completion = services.submit(request.user, module, payload.kind, payload.answers)
    except services.AttemptInProgress as exc:
        raise HttpError(409, str(exc)) from None
    language = _language(lang)
    return Status(
        201,
        {
            "score": attempt.score,
            "passed": attempt.passed,
            "feedback": [
                {"question": f.question, "correct_choice": f.correct_choice, "why": f.why}
                for f in services.feedback(attempt, language)
            ],
        },
    )


@router.get("/me", response=list[AssignmentOut], url_name="training_me")
def my_assignments(request: SignedInRequest):
    """The caller's own assignments and where each stands today."""
    _require_learner(request)
    return [
        {
            "module": row.assignment.requirement.module.slug
            if row.assignment.requirement.module
            else None,
            "requirement": row.assignment.requirement.name,
            "school": row.assignment.school.slug if row.assignment.school else None,
            "status": row.standing.status,
            "due": row.standing.due,
            "completed_at": row.standing.completed_at,
        }
        for row in services.my_rows(request.user)
    ]


@router.get("/compliance", response=ComplianceOut, url_name="training_compliance")
def compliance(request: SignedInRequest, school: str = Query(..., description="School slug")):  # type: ignore[type-arg]
    """Completion per role at a school: people assigned, done (every assignment), overdue (any),
    and the percentage done, against the district's target. A school administrator: their
    schools; a district administrator: every school of the district; anyone else: 403, and a
    school the caller does not oversee: 404."""
    if not policy.may_oversee_training(request.user):
        raise PermissionDenied("Only those who oversee training see compliance.")
    found = School.objects.filter(slug=school).first()
    if found is None or not policy.may_oversee_training(request.user, found):
        raise Http404
    data = services.compliance(request.user, found)
    return {
        "school": found.slug,
        "target": data["target"],
        "roles": [
            {
                "role": c.role,
                "assigned": c.assigned,
                "done": c.done,
                "overdue": c.overdue,
                "percent": c.percent,
            }
            for c in data["roles"]
        ],
    }
