"""Assessment models as data: the JSON format, its validation, and loading it into rows.

CSTAG (``data/cstag.json``) is the model shipped and used by default; NTAC's investigative themes
(``data/ntac.json``) are shipped as a guide. A district adds its state's model (Salem-Keizer levels,
a state form) by writing a file in the same format and loading it with ``haven
load-assessment-model FILE`` (or the admin); no code changes.

The format (``"format": 1``)::

    {"slug", "version", "name", "kind": "decision_tree" | "guide", "sequential": true,
     "description", "source", "default_classification": "<key>",
     "classifications": [{"key", "label", "severity"}],
     "steps": [{"key", "title", "guidance",
                "questions": [{"key", "prompt", "kind": "text|yes_no|choice|date",
                               "choices": [...], "required": true}],
                "classifications": ["<key>", ...], "default_classification": "<key>",
                "applies_to": ["<key>", ...],
                "actions": [{"key", "label", "when": "<classification key>"?}]}]}

A step *applies* when the assessment's classification (decided by earlier steps) is in its
``applies_to`` (empty: always). A step that decides a classification takes, when the team leaves
it open, the current classification if the step allows it, else the step's default, else the
model's: "when in doubt, treat it as substantive" is the CSTAG file's default.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

DATA_DIR = Path(__file__).parent / "data"
BUILTIN = ("cstag.json", "ntac.json")
FORMAT = 1
KINDS = ("decision_tree", "guide")
QUESTION_KINDS = ("text", "yes_no", "choice", "date")
MAX_ANSWER = 10_000


class DefinitionError(ValueError):
    """A model definition that cannot be loaded; ``problems`` lists each one by its path."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class QuestionDef:
    key: str
    prompt: str
    kind: str
    required: bool
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActionDef:
    key: str
    label: str
    when: str  # "" = whatever the classification


@dataclass(frozen=True)
class StepDef:
    key: str
    title: str
    guidance: str
    questions: tuple[QuestionDef, ...]
    classifications: tuple[str, ...]
    default_classification: str
    applies_to: tuple[str, ...]
    actions: tuple[ActionDef, ...]


@dataclass(frozen=True)
class ModelDef:
    slug: str
    version: str
    name: str
    kind: str
    sequential: bool
    description: str
    source: str
    default_classification: str
    classifications: tuple[tuple[str, str, int], ...]  # (key, label, severity)
    steps: tuple[StepDef, ...]


def _text(raw: Mapping[str, Any], name: str, where: str, problems: list[str], *, required=True):
    value = raw.get(name, "")
    if not isinstance(value, str) or (required and not value.strip()):
        problems.append(f"{where}.{name}: " + ("required text" if required else "must be text"))
        return ""
    return value.strip()


def _keys(raw: Any, where: str, allowed: set[str], problems: list[str]) -> tuple[str, ...]:
    if raw in (None, ""):
        return ()
    if not isinstance(raw, list) or not all(isinstance(k, str) for k in raw):
        problems.append(f"{where}: must be a list of classification keys")
        return ()
    for key in raw:
        if key not in allowed:
            problems.append(f"{where}: unknown classification {key!r}")
    return tuple(raw)


def parse(doc: Any) -> ModelDef:
    """Check a definition (a parsed JSON object); raise DefinitionError listing every problem."""
    problems: list[str] = []
    if not isinstance(doc, Mapping):
        raise DefinitionError(["the definition must be a JSON object"])
    if doc.get("format") != FORMAT:
        problems.append(f"format: must be {FORMAT}")
    slug = _text(doc, "slug", "model", problems)
    version = _text(doc, "version", "model", problems)
    name = _text(doc, "name", "model", problems)
    if slug and not slug.replace("-", "").replace("_", "").isalnum():
        problems.append("model.slug: letters, digits, '-' and '_' only")
    kind = doc.get("kind")
    if kind not in KINDS:
        problems.append(f"model.kind: one of {', '.join(KINDS)}")
    classifications = []
    for n, raw in enumerate(doc.get("classifications") or []):
        where = f"classifications[{n}]"
        if not isinstance(raw, Mapping):
            problems.append(f"{where}: must be an object")
            continue
        severity = raw.get("severity")
        if not isinstance(severity, int) or isinstance(severity, bool) or severity < 0:
            problems.append(f"{where}.severity: a whole number, 0 or more")
            severity = 0
        key, label = _text(raw, "key", where, problems), _text(raw, "label", where, problems)
        classifications.append((key, label, severity))
    known = {key for key, _, _ in classifications}
    if len(known) != len(classifications):
        problems.append("classifications: keys must be unique")
    default = doc.get("default_classification") or ""
    if default and default not in known:
        problems.append(f"model.default_classification: unknown classification {default!r}")
    raw_steps = doc.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        problems.append("steps: at least one step")
        raw_steps = []
    steps = [_parse_step(raw, f"steps[{n}]", known, problems) for n, raw in enumerate(raw_steps)]
    if len({s.key for s in steps}) != len(steps):
        problems.append("steps: keys must be unique")
    if kind == "decision_tree" and not any(s.classifications for s in steps):
        problems.append("steps: a decision tree needs a step that decides a classification")
    for n, step in enumerate(steps):
        if step.applies_to and not any(s.classifications for s in steps[:n]):
            # Whether it applies is decided by a classification, so one must be made before it.
            problems.append(f"steps[{n}].applies_to: no earlier step decides a classification")
    if problems:
        raise DefinitionError(problems)
    return ModelDef(
        slug=slug,
        version=version,
        name=name,
        kind=str(kind),
        sequential=bool(doc.get("sequential", True)),
        description=str(doc.get("description") or ""),
        source=str(doc.get("source") or ""),
        default_classification=default,
        classifications=tuple(classifications),
        steps=tuple(steps),
    )


def _parse_step(raw: Any, where: str, known: set[str], problems: list[str]) -> StepDef:
    if not isinstance(raw, Mapping):
        problems.append(f"{where}: must be an object")
        raw = {}
    questions = []
    for n, q in enumerate(raw.get("questions") or []):
        qwhere = f"{where}.questions[{n}]"
        if not isinstance(q, Mapping):
            problems.append(f"{qwhere}: must be an object")
            continue
        qkind = q.get("kind", "text")
        if qkind not in QUESTION_KINDS:
            problems.append(f"{qwhere}.kind: one of {', '.join(QUESTION_KINDS)}")
        choices = tuple(str(c) for c in q.get("choices") or ())
        if qkind == "choice" and not choices:
            problems.append(f"{qwhere}.choices: a choice question needs choices")
        questions.append(
            QuestionDef(
                _text(q, "key", qwhere, problems),
                _text(q, "prompt", qwhere, problems),
                str(qkind),
                bool(q.get("required", False)),
                choices,
            )
        )
    if len({q.key for q in questions}) != len(questions):
        problems.append(f"{where}.questions: keys must be unique")
    allowed = _keys(raw.get("classifications"), f"{where}.classifications", known, problems)
    default = raw.get("default_classification") or ""
    if default and default not in allowed:
        problems.append(f"{where}.default_classification: not among the step's classifications")
    actions = []
    for n, a in enumerate(raw.get("actions") or []):
        awhere = f"{where}.actions[{n}]"
        if not isinstance(a, Mapping):
            problems.append(f"{awhere}: must be an object")
            continue
        when = a.get("when") or ""
        if when and when not in known:
            problems.append(f"{awhere}.when: unknown classification {when!r}")
        actions.append(
            ActionDef(_text(a, "key", awhere, problems), _text(a, "label", awhere, problems), when)
        )
    if len({(a.when, a.key) for a in actions}) != len(actions):
        problems.append(f"{where}.actions: keys must be unique per classification")
    return StepDef(
        key=_text(raw, "key", where, problems),
        title=_text(raw, "title", where, problems),
        guidance=str(raw.get("guidance") or ""),
        questions=tuple(questions),
        classifications=allowed,
        default_classification=default,
        applies_to=_keys(raw.get("applies_to"), f"{where}.applies_to", known, problems),
        actions=tuple(actions),
    )


def read(path: Path | str) -> ModelDef:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DefinitionError([f"{path}: {exc}"]) from exc
    return parse(doc)


def install(
    definition: ModelDef, *, district: Any = None, replace: bool = False, apps: Any = None
) -> tuple[Any, bool]:
    """Store ``definition`` as rows; returns (the AssessmentModel, created?). A version already
    installed is left as it is (loading twice changes nothing) unless ``replace`` is given and no
    assessment uses it yet: a model in use is changed only by installing a new version."""
    registry = apps or django_apps
    model_cls = registry.get_model("cases", "AssessmentModel")
    classification_cls = registry.get_model("cases", "Classification")
    step_cls = registry.get_model("cases", "Step")
    action_cls = registry.get_model("cases", "RequiredAction")
    assessment_cls = registry.get_model("cases", "Assessment")
    with transaction.atomic():
        existing = model_cls.objects.filter(
            slug=definition.slug, version=definition.version
        ).first()
        if existing is not None:
            if not replace:
                return existing, False
            if assessment_cls.objects.filter(model=existing).exists():
                raise DefinitionError(
                    [f"{definition.slug} {definition.version} is in use: give it a new version"]
                )
            existing.delete()
        row = model_cls.objects.create(
            slug=definition.slug,
            version=definition.version,
            name=definition.name,
            kind=definition.kind,
            sequential=definition.sequential,
            description=definition.description,
            source=definition.source,
            default_classification=definition.default_classification,
            district=district,
            installed_at=timezone.now(),
        )
        classification_cls.objects.bulk_create(
            classification_cls(model=row, key=key, label=label, severity=severity)
            for key, label, severity in definition.classifications
        )
        for number, step in enumerate(definition.steps, start=1):
            step_row = step_cls.objects.create(
                model=row,
                number=number,
                key=step.key,
                title=step.title,
                guidance=step.guidance,
                questions=[_question_json(q) for q in step.questions],
                classifications=list(step.classifications),
                default_classification=step.default_classification,
                applies_to=list(step.applies_to),
            )
            action_cls.objects.bulk_create(
                action_cls(step=step_row, classification=a.when, key=a.key, label=a.label, number=n)
                for n, a in enumerate(step.actions, start=1)
            )
    return row, True


def _question_json(q: QuestionDef) -> dict[str, Any]:
    data: dict[str, Any] = {"key": q.key, "prompt": q.prompt, "kind": q.kind}
    data["required"] = q.required
    if q.choices:
        data["choices"] = list(q.choices)
    return data


def install_builtin(apps: Any = None) -> list[Any]:
    """Install the models shipped in ``data/`` (idempotent)."""
    return [install(read(DATA_DIR / name), apps=apps)[0] for name in BUILTIN]


# --- step rules (on Step rows or StepDefs alike) --------------------------------------------------


def applies(step: Any, classification: str) -> bool:
    """Does ``step`` apply to an assessment currently classified ``classification``?"""
    return not step.applies_to or classification in step.applies_to


def default_classification(step: Any, current: str, model_default: str) -> str:
    """The classification a deciding step takes when the team leaves it open: the current one if
    the step allows it, else the step's default, else the model's ("when in doubt")."""
    for candidate in (current, step.default_classification, model_default):
        if candidate and candidate in step.classifications:
            return candidate
    return step.classifications[-1] if step.classifications else ""


def clean_answers(step: Any, answers: Any) -> dict[str, Any]:
    """Answers to ``step``'s questions, checked by kind; ValidationError names each bad one
    (``answers.<key>``). Unanswered questions are simply absent."""
    if not isinstance(answers, Mapping):
        raise ValidationError({"answers": _("Give the answers as an object.")})
    questions = {q["key"]: q for q in step.questions}
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for key, value in answers.items():
        question = questions.get(key)
        field = f"answers.{key}"
        if question is None:
            errors[field] = _("Not a question of this step.")
            continue
        if value is None or value == "":
            continue
        kind = question.get("kind", "text")
        if kind == "text" and isinstance(value, str):
            if len(value) > MAX_ANSWER:
                errors[field] = _("Too long (at most %(n)d characters).") % {"n": MAX_ANSWER}
            else:
                clean[key] = value.strip()
        elif kind == "yes_no" and isinstance(value, bool):
            clean[key] = value
        elif kind == "choice" and value in question.get("choices", ()):
            clean[key] = value
        elif kind == "date" and isinstance(value, str):
            try:
                day = date.fromisoformat(value)
            except ValueError:
                errors[field] = _("Give a date as YYYY-MM-DD.")
                continue
            if day > timezone.localdate():
                errors[field] = _("A date in the future is not allowed.")
            else:
                clean[key] = day.isoformat()
        else:
            errors[field] = _invalid(kind, question)
    if errors:
        raise ValidationError(errors)
    return clean


def _invalid(kind: str, question: Mapping[str, Any]) -> str:
    if kind == "yes_no":
        return _("Answer yes (true) or no (false).")
    if kind == "choice":
        return _("Choose one of: %(choices)s.") % {"choices": ", ".join(question["choices"])}
    return _("Give text.")


def unanswered(step: Any, answers: Mapping[str, Any]) -> list[str]:
    """Keys of ``step``'s required questions that have no answer."""
    return [
        q["key"]
        for q in step.questions
        if q.get("required") and answers.get(q["key"]) in (None, "")
    ]
