"""Suicide-risk screening with the Columbia (C-SSRS) screener: its questions and skip logic, and
the mapping from answers to a risk level and the actions that level requires.

Skip logic (from the screener): ask 1 and 2; if 2 is yes, ask 3, 4 and 5; always ask 6; if 6 is
yes, ask whether it was within the past 3 months. An answer to a question that should not have been
asked (3 without a yes to 2) contradicts the skip logic and is refused, naming the question.

The mapping is data (``data/cssrs.json``; a district may point ``HAVEN_CSSRS_MAPPING`` at its own
file). Levels are rules tried from the most to the least serious: the first whose questions
include a yes wins, so a further yes can never lower the risk. The default is the standard triage:
yes to 1 or 2 only → low; yes to 3, or to 6 longer than 3 months ago → moderate; yes to 4 or 5, or
to 6 within the past 3 months → high.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext as _

DEFAULT_FILE = Path(__file__).parent / "data" / "cssrs.json"
LEVELS = ("low", "moderate", "high")  # least to most serious
_CONDITION = re.compile(r"^if_(?P<key>[a-z0-9_]+)_yes$")


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    #: The question this one is asked after a yes to, or "" if it is always asked.
    after_yes_to: str


@dataclass(frozen=True)
class Rule:
    level: str
    any_yes: frozenset[str]


@dataclass(frozen=True)
class ScreenerMapping:
    version: str
    questions: tuple[Question, ...]
    rules: tuple[Rule, ...]
    when_all_no: str
    actions: Mapping[str, tuple[str, ...]]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(q.key for q in self.questions)


@dataclass(frozen=True)
class Result:
    risk_level: str
    positive: bool
    required_actions: list[str]
    answers: dict[str, bool]


def parse_mapping(doc: Mapping[str, Any]) -> ScreenerMapping:
    """Check a mapping document; raise ImproperlyConfigured naming what is wrong."""

    def fail(message: str) -> ImproperlyConfigured:
        return ImproperlyConfigured(f"C-SSRS mapping: {message}")

    try:
        questions: list[Question] = []
        for raw in doc["questions"]:
            asked = raw.get("asked", "always")
            match = _CONDITION.match(asked)
            if asked != "always" and not match:
                raise fail(f"question {raw['key']}: 'asked' must be 'always' or 'if_<key>_yes'")
            after = match["key"] if match else ""
            if after and after not in {q.key for q in questions}:
                raise fail(f"question {raw['key']} depends on {after}, which does not come before")
            questions.append(Question(str(raw["key"]), str(raw["text"]), after))
        keys = {q.key for q in questions}
        rules = tuple(Rule(r["level"], frozenset(r["when_any_yes"])) for r in doc["levels"])
        order = [LEVELS.index(r.level) if r.level in LEVELS else -1 for r in rules]
        if -1 in order:
            raise fail(f"levels must be among {', '.join(LEVELS)}")
        if order != sorted(order, reverse=True) or len(set(order)) != len(order):
            # Most serious first: then a further yes can only raise the level.
            raise fail("levels must be listed from the most to the least serious, each once")
        for rule in rules:
            if not rule.any_yes <= keys:
                raise fail(f"level {rule.level} names unknown questions")
        when_all_no = doc.get("when_all_no", "low")
        actions = {level: tuple(map(str, items)) for level, items in doc["actions"].items()}
        if when_all_no not in LEVELS:
            raise fail(f"when_all_no must be among {', '.join(LEVELS)}")
        missing = ({r.level for r in rules} | {"none", when_all_no}) - set(actions)
        if missing:
            raise fail(f"actions missing for {', '.join(sorted(missing))}")
        return ScreenerMapping(str(doc["version"]), tuple(questions), rules, when_all_no, actions)
    except (KeyError, TypeError, AttributeError) as exc:
        raise fail(f"malformed ({exc!r})") from exc


@cache
def _load(path: str) -> ScreenerMapping:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ImproperlyConfigured(f"C-SSRS mapping {path}: {exc}") from exc
    return parse_mapping(doc)


def mapping() -> ScreenerMapping:
    """The configured mapping (``HAVEN_CSSRS_MAPPING``), or the shipped default."""
    return _load(getattr(settings, "HAVEN_CSSRS_MAPPING", "") or str(DEFAULT_FILE))


def _label(key: str) -> str:
    return key.removeprefix("q").replace("_recent", " (within the past 3 months)")


def validate(answers: Any, using: ScreenerMapping | None = None) -> dict[str, bool]:
    """The answers as ``{key: bool}`` for exactly the questions the skip logic asks, or a
    ValidationError whose keys name each problem (``answers.q3``)."""
    spec = using or mapping()
    if not isinstance(answers, Mapping):
        raise ValidationError({"answers": _("Give the answers as an object of yes/no values.")})
    errors: dict[str, str] = {}
    known = set(spec.keys)
    for key, value in answers.items():
        if key not in known:
            errors[f"answers.{key}"] = _("Not a question of the screener.")
        elif value is not None and not isinstance(value, bool):
            errors[f"answers.{key}"] = _("Answer yes (true) or no (false).")
    given = {k: v for k, v in answers.items() if k in known and isinstance(v, bool)}
    for question in spec.questions:
        asked = not question.after_yes_to or given.get(question.after_yes_to) is True
        field = f"answers.{question.key}"
        if field in errors:
            continue
        if asked and question.key not in given:
            if question.after_yes_to:
                errors[field] = _("Ask question %(q)s: question %(after)s was answered yes.") % {
                    "q": _label(question.key),
                    "after": _label(question.after_yes_to),
                }
            else:
                errors[field] = _("Question %(q)s must be answered.") % {"q": _label(question.key)}
        elif not asked and question.key in given:
            errors[field] = _(
                "Question %(q)s is asked only after a yes to question %(after)s, "
                "which was not answered yes: the answers contradict each other."
            ) % {"q": _label(question.key), "after": _label(question.after_yes_to)}
    if errors:
        raise ValidationError(errors)
    return {q.key: given[q.key] for q in spec.questions if q.key in given}


def assess(answers: Any, using: ScreenerMapping | None = None) -> Result:
    """Validate ``answers`` and derive the risk level and the actions it requires."""
    spec = using or mapping()
    clean = validate(answers, spec)
    yes = {key for key, value in clean.items() if value}
    level = next((rule.level for rule in spec.rules if rule.any_yes & yes), spec.when_all_no)
    positive = bool(yes)
    actions = list(spec.actions[level if positive else "none"])
    return Result(level, positive, actions, clean)


def severity(level: str) -> int:
    return LEVELS.index(level)
