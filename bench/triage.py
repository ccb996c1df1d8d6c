"""Triage classifier benchmark: accuracy on held-out data against a plain baseline, and speed.

Prints one JSON line. Accuracy is measured on rows the shipped model was not trained on:

* ``tips``: the ``test`` split of Haven's corpus (``haven/triage/data/corpus.csv``), whose
  templates are disjoint from the training split's: per-category ROC-AUC, and for ``imminent``
  the recall and precision at the operating point (the rules of ``haven.triage.classifier``);
* ``cssrs``: the held-out users of the C-SSRS Reddit subset, ``self_harm`` AUC (Ideation,
  Behavior or Attempt against Supportive or Indicator);
* ``davidson``: the held-out tweets of the Davidson subset, ``bullying_harassment`` AUC (hate or
  offensive against neither).

The baseline is trained in the same run on the same training rows and weights: word and word-pair
counts (scikit-learn's ``CountVectorizer``, no normalisation) with a logistic regression per
category, and one for ``imminent`` (urgency labels of the corpus), whose operating point is 0.5.

Speed, on one core (pinned where the OS allows, BLAS limited to one thread), over the tip test
texts with evidence: texts per second for a batch (``classify_many``) and one by one
(``classify``), and the p99 latency of one classification, by the CPU time the process spends (its
work on the core); the ``wall_`` figures are the same by the clock, which on a shared machine also
counts the time spent waiting for the core.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from haven.triage import classifier, training

CATEGORIES = training.CATEGORIES


def _auc(y: list[int], scores: np.ndarray) -> float | None:
    return round(float(roc_auc_score(y, scores)), 4) if 0 < sum(y) < len(y) else None


def _recall_precision(truth: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    hits = int((truth & predicted).sum())
    return {
        "recall": round(hits / max(int(truth.sum()), 1), 4),
        "precision": round(hits / max(int(predicted.sum()), 1), 4),
    }


def baseline(train: list[training.Example]) -> dict[str, object]:
    """Word and word-pair counts + logistic regression, per category and for imminent."""
    vec = CountVectorizer(ngram_range=(1, 2), min_df=2)
    X = vec.fit_transform([e.text for e in train])
    weights = np.array([e.weight for e in train])
    models: dict[str, object] = {"vectorizer": vec}
    for category in CATEGORIES:
        rows = [i for i, e in enumerate(train) if category in e.labels]
        y = np.array([train[i].labels[category] for i in rows])
        lr = LogisticRegression(max_iter=2_000, class_weight="balanced", random_state=0)
        models[category] = lr.fit(X[rows], y, sample_weight=weights[rows])
    rows = [i for i, e in enumerate(train) if e.urgency is not None]
    y = np.array([int(train[i].urgency == "imminent") for i in rows])
    lr = LogisticRegression(max_iter=2_000, class_weight="balanced", random_state=0)
    models["imminent"] = lr.fit(X[rows], y)
    return models


def _baseline_scores(models: dict[str, object], texts: list[str], name: str) -> np.ndarray:
    X = models["vectorizer"].transform(texts)  # type: ignore[attr-defined]
    return models[name].predict_proba(X)[:, 1]  # type: ignore[attr-defined]


def accuracy(models: dict[str, object]) -> dict[str, object]:
    test = training.load_examples("test")
    tips = [e for e in test if e.source == "corpus"]
    texts = [e.text for e in tips]
    results = classifier.classify_many(texts, evidence=False)
    out: dict[str, object] = {"rows": len(tips)}
    for category in CATEGORIES:
        y = [e.labels[category] for e in tips]
        ours = np.array([r.scores[category] for r in results])
        out[category] = {
            "auc": _auc(y, ours),
            "baseline_auc": _auc(y, _baseline_scores(models, texts, category)),
            "positives": sum(y),
        }
    truth = np.array([e.urgency == "imminent" for e in tips])
    ours_imminent = np.array([r.urgency == "imminent" for r in results])
    theirs = _baseline_scores(models, texts, "imminent") >= 0.5
    out["imminent"] = {
        **_recall_precision(truth, ours_imminent),
        "baseline": _recall_precision(truth, theirs),
        "positives": int(truth.sum()),
    }
    levels = np.array([e.urgency for e in tips])
    predicted = np.array([r.urgency for r in results])
    out["urgency_accuracy"] = round(float((levels == predicted).mean()), 4)
    for lang in ("en", "es"):
        subset = [i for i, e in enumerate(tips) if e.lang == lang]
        aucs = []
        for category in CATEGORIES:
            y = [tips[i].labels[category] for i in subset]
            s = np.array([results[i].scores[category] for i in subset])
            if (auc := _auc(y, s)) is not None:
                aucs.append(auc)
        out[f"mean_auc_{lang}"] = round(float(np.mean(aucs)), 4)
    shared: dict[str, object] = {}
    for source, category in (("cssrs", "self_harm"), ("davidson", "bullying_harassment")):
        rows = [e for e in test if e.source == source]
        if not rows:
            continue
        y = [e.labels[category] for e in rows]
        ours = np.array(
            [r.scores[category] for r in classifier.classify_many([e.text for e in rows])]
        )
        shared[source] = {
            "category": category,
            "rows": len(rows),
            "auc": _auc(y, ours),
            "baseline_auc": _auc(y, _baseline_scores(models, [e.text for e in rows], category)),
        }
    return {"tips": out, "shared": shared}


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
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    with threadpool_limits(1):
        start = time.perf_counter()
        models = baseline(training.load_examples("train"))
        baseline_s = time.perf_counter() - start
        classifier.model()
        figures = accuracy(models)
        tips = [e.text for e in training.load_examples("test") if e.source == "corpus"]
        figures["speed"] = speed(tips)
        figures["baseline_train_s"] = round(baseline_s, 2)
    print(json.dumps({"bench": "triage", **figures}, separators=(",", ":")))


if __name__ == "__main__":
    main()
