"""Training is reproducible, and the shipped model is what training produces."""

from __future__ import annotations

import csv
import importlib.util
import io
import json

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from haven.triage import classifier, training
from haven.triage.management.commands.triage import Command


@pytest.fixture(scope="session")
def trained():
    """The model ``haven triage train`` builds from the repository's data (trained once)."""
    return training.train()


def test_shipped_model_is_what_training_produces(trained):
    """Compared by what the models compute (vocabulary, weights, calibration, probe scores):
    pickles of the same model are not byte-identical from one run to the next."""
    shipped = classifier.load().bundle
    assert shipped["data"] == training.data_digest()
    assert training.differences(trained, shipped) == []


def test_differences_notices_another_model(trained):
    other = dict(trained, urgency=dict(trained["urgency"]))
    other["urgency"]["high"] = trained["urgency"]["imminent"]
    assert training.differences(trained, other) == [
        "high: different weights",
        "high: different intercept",
        "high: different calibration",
        "different scores on the probe texts",
    ]


def test_shipped_model_is_small():
    assert training.MODEL.stat().st_size < 5_000_000


def test_corpus_is_what_its_generator_writes(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "make_corpus", training.DATA_DIR / "make_corpus.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = tmp_path / "corpus.csv"
    module.write(written)
    assert written.read_bytes() == training.CORPUS.read_bytes()


def test_test_split_never_trains():
    with training.CORPUS.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    train = {r["text"] for r in rows if r["split"] == "train"}
    test = {r["text"] for r in rows if r["split"] == "test"}
    assert train.isdisjoint(test)
    templates = {
        split: {r["template"] for r in rows if r["split"] == split} for split in ("train", "test")
    }
    assert templates["train"].isdisjoint(templates["test"])
    trained_on = {e.text for e in training.load_examples("train")}
    assert trained_on.isdisjoint(e.text for e in training.load_examples("test"))


def test_corpus_covers_every_category_and_urgency_in_both_languages():
    examples = [e for e in training.load_examples("train") if e.source == "corpus"]
    for lang in ("en", "es"):
        rows = [e for e in examples if e.lang == lang]
        for category in training.CATEGORIES:
            assert sum(e.labels[category] for e in rows) >= 10, (lang, category)
        assert {e.urgency for e in rows} == set(classifier.URGENCIES)


def test_public_subsets_are_reproducible_from_the_shared_data(tmp_path):
    source = training.shared_dir()
    if not (source / "cssrs_reddit500" / "train.csv").exists():
        pytest.skip("the shared data sets are not on this machine")
    training.import_shared(source, tmp_path)
    for path in (training.CSSRS, training.DAVIDSON):
        assert (tmp_path / path.name).read_bytes() == path.read_bytes()


def test_public_subsets_hold_out_users_and_tweets():
    cssrs = [e for e in training.load_examples("test") if e.source == "cssrs"]
    davidson = [e for e in training.load_examples("test") if e.source == "davidson"]
    assert len(cssrs) >= 50 and len(davidson) >= 1_000
    assert {e.labels["self_harm"] for e in cssrs} == {0, 1}


def test_cli_classify_prints_json():
    out = io.StringIO()
    call_command(Command(), "classify", "tonight I'm going to end it", stdout=out)
    data = json.loads(out.getvalue())
    assert data["urgency"] == "imminent"
    assert {c["name"] for c in data["categories"]} == set(training.CATEGORIES)
    assert any(e["category"] == "self_harm" for e in data["evidence"])


def test_cli_train_check_accepts_the_shipped_model(trained, monkeypatch):
    monkeypatch.setattr(training, "train", lambda: trained)
    out = io.StringIO()
    call_command(Command(), "train", "--check", "--no-shared", stdout=out)
    assert "is what training produces" in out.getvalue()


def test_cli_train_check_refuses_another_model(trained, monkeypatch):
    other = dict(trained)
    other["categories"] = dict(trained["categories"])
    other["categories"]["weapon"] = trained["categories"]["substance"]
    monkeypatch.setattr(training, "train", lambda: other)
    with pytest.raises(CommandError, match="weapon"):
        call_command(Command(), "train", "--check", "--no-shared")


def test_cli_train_writes_a_loadable_model(trained, monkeypatch, tmp_path):
    monkeypatch.setattr(training, "train", lambda: trained)
    target = tmp_path / "model.joblib"
    call_command(Command(), "train", "--no-shared", "--output", str(target), stdout=io.StringIO())
    loaded = classifier.load(target)
    scores = loaded.outputs_for("i want to die")
    assert np.all((0 <= scores) & (scores <= 1))
