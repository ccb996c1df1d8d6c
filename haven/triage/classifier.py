"""The triage classifier: what kind of harm a text may signal, how urgent it is, and why.

``classify(text)`` returns a :class:`Result`: a calibrated score in [0, 1] for each category, an
urgency (``imminent``, ``high``, ``routine`` or ``none``) and the evidence, spans of the *original*
text that drove each score. ``Result.as_dict()`` is the JSON shape of the API and the CLI.

The model is ``data/model.joblib`` (see :mod:`haven.triage.training`), loaded once per process on
first use; nothing is downloaded. Texts longer than ``MAX_CHARS`` (20,000 characters) are cut to
that length and the result says ``truncated``. Bytes are decoded as UTF-8, or as Windows-1252 when
they are not UTF-8; nothing a caller sends makes ``classify`` raise.

Scores. Each category's score is a logistic regression over the TF-IDF of the words, word pairs,
character n-grams and lexicon hits of the normalised text, and in the shipped model's feature set
word triples, violent-speech patterns and everyday contexts too (:mod:`haven.triage.text`; the
model records its set), calibrated on held-out folds (Platt scaling), so a score of 0.8 means
roughly "8 in 10 texts scored like this were labelled so" - in the mix of tips and social-media
posts the model was trained on.

Inference evaluates the fitted scikit-learn models from their parameters: the vectoriser's
vocabulary and idf weights, and each calibrated regression folded into one weight vector (Platt
scaling of a linear score is a logistic function of the same features), all ten in one matrix.
Ten ``predict_proba`` calls would spend about 4 ms per text in input validation alone; a test
checks that the scores equal scikit-learn's own ``transform`` and ``predict_proba``.

Urgency: documented rules on top of three more calibrated models, trained on the urgency labels of
Haven's corpus as a ladder (P(urgency >= routine), P(>= high), P(imminent)):

* ``imminent`` when the text has a cue of a time ("tonight", "mañana", "on Friday"), of a means
  at hand ("I have my dad's gun", "tiene una pistola", "a knife in his backpack"), of a plan
  ("wrote a note", "giving away his stuff", "don't come to school") or of something happening now
  ("right now", "just took", "isn't waking up"), not negated, ``p_high >= CUE_HIGH``, and either
  some category scores at least ``CUE_CONCERN`` or ``p_high >= CUE_ALONE`` (a time word alone
  does not make "we're going to kill them at the game tonight" imminent); or when
  ``p_imminent >= IMMINENT`` and some category scores at least ``CONCERN``. The cue lists are
  :data:`haven.triage.text.CUE_PATTERNS`.
* ``high`` when ``p_high >= HIGH``;
* ``routine`` when ``p_routine >= ROUTINE`` or some category scores at least ``ROUTINE``;
* ``none`` otherwise.

The thresholds were chosen on cross-validated predictions for the training split, folded by
template (``training.cross_validate``), for an imminent recall of 0.95 there with the fewest
imminent calls on ordinary texts that carry a cue (sports, games, lyrics, homework, figures of
speech); the test split and the held-out ordinary sentences played no part.

Evidence. A logistic regression's decision is a sum of weight x feature value, and each feature
comes from one word or a run of words (a word pair from two, a triple from three, a violent-speech
match from the words it covers, shared equally), so every word gets its share of each category's
decision. For every category scoring at least ``EVIDENCE_MIN``, the words that push it up the most
(at least ``EVIDENCE_SHARE`` of its strongest word), grown into phrases by neighbours that push it
up too (at least ``PHRASE_SHARE``), are that category's evidence. When the urgency is
``imminent`` because of cues, the cues are evidence too, with the category ``urgency``.
"""

from __future__ import annotations

import logging
import threading
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any, NamedTuple

import joblib
import numpy as np
import sklearn
from scipy import sparse
from scipy.special import expit
from sklearn.preprocessing import normalize

from haven.triage import text as triage_text
from haven.triage.text import MAX_CHARS
from haven.triage.training import CATEGORIES, FORMAT, MODEL

log = logging.getLogger(__name__)

URGENCIES = ("none", "routine", "high", "imminent")
LADDER = ("routine", "high", "imminent")

# Operating thresholds (chosen by cross-validation on the training split, never on the test rows).
IMMINENT = 0.5
CONCERN = 0.3
CUE_HIGH = 0.1
CUE_CONCERN = 0.2
CUE_ALONE = 0.5
HIGH = 0.5
ROUTINE = 0.5
EVIDENCE_MIN = 0.3
EVIDENCE_SHARE = 0.35
PHRASE_SHARE = 0.1

WORD_CACHE = 50_000  # words whose feature ids are kept (a few hundred bytes each)

Text = str | bytes | bytearray | memoryview | None


class Vector(NamedTuple):
    """A text's TF-IDF vector (``ids``, ``values``), and for each feature occurrence the position
    of its id in ``ids`` (``inverse``), the first word it comes from (``owners``, -1 for none) and
    how many words it spans (``widths``: 1 for a word, 2 for a pair ..., 0 for none)."""

    ids: np.ndarray
    values: np.ndarray
    inverse: np.ndarray
    owners: np.ndarray
    widths: np.ndarray


@dataclass(frozen=True, slots=True)
class Evidence:
    start: int
    end: int
    category: str

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "category": self.category}


@dataclass(frozen=True, slots=True)
class Result:
    scores: dict[str, float]
    urgency: str
    evidence: tuple[Evidence, ...]
    truncated: bool = False
    reported: bool = False  # the text reports what someone else said or did

    def as_dict(self) -> dict[str, Any]:
        return {
            "categories": [{"name": c, "score": round(self.scores[c], 4)} for c in CATEGORIES],
            "urgency": self.urgency,
            "evidence": [e.as_dict() for e in self.evidence],
            "truncated": self.truncated,
            "reported": self.reported,
        }


# --- the model, loaded once ---------------------------------------------------------------------


def _folded(model: Any) -> tuple[np.ndarray, float]:
    """The weights and bias of ``expit(x @ w + b)``, equal to a sigmoid-calibrated regression's
    ``predict_proba(x)[:, 1]`` (``CalibratedClassifierCV(..., ensemble=False)``)."""
    calibrated = model.calibrated_classifiers_[0]
    regression = calibrated.estimator
    sigmoid = calibrated.calibrators[0]  # expit(-(a * decision + b))
    a, b = float(sigmoid.a_), float(sigmoid.b_)
    return -a * regression.coef_.ravel(), -a * float(regression.intercept_[0]) - b


class Model:
    """A trained bundle, laid out for inference."""

    def __init__(self, bundle: dict[str, Any]) -> None:
        if bundle.get("format") != FORMAT:
            raise ValueError(f"triage model format {bundle.get('format')!r}, expected {FORMAT}")
        if bundle.get("sklearn") != sklearn.__version__:
            log.warning(
                "triage model trained with scikit-learn %s, running %s: `haven triage train`",
                bundle.get("sklearn"),
                sklearn.__version__,
            )
        self.bundle = bundle
        self.feature_set = triage_text.FeatureSet(**bundle["features"])
        self.max_repeats = self.feature_set.max_repeats
        vectorizer = bundle["vectorizer"]
        self.vocabulary: dict[str, int] = vectorizer.vocabulary_
        self.idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        models = [bundle["categories"][c] for c in CATEGORIES]
        models += [bundle["urgency"][level] for level in LADDER]
        folded = [_folded(m) for m in models]
        # (features x outputs), row-major: one row gathered per feature of a text
        self.weights = np.ascontiguousarray(np.column_stack([w for w, _ in folded]))
        self.bias = np.array([b for _, b in folded])
        self._words: dict[str, np.ndarray] = {}

    def _word_ids(self, token: str) -> np.ndarray:
        """Vocabulary ids of :func:`haven.triage.text.word_features` (cached: words repeat)."""
        ids = self._words.get(token)
        if ids is None:
            found = (self.vocabulary.get(f) for f in triage_text.word_features(token))
            ids = np.array([j for j in found if j is not None], dtype=np.intp)
            if len(self._words) < WORD_CACHE:
                self._words[token] = ids
        return ids

    def _extra(self, analysis: triage_text.Analysis) -> list[tuple[int, int, int]]:
        """(id, first word, width) of the text's features that are not :meth:`_word_ids`."""
        vocabulary = self.vocabulary
        tokens = analysis.tokens
        extra: list[tuple[str, int, int]] = [  # (feature, first word, width)
            *((triage_text.lexicon_feature(c), i, 1) for c, i in analysis.lexicon),
            *((triage_text.context_feature(k), i, 1) for k, i in analysis.context),
            *((triage_text.pair_feature(a, b), i, 2) for i, (a, b) in enumerate(pairwise(tokens))),
            *((f, -1, 0) for f in triage_text.cue_features(analysis.cues)),
        ]
        if self.feature_set.trigrams:
            extra += [
                (triage_text.triple_feature(*t), i, 3)
                for i, t in enumerate(zip(tokens, tokens[1:], tokens[2:], strict=False))
            ]
        if analysis.speech:
            starts = [a for a, _ in analysis.words]
            for match in analysis.speech:
                first = bisect_left(starts, match.start)
                last = bisect_left(starts, match.end)  # the words starting inside the match
                extra.append((triage_text.speech_feature(match.kind), first, last - first))
        return [(j, o, w) for f, o, w in extra if (j := vocabulary.get(f)) is not None]

    def analyze(self, marked: str) -> triage_text.Analysis:
        """:func:`haven.triage.text.analyze` with this model's feature set."""
        return triage_text.analyze(marked, self.feature_set)

    def feature_ids(self, analysis: triage_text.Analysis) -> np.ndarray:
        """The vocabulary ids of the text's features, once per occurrence."""
        arrays = [self._word_ids(t) for t in analysis.tokens]
        arrays.append(np.array([j for j, _, _ in self._extra(analysis)], dtype=np.intp))
        return np.concatenate(arrays)

    def vector(self, analysis: triage_text.Analysis) -> Vector:
        """The TF-IDF vector of the text's features (:func:`haven.triage.text.features`)."""
        tokens = analysis.tokens
        arrays = [self._word_ids(t) for t in tokens]
        owners = [np.repeat(np.arange(len(tokens)), [len(a) for a in arrays])]
        widths = [np.ones(len(owners[0]), dtype=np.intp)]
        found = self._extra(analysis)
        if found:
            arrays.append(np.array([j for j, _, _ in found], dtype=np.intp))
            owners.append(np.array([o for _, o, _ in found], dtype=np.intp))
            widths.append(np.array([w for _, _, w in found], dtype=np.intp))
        ids = np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.intp)
        if not len(ids):
            return Vector(ids, np.zeros(0), ids, ids, ids)
        unique, inverse, counts = np.unique(ids, return_inverse=True, return_counts=True)
        tf = np.minimum(counts, self.max_repeats) if self.max_repeats else counts
        values = (1.0 + np.log(tf)) * self.idf[unique]  # sublinear tf x idf
        values /= np.sqrt(values @ values)  # l2 norm
        return Vector(unique, values, inverse, np.concatenate(owners), np.concatenate(widths))

    def outputs_many(self, ids: Sequence[np.ndarray]) -> np.ndarray:
        """(texts x 10) :meth:`outputs` of many texts from their :meth:`feature_ids`, as one
        sparse TF-IDF matrix."""
        lengths = [len(i) for i in ids]
        rows = np.repeat(np.arange(len(ids)), lengths)
        columns = np.concatenate(ids) if ids else np.zeros(0, dtype=np.intp)
        counts = sparse.csr_matrix(
            (np.ones(len(columns)), (rows, columns)), shape=(len(ids), len(self.idf))
        )
        counts.sum_duplicates()
        if self.max_repeats:
            counts.data = np.minimum(counts.data, self.max_repeats)
        counts.data = (1.0 + np.log(counts.data)) * self.idf[counts.indices]
        X = normalize(counts, norm="l2", copy=False)
        return expit(np.asarray(X @ self.weights) + self.bias)

    def outputs(self, vector: Vector) -> np.ndarray:
        """The seven category scores then P(>= routine), P(>= high), P(imminent)."""
        return expit(vector.values @ self.weights[vector.ids] + self.bias)

    def outputs_for(self, text: str) -> np.ndarray:
        """:meth:`outputs` for a text (no truncation, no evidence)."""
        return self.outputs(self.vector(self.analyze(triage_text.prepare(text).marked)))


_lock = threading.Lock()
_model: Model | None = None


def load(path: Path = MODEL) -> Model:
    """Load a model file (ours: shipped in the repository or written by ``haven triage train``)."""
    return Model(joblib.load(path))  # our own file, shipped with the code


def model() -> Model:
    """The process's model, loaded on first use."""
    global _model  # a module-level cache, set once under the lock
    if _model is None:
        with _lock:
            if _model is None:
                try:
                    _model = load()
                except Exception:  # an unreadable model file must not stop triage
                    log.exception("triage model %s unreadable: training one in memory", MODEL)
                    from haven.triage import training

                    _model = Model(training.train())
    return _model


# --- classification -----------------------------------------------------------------------------


def as_text(value: Text | object) -> str:
    """Text from what a caller sent: bytes are UTF-8, else Windows-1252; ``None`` is empty."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("cp1252", errors="replace")
    return str(value)


def classify(text: Text, *, evidence: bool = True, using: Model | None = None) -> Result:
    """Classify one text (with the process's model, or ``using`` another); see the module
    documentation."""
    return _classify(using or model(), text, evidence)


def classify_many(
    texts: Iterable[Text], *, evidence: bool = True, using: Model | None = None
) -> list[Result]:
    """Classify many texts (the same results as :func:`classify`, faster per text)."""
    m = using or model()
    items = [_read(m, t) for t in texts]
    outputs = m.outputs_many([m.feature_ids(analysis) for _, analysis, _ in items])
    return [
        _result(m, prepared, analysis, truncated, out, None, evidence)
        for (prepared, analysis, truncated), out in zip(items, outputs, strict=True)
    ]


def _read(m: Model, text: Text) -> tuple[triage_text.Prepared, triage_text.Analysis, bool]:
    original = as_text(text)
    truncated = len(original) > MAX_CHARS
    prepared = triage_text.prepare(original[:MAX_CHARS] if truncated else original)
    return prepared, m.analyze(prepared.marked), truncated


def _classify(m: Model, text: Text, evidence: bool) -> Result:
    prepared, analysis, truncated = _read(m, text)
    vector = m.vector(analysis)
    return _result(m, prepared, analysis, truncated, m.outputs(vector), vector, evidence)


def _result(
    m: Model,
    prepared: triage_text.Prepared,
    analysis: triage_text.Analysis,
    truncated: bool,
    out: np.ndarray,
    vector: Vector | None,
    evidence: bool,
) -> Result:
    scores = out[: len(CATEGORIES)]
    cues = analysis.cues if out[-2] >= CUE_HIGH else []
    level = urgency(scores, out[len(CATEGORIES) :], cues)
    spans: tuple[Evidence, ...] = ()
    if evidence:
        if scores.max() >= EVIDENCE_MIN:
            spans = _evidence(m, prepared, analysis, scores, vector or m.vector(analysis))
        if level == "imminent" and cues:
            spans = _merge(spans, [_cue_evidence(prepared, c) for c in cues])
    return Result(
        scores=dict(zip(CATEGORIES, scores.tolist(), strict=True)),
        urgency=level,
        evidence=spans,
        truncated=truncated,
        reported=bool(triage_text.reported_spans(prepared.norm)),
    )


def urgency(scores: np.ndarray, ladder: np.ndarray, cues: Sequence[triage_text.Cue]) -> str:
    """The urgency rules of the module documentation; ``ladder`` is (p_routine, p_high,
    p_imminent) and ``cues`` the text's urgency cues."""
    p_routine, p_high, p_imminent = (float(v) for v in ladder)
    concern = float(np.max(scores))
    if cues and p_high >= CUE_HIGH and (concern >= CUE_CONCERN or p_high >= CUE_ALONE):
        return "imminent"
    if p_imminent >= IMMINENT and concern >= CONCERN:
        return "imminent"
    if p_high >= HIGH:
        return "high"
    if p_routine >= ROUTINE or concern >= ROUTINE:
        return "routine"
    return "none"


# --- evidence -----------------------------------------------------------------------------------


def _cue_evidence(p: triage_text.Prepared, cue: triage_text.Cue) -> Evidence:
    start, end = p.original_span(cue.start, cue.end)
    return Evidence(start, end, "urgency")


def _merge(a: Sequence[Evidence], b: Sequence[Evidence]) -> tuple[Evidence, ...]:
    return tuple(sorted(set(a) | set(b), key=lambda e: (e.start, e.end, e.category)))


def _evidence(
    m: Model,
    p: triage_text.Prepared,
    analysis: triage_text.Analysis,
    scores: np.ndarray,
    vector: Vector,
) -> tuple[Evidence, ...]:
    explain = [k for k, s in enumerate(scores) if s >= EVIDENCE_MIN]
    n_words = len(analysis.words)
    if not explain or not n_words or not len(vector.ids):
        return ()
    # each occurrence's share of its feature's value, times the feature's weight per category,
    # shared equally by the words it comes from
    counts = np.bincount(vector.inverse, minlength=len(vector.ids))
    share = (vector.values / counts)[vector.inverse]
    contributions = share[:, None] * m.weights[vector.ids[vector.inverse]][:, explain]
    per_word = np.zeros((n_words, len(explain)))
    for width in np.unique(vector.widths):
        if width == 0:
            continue  # features of no word (urgency cue markers)
        rows = vector.widths == width
        owners, part = vector.owners[rows], contributions[rows] / width
        for offset in range(width):
            for column in range(len(explain)):
                per_word[:, column] += np.bincount(
                    owners + offset, weights=part[:, column], minlength=n_words
                )
    out = []
    for column, k in enumerate(explain):
        word_scores = per_word[:, column]
        top = float(word_scores.max())
        if top <= 0:
            continue
        strong = word_scores >= top * EVIDENCE_SHARE
        weak = word_scores >= top * PHRASE_SHARE
        i = 0
        while i < n_words:
            if not strong[i]:
                i += 1
                continue
            first = last = i
            while first > 0 and weak[first - 1]:
                first -= 1
            while last + 1 < n_words and weak[last + 1]:
                last += 1
            start, end = p.original_span(analysis.words[first][0], analysis.words[last][1])
            out.append(Evidence(start, end, CATEGORIES[k]))
            i = last + 1
    return _merge(out, [])
