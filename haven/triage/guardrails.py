"""Privacy guardrails: which signals are *sensitive*, and so never routed to the SRO or to a
student's family, only to counsellors and administrators (the access policy's Signal scope).

Two rules, both the district's to choose (:class:`~haven.triage.models.DistrictTriageSettings`):

* **Sensitive categories.** A signal flagged for a category the district marks sensitive is
  sensitive. By default no category is marked.
* **Identity** (on by default, no category needed). A text about a student's sexual or gender
  identity ("I'm gay", "creo que soy trans", "my pronouns are they/them") with no other concern is
  sensitive: being outed to a police officer or to one's parents is itself a harm. Identity words
  are also what biased training data (tweets labelled hateful) teaches a classifier to score as
  harassment, so "no other concern" is judged on the evidence: a category counts only when it
  scores at least :data:`HARM` *and* some of its evidence lies outside the identity words. "He is
  gay and they beat him up after school" is not covered: the beating is a concern of its own.

The words are matched in the classifier's normalised text (case, accents and leetspeak undone), in
English and Spanish. Slurs are not identity words: a slur is harassment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from haven.triage import text as triage_text
from haven.triage.models import IDENTITY

#: A category's score that counts as a concern for the identity rule (the classifier's ROUTINE).
HARM = 0.5

_IDENTITY_WORDS = [
    # English
    r"gay",
    r"lesbians?",
    r"bisexual",
    r"(?:im|am|is|are|as|being)\s+bi",
    r"queer",
    r"trans",
    r"transgender",
    r"transsexual",
    r"non-?\s?binary",
    r"enby",
    r"gender\s?(?:queer|fluid)",
    r"pansexual",
    r"asexual",
    r"aromantic",
    r"intersex",
    r"homosexual",
    r"lgbt\w*",
    r"two[-\s]spirit",
    r"(?:came|come|coming)\s+out(?:\s+(?:as|to)\b)",
    r"gender\s+identity",
    r"sexual\s+orientation",
    r"sexuality",
    r"(?:my|their|his|her)\s+pronouns",
    r"(?:he/him|she/her|they/them)",
    r"transition(?:ing)?",
    r"dead\s?name",
    r"dysphoria",
    r"attracted\s+to\s+(?:the\s+)?same\s+(?:sex|gender)",
    # Spanish (accents are already stripped)
    r"lesbianas?",
    r"transgenero",
    r"transexual",
    r"no\s+binari[oae]",
    r"(?:sali|salir|salio)\s+del\s+(?:closet|armario)",
    r"identidad\s+de\s+genero",
    r"orientacion\s+sexual",
    r"(?:mis|sus)\s+pronombres",
]
_IDENTITY = re.compile(r"(?<![\w/])(?:" + "|".join(_IDENTITY_WORDS) + r")(?![\w/])")


def identity_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the *original* text that speak of sexual or gender identity."""
    prepared = triage_text.prepare(text)
    return [prepared.original_span(m.start(), m.end()) for m in _IDENTITY.finditer(prepared.norm)]


def _overlaps(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(start < b and a < end for a, b in spans)


def other_concerns(reading: dict[str, Any], spans: Sequence[tuple[int, int]]) -> list[str]:
    """Categories scoring at least :data:`HARM` with some evidence outside ``spans``."""
    concerns = []
    evidence = [e for e in reading.get("evidence", []) if isinstance(e, dict)]
    for item in reading.get("categories", []):
        if not isinstance(item, dict) or (item.get("score") or 0) < HARM:
            continue
        name = item.get("name")
        own = [e for e in evidence if e.get("category") == name]
        if not own or any(not _overlaps(e["start"], e["end"], spans) for e in own):
            concerns.append(str(name))
    return concerns


def about_identity_only(text: str, reading: dict[str, Any]) -> bool:
    """Is ``text`` about identity, with no other concern (see the module documentation)?"""
    spans = identity_spans(text)
    return bool(spans) and not other_concerns(reading, spans)


def sensitive_reasons(
    text: str,
    reading: dict[str, Any],
    flagged: Iterable[str],
    *,
    sensitive_categories: Iterable[str] = (),
    guard_identity: bool = True,
) -> list[str]:
    """Why a signal is sensitive (empty: it is not): the district's sensitive categories among
    those it was flagged for, and ``identity`` for the identity rule."""
    marked = set(sensitive_categories)
    reasons = sorted(c for c in set(flagged) if c in marked)
    if guard_identity and about_identity_only(text, reading):
        reasons.append(IDENTITY)
    return reasons
