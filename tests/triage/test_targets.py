"""The classifier's targets, on the fixed held-out splits of the repository's data (deterministic,
not timed): real text first, each figure beside a TF-IDF + logistic-regression baseline trained
here on the same rows with the same weights; then the ordinary-but-alarming sentences and Haven's
own tip-style text (written by the same hand as the training rows).

A target the shipped model does not meet yet is an expected failure, with a floor beside it so
that it cannot get worse unnoticed, and a check that fails the day it is met (so the lists here
and docs/triage.md are updated). ``bench/triage.py`` prints the same figures, and SDCNL's, which
tests cannot read."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from haven.triage import classifier, training

TARGET_AUC = 0.85
REAL = [
    ("cssrs", "self_harm"),
    ("davidson", "bullying_harassment"),
    ("gab", "violence_threat"),
    ("gab", "bullying_harassment"),
]
# What the shipped model measures where a target is not met (bench/triage.py, docs/triage.md).
NOT_MET_AUC = {("gab", "violence_threat"): 0.744, ("cssrs", "self_harm"): 0.846}
NOT_MET_BASELINE = {("cssrs", "self_harm")}
FLOOR = 0.02  # how far below today's figure a retrained model may fall before a test fails


@pytest.fixture(scope="module")
def held_out():
    return training.load_examples("test")


@pytest.fixture(scope="module")
def baseline():
    """TF-IDF of the raw words and word pairs, a logistic regression per category."""
    train = training.load_examples("train")
    weights = training.CANDIDATES[training.SHIPPED].weights
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    X = vectorizer.fit_transform([e.text for e in train])
    w = np.array([weights[e.source] for e in train])
    models = {}
    for _, category in REAL:
        rows = [i for i, e in enumerate(train) if category in e.labels]
        y = np.array([train[i].labels[category] for i in rows])
        lr = LogisticRegression(max_iter=3_000, class_weight="balanced", random_state=0)
        models[category] = lr.fit(X[rows], y, sample_weight=w[rows])
    return lambda texts, category: models[category].predict_proba(vectorizer.transform(texts))[:, 1]


def _aucs(held_out, baseline, source, category):
    rows = [e for e in held_out if e.source == source]
    texts = [e.text for e in rows]
    y = [e.labels[category] for e in rows]
    ours = [r.scores[category] for r in classifier.classify_many(texts, evidence=False)]
    return roc_auc_score(y, ours), roc_auc_score(y, baseline(texts, category))


@pytest.mark.parametrize(("source", "category"), REAL)
def test_real_text_scores_at_least_the_baseline(held_out, baseline, source, category):
    ours, theirs = _aucs(held_out, baseline, source, category)
    if (source, category) in NOT_MET_BASELINE:
        assert ours >= theirs - 0.05  # close to it, and no worse than today
        assert ours < theirs, "met now: take it out of NOT_MET_BASELINE, update docs/triage.md"
        pytest.xfail(f"below the baseline on {source}: {ours:.3f} against {theirs:.3f}")
    assert ours >= theirs


@pytest.mark.parametrize(("source", "category"), REAL)
def test_real_text_auc_target(held_out, baseline, source, category):
    ours, _ = _aucs(held_out, baseline, source, category)
    if (source, category) in NOT_MET_AUC:
        assert ours >= NOT_MET_AUC[(source, category)] - FLOOR
        assert ours < TARGET_AUC, "met now: take it out of NOT_MET_AUC, update docs/triage.md"
        pytest.xfail(f"{category} AUC on {source} is {ours:.3f}, under {TARGET_AUC}")
    assert ours >= TARGET_AUC


def test_the_real_sets_are_split_by_author_or_post(held_out):
    train = training.load_examples("train")
    for source, _ in REAL:
        keys = {e.meta["key"] for e in train if e.source == source}
        held = [e.meta["key"] for e in held_out if e.source == source]
        assert held and keys.isdisjoint(held), source


def test_imminent_recall_on_tip_style_text(held_out):
    tips = [e for e in held_out if e.source == "corpus"]
    results = classifier.classify_many([e.text for e in tips], evidence=False)
    imminent = [r.urgency == "imminent" for e, r in zip(tips, results, strict=True)
                if e.urgency == "imminent"]  # fmt: skip
    assert len(imminent) >= 100
    assert sum(imminent) / len(imminent) >= 0.95


def test_no_more_than_one_false_imminent_in_ten_ordinary_but_alarming_sentences():
    """Sports trash talk, song lyrics, games, homework about wars, "this test is killing me":
    written for Haven and never trained on."""
    texts = [row["text"] for row in training.read_csv(training.ORDINARY)]
    imminent = [t for t, r in zip(texts, classifier.classify_many(texts), strict=True)
                if r.urgency == "imminent"]  # fmt: skip
    assert len(imminent) * 10 <= len(texts), imminent
