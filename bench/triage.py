"""Triage classifier benchmark: real text first, each figure beside a baseline trained in the same
run; then Haven's own tip-style text; then speed. Prints one JSON line.

``python bench/triage.py [--sdcnl FILE] [--no-speed]``

**Candidates.** Every recipe of ``haven.triage.training.CANDIDATES`` is trained here on the same
training rows and measured on the same rows (the shipped one, ``training.SHIPPED``, is what
``haven triage train`` builds; a test checks that the model file is what training produces).
The baseline is what anyone would try first: TF-IDF of the raw text's words and word pairs with a
logistic regression per category (and one for ``imminent`` on the corpus's urgency labels),
trained here on the same rows with the same weights.

**Real sets** (``real``), split by author or post, never by template: rows on the test side were
never trained on, and no user or post is on both sides.

* ``cssrs``: C-SSRS Reddit users, held out by user: ``self_harm`` (Ideation, Behavior, Attempt
  against Supportive, Indicator);
* ``davidson``: hate/offensive tweets, held out by text: ``bullying_harassment``;
* ``gab``: the Gab Hate Corpus's own test split: ``violence_threat`` (calls for violence) and
  ``bullying_harassment`` (human degradation or vulgar/offensive);
* ``sdcnl`` (with ``--sdcnl FILE``, the SDCNL ``train.csv``): r/SuicideWatch against r/depression,
  its authors' test split: ``self_harm``. Its terms are not known, so no model here learns from it;
  it only measures.

Per set and category: ROC-AUC, and the recall and precision at the routing's threshold (a score of
``classifier.ROUTINE`` puts a text in a queue). The baseline's figure beside it is its recall at
the same precision as the shipped model's (its best threshold for that precision), so the two
recalls are comparable.

**Ordinary but alarming** (``ordinary``): Haven-written sentences that sound violent and are not
(sports trash talk, song lyrics, games, homework about wars, "this test is killing me"), never
trained on: how many of them each candidate calls ``imminent``, and per ten.

**Haven-written tip-style text** (``haven_written``, last): the ``test`` split of Haven's own
corpus, split by template. Written by the same hand as the training rows, so it measures how well
a model learnt Haven's style, not real students' words: per-category AUC, and ``imminent`` recall
and precision at the operating point.

**Speed**, of the shipped model on one core (pinned where the OS allows, BLAS limited to one
thread), over the tip test texts with evidence: texts per second for a batch (``classify_many``)
and one by one (``classify``), and the p99 latency of one classification, by the CPU time the
process spends; the ``wall_`` figures are the same by the clock, which on a shared machine also
counts the time spent waiting for the core.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_curve, roc_auc_score
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from haven.triage import classifier, training

CATEGORIES = training.CATEGORIES
REAL_SETS = {
    "cssrs": ("self_harm",),
    "davidson": ("bullying_harassment",),
    "gab": ("violence_threat", "bullying_harassment"),
    "sdcnl": ("self_harm",),
}


def _auc(y: list[int], scores: np.ndarray) -> float | None:
    return round(float(roc_auc_score(y, scores)), 4) if 0 < sum(y) < len(y) else None


def _at_threshold(y: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, float]:
    flagged = scores >= threshold
    hits = int((flagged & (y == 1)).sum())
    return {
        "precision": round(hits / max(int(flagged.sum()), 1), 4),
        "recall": round(hits / max(int(y.sum()), 1), 4),
    }


def recall_at_precision(y: np.ndarray, scores: np.ndarray, precision: float) -> float:
    """The highest recall at any threshold whose precision is at least ``precision``."""
    p, r, _ = precision_recall_curve(y, scores)
    ok = p >= precision
    return round(float(r[ok].max()), 4) if ok.any() else 0.0


class Baseline:
    """TF-IDF of the raw text's words and word pairs, a logistic regression per category."""

    def __init__(self, train: list[training.Example], weights: dict[str, float]) -> None:
        self.vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        X = self.vectorizer.fit_transform([e.text for e in train])
        w = np.array([weights[e.source] for e in train])
        self.models: dict[str, LogisticRegression] = {}
        for category in CATEGORIES:
            rows = [i for i, e in enumerate(train) if category in e.labels]
            y = np.array([train[i].labels[category] for i in rows])
            self.models[category] = self._fit(X[rows], y, w[rows])
        rows = [i for i, e in enumerate(train) if e.urgency is not None]
        y = np.array([int(train[i].urgency == "imminent") for i in rows])
        self.models["imminent"] = self._fit(X[rows], y, w[rows])

    @staticmethod
    def _fit(X: Any, y: np.ndarray, w: np.ndarray) -> LogisticRegression:
        lr = LogisticRegression(max_iter=3_000, class_weight="balanced", random_state=0)
        return lr.fit(X, y, sample_weight=w)

    def scores(self, texts: list[str], name: str) -> np.ndarray:
        return self.models[name].predict_proba(self.vectorizer.transform(texts))[:, 1]


def candidates(
    train: list[training.Example],
) -> tuple[dict[str, classifier.Model], dict[str, float]]:
    """Every candidate trained on ``train``, and the CPU seconds each took."""
    models, seconds = {}, {}
    for name, recipe in training.CANDIDATES.items():
        start = time.process_time()
        models[name] = classifier.Model(training.fit(train, recipe))
        seconds[name] = round(time.process_time() - start, 1)
    return models, seconds


def real(
    test: list[training.Example], models: dict[str, classifier.Model], baseline: Baseline
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for source, categories in REAL_SETS.items():
        rows = [e for e in test if e.source == source]
        if not rows:
            continue
        texts = [e.text for e in rows]
        outputs = {
            name: m.outputs_many(
                [m.feature_ids(m.analyze(prepared)) for prepared in _marked(texts)]
            )
            for name, m in models.items()
        }
        figures: dict[str, Any] = {"rows": len(rows)}
        for category in categories:
            k = CATEGORIES.index(category)
            y = np.array([e.labels[category] for e in rows])
            entry: dict[str, Any] = {"positives": int(y.sum())}
            for name in models:
                s = outputs[name][:, k]
                entry[name] = {"auc": _auc(list(y), s), **_at_threshold(y, s, classifier.ROUTINE)}
            theirs = baseline.scores(texts, category)
            shipped = entry[training.SHIPPED]
            entry["baseline"] = {
                "auc": _auc(list(y), theirs),
                "recall_at_shipped_precision": recall_at_precision(y, theirs, shipped["precision"]),
            }
            figures[category] = entry
        out[source] = figures
    return out


def _marked(texts: list[str]) -> list[str]:
    from haven.triage import text as triage_text

    return [triage_text.prepare(t[: classifier.MAX_CHARS]).marked for t in texts]


def ordinary(models: dict[str, classifier.Model], baseline: Baseline) -> dict[str, Any]:
    rows = training.read_csv(training.ORDINARY)
    texts = [r["text"] for r in rows]
    out: dict[str, Any] = {"rows": len(rows)}
    for name, m in models.items():
        results = classifier.classify_many(texts, evidence=False, using=m)
        false = [t for t, r in zip(texts, results, strict=True) if r.urgency == "imminent"]
        out[name] = {
            "false_imminent": len(false),
            "per_10": round(10 * len(false) / len(rows), 2),
            "texts": false,
        }
    flagged = int((baseline.scores(texts, "imminent") >= 0.5).sum())
    out["baseline"] = {"false_imminent": flagged, "per_10": round(10 * flagged / len(rows), 2)}
    return out


def haven_written(
    test: list[training.Example], models: dict[str, classifier.Model], baseline: Baseline
) -> dict[str, Any]:
    tips = [e for e in test if e.source == "corpus"]
    texts = [e.text for e in tips]
    out: dict[str, Any] = {"rows": len(tips)}
    truth = np.array([e.urgency == "imminent" for e in tips])
    levels = np.array([e.urgency for e in tips])
    for name, m in models.items():
        results = classifier.classify_many(texts, evidence=False, using=m)
        entry: dict[str, Any] = {}
        for category in CATEGORIES:
            y = [e.labels[category] for e in tips]
            entry[category] = _auc(y, np.array([r.scores[category] for r in results]))
        predicted = np.array([r.urgency for r in results])
        entry["imminent"] = _at_threshold(truth.astype(int), (predicted == "imminent") * 1.0, 1)
        entry["urgency_accuracy"] = round(float((levels == predicted).mean()), 4)
        for lang in ("en", "es"):
            aucs = []
            for category in CATEGORIES:
                subset = [i for i, e in enumerate(tips) if e.lang == lang]
                y = [tips[i].labels[category] for i in subset]
                if (
                    auc := _auc(y, np.array([results[i].scores[category] for i in subset]))
                ) is not None:
                    aucs.append(auc)
            entry[f"mean_auc_{lang}"] = round(float(np.mean(aucs)), 4)
        out[name] = entry
    base: dict[str, Any] = {
        category: _auc([e.labels[category] for e in tips], baseline.scores(texts, category))
        for category in CATEGORIES
    }
    base["imminent"] = _at_threshold(truth.astype(int), baseline.scores(texts, "imminent"), 0.5)
    out["baseline"] = base
    return out


def speed(texts: list[str]) -> dict[str, float]:
    """Rates by CPU time of this process (the work done on its one core) and by wall-clock time
    (which also counts waiting for the core when other processes share the machine)."""
    batch = (texts * (5_000 // len(texts) + 1))[:5_000]
    classifier.classify_many(batch[:200])  # warm up
    wall, cpu = time.perf_counter(), time.process_time()
    classifier.classify_many(batch)
    batch_wall, batch_cpu = time.perf_counter() - wall, time.process_time() - cpu
    single = batch[:3_000]
    walls, cpus = [], []
    for text in single:
        wall, cpu = time.perf_counter(), time.thread_time()
        classifier.classify(text)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.thread_time() - cpu)
    return {
        "texts_per_s_batch": round(len(batch) / batch_cpu),
        "texts_per_s_single": round(len(single) / sum(cpus)),
        "p99_ms": round(float(np.percentile(cpus, 99)) * 1000, 3),
        "p50_ms": round(float(np.percentile(cpus, 50)) * 1000, 3),
        "wall_texts_per_s_batch": round(len(batch) / batch_wall),
        "wall_texts_per_s_single": round(len(single) / sum(walls)),
        "wall_p99_ms": round(float(np.percentile(walls, 99)) * 1000, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sdcnl", type=Path, help="the SDCNL train.csv (evaluation only)")
    parser.add_argument("--no-speed", action="store_true", help="leave the speed figures out")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    with threadpool_limits(1):
        train = training.load_examples("train")
        test = training.load_examples("test")
        if args.sdcnl:
            test += [e for e in training.read_sdcnl(args.sdcnl) if e.meta["split"] == "test"]
        start = time.process_time()
        baseline = Baseline(train, training.CANDIDATES[training.SHIPPED].weights)
        baseline_s = time.process_time() - start
        models, train_s = candidates(train)
        figures: dict[str, Any] = {
            "shipped": training.SHIPPED,
            "candidates": list(models),
            "real": real(test, models, baseline),
            "ordinary": ordinary(models, baseline),
            "haven_written": haven_written(test, models, baseline),
            "train_cpu_s": train_s,
            "baseline_train_cpu_s": round(baseline_s, 1),
        }
        if not args.no_speed:
            figures["speed"] = speed([e.text for e in test if e.source == "corpus"])
    print(json.dumps({"bench": "triage", **figures}, separators=(",", ":"), ensure_ascii=False))


if __name__ == "__main__":
    main()
