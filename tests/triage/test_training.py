"""Training is reproducible from the repository's training/ folder, the shipped model is what
training produces, and the installed package carries only the model."""

from __future__ import annotations

import csv
import gzip
import importlib.util
import io
import json
import tomllib

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from haven.triage import classifier, training
from haven.triage.management.commands.triage import Command


def make_corpus():
    """The corpus generator, from the repository's training/ folder (not an installed module)."""
    spec = importlib.util.spec_from_file_location(
        "make_corpus", training.TRAINING_DIR / "make_corpus.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def trained():
    """The model ``haven triage train`` builds from the repository's data (trained once)."""
    return training.train()


def test_shipped_model_is_what_training_produces(trained):
    """Compared by what the models compute (vocabulary, weights, calibration, probe scores):
    pickles of the same model are not byte-identical from one run to the next."""
    shipped = classifier.load().bundle
    assert shipped["data"] == training.data_digest()
    assert shipped["recipe"] == training.SHIPPED
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


def test_differences_notices_another_recipe(trained):
    other = dict(trained, recipe="linear", features={})
    assert training.differences(trained, other) == ["different recipes"]


def test_shipped_model_is_small():
    assert training.MODEL.stat().st_size < 5_000_000


def test_the_package_carries_only_the_model():
    """The training data and the corpus generator live in training/, outside the package: of
    triage's files, package-data installs the model only."""
    assert sorted(p.name for p in training.MODEL.parent.iterdir()) == ["model.joblib"]
    with (training.REPO_ROOT / "pyproject.toml").open("rb") as handle:
        setup = tomllib.load(handle)["tool"]["setuptools"]
    assert setup["packages"]["find"]["include"] == ["haven*"]
    assert training.TRAINING_DIR.parent == training.REPO_ROOT  # not under haven/
    assert not (training.TRAINING_DIR / "__init__.py").exists()


def test_corpus_is_what_its_generator_writes(tmp_path):
    written = tmp_path / "corpus.csv"
    make_corpus().write(written)
    assert written.read_bytes() == training.CORPUS.read_bytes()


def test_a_template_with_an_unknown_category_is_refused_with_its_line(tmp_path, monkeypatch):
    module = make_corpus()
    for name in ("en.csv", "es.csv", "slots.csv", "spelling.csv"):
        (tmp_path / name).write_bytes((module.TEMPLATES / name).read_bytes())
    with (tmp_path / "en.csv").open("a", encoding="utf-8") as handle:
        handle.write("self_harm;bulying,high,train,they keep telling {Friend} to die\n")
    monkeypatch.setattr(module, "TEMPLATES", tmp_path)
    with pytest.raises(module.TemplateError, match=r"en.csv line \d+: unknown category"):
        module.rows()


def test_a_template_with_an_unknown_slot_is_refused(tmp_path, monkeypatch):
    module = make_corpus()
    for name in ("en.csv", "es.csv", "slots.csv", "spelling.csv"):
        (tmp_path / name).write_bytes((module.TEMPLATES / name).read_bytes())
    with (tmp_path / "en.csv").open("a", encoding="utf-8") as handle:
        handle.write("violence_threat,high,train,{Frend} said {he} would hurt someone\n")
    monkeypatch.setattr(module, "TEMPLATES", tmp_path)
    with pytest.raises(module.TemplateError, match="unknown slot 'Frend'"):
        module.rows()


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
    trained_on = training.load_examples("train")
    held_out = training.load_examples("test")
    assert {e.text for e in trained_on}.isdisjoint(e.text for e in held_out)
    for source in ("cssrs", "davidson", "gab"):  # no user or post on both sides
        keys = {e.meta["key"] for e in trained_on if e.source == source}
        assert keys.isdisjoint(e.meta["key"] for e in held_out if e.source == source), source


def test_the_ordinary_sentences_are_never_trained_on():
    ordinary = {row["text"].casefold() for row in training.read_csv(training.ORDINARY)}
    assert len(ordinary) >= 30
    assert ordinary.isdisjoint(e.text.casefold() for e in training.load_examples("train"))


def test_corpus_covers_every_category_and_urgency_in_both_languages():
    examples = [e for e in training.load_examples("train") if e.source == "corpus"]
    for lang in ("en", "es"):
        rows = [e for e in examples if e.lang == lang]
        for category in training.CATEGORIES:
            assert sum(e.labels[category] for e in rows) >= 10, (lang, category)
        assert {e.urgency for e in rows} == set(classifier.URGENCIES)


def _write(path, fields, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(fields)
        writer.writerows(rows)


@pytest.fixture
def originals(tmp_path):
    """A small stand-in for the original public data sets, in their own column layouts."""
    source = tmp_path / "source"
    _write(
        source / "cssrs_reddit500" / "train.csv",
        ["User", "Post", "Label"],
        [[f"user-{i}", str([f"post {i} one", f"post {i} two"]), label]
         for i, label in enumerate(["Ideation", "Supportive", "Attempt", "Indicator"] * 5)],
    )  # fmt: skip
    _write(
        source / "davidson_hate_offensive" / "train.csv",
        ["", "count", "hate_speech", "offensive_language", "neither", "class", "tweet"],
        [[str(i), "3", "0", "0", "3", str(i % 3), f"@someone tweet &amp; {i} http://x.co/{i}"]
         for i in range(60)]
        + [["99", "3", "0", "0", "3", "2", "@someone tweet &amp; 2 http://x.co/2"]],  # a retweet
    )  # fmt: skip
    _write(
        source / "gab_hate_corpus" / "train.csv",
        ["text", "label", "cv", "hd", "vo", "ghc_split"],
        [[f"post number {i}", "none", "0", "0", "0", "ghc_train"] for i in range(30)]
        + [["they ought to be hung", "call_for_violence", "1", "1", "0", "ghc_train"],
           ["THEY OUGHT TO BE HUNG", "call_for_violence", "1", "0", "0", "ghc_test"],
           ["a test post", "none", "0", "0", "0", "ghc_test"]],
    )  # fmt: skip
    return source


def _rows(path):
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_importing_the_public_data_is_deterministic(originals, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    assert training.import_shared(originals, first) == training.import_shared(originals, second)
    for name in (training.CSSRS.name, training.DAVIDSON.name, training.GAB.name):
        assert (first / name).read_bytes() == (second / name).read_bytes()


def test_importing_the_public_data_holds_out_users_and_posts(originals, tmp_path):
    counts = training.import_shared(originals, tmp_path)
    cssrs = _rows(tmp_path / training.CSSRS.name)
    assert counts["cssrs"] == len(cssrs) == 20
    assert {r["split"] for r in cssrs} == {"train", "test"}
    assert cssrs[0]["text"] == "post 0 one post 0 two"
    davidson = _rows(tmp_path / training.DAVIDSON.name)
    assert len({r["text"] for r in davidson}) == len(davidson)  # the retweet once
    assert all("@user" in r["text"] and "URL" in r["text"] and "&" in r["text"] for r in davidson)
    gab = _rows(tmp_path / training.GAB.name)
    # the same post twice (case aside) is kept once, on the training side
    assert [r["split"] for r in gab if r["text"].casefold() == "they ought to be hung"] == ["train"]
    # the corpus's own test split is kept whole; "none" training posts are thinned out
    assert any(r["text"] == "a test post" and r["split"] == "test" for r in gab)
    kept = [r for r in gab if r["text"].startswith("post number")]
    assert 0 < len(kept) < 30


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
    call_command(Command(), "train", "--check", stdout=out)
    assert "is what training produces" in out.getvalue()


def test_cli_train_check_refuses_another_model(trained, monkeypatch):
    other = dict(trained)
    other["categories"] = dict(trained["categories"])
    other["categories"]["weapon"] = trained["categories"]["substance"]
    monkeypatch.setattr(training, "train", lambda: other)
    with pytest.raises(CommandError, match="weapon"):
        call_command(Command(), "train", "--check")


def test_cli_train_writes_a_loadable_model(trained, monkeypatch, tmp_path):
    monkeypatch.setattr(training, "train", lambda: trained)
    target = tmp_path / "model.joblib"
    call_command(Command(), "train", "--output", str(target), stdout=io.StringIO())
    loaded = classifier.load(target)
    scores = loaded.outputs_for("i want to die")
    assert np.all((0 <= scores) & (scores <= 1))


def test_cli_train_without_the_training_data_says_where_it_lives(monkeypatch, tmp_path):
    monkeypatch.setattr(training, "CORPUS", tmp_path / "missing" / "corpus.csv")
    with pytest.raises(CommandError, match="training/ folder"):
        call_command(Command(), "train", "--check")


def test_cli_train_imports_the_public_data_first(originals, trained, monkeypatch, tmp_path):
    target = tmp_path / "subsets"
    target.mkdir()
    real_import = training.import_shared
    monkeypatch.setattr(training, "import_shared", lambda source: real_import(source, target))
    monkeypatch.setattr(training, "train", lambda: trained)
    err = io.StringIO()
    call_command(
        Command(), "train", "--import-from", str(originals), "--output",
        str(tmp_path / "model.joblib"), stderr=err, stdout=io.StringIO(),
    )  # fmt: skip
    assert (target / training.GAB.name).exists()
    assert "rewrote the public data subsets" in err.getvalue()


def test_a_mixture_adds_its_domain_experts_regression_to_the_general_one():
    """The expert learns from the marked rows alone; the sum is one linear model."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 6))
    y = (X[:, 0] + (np.arange(400) < 150) * X[:, 1] + rng.normal(size=400) > 0).astype(int)
    weights = rng.uniform(0.5, 2.0, size=400)
    expert = np.arange(400) < 150
    mixture = training.Mixture(2.0, 0.5).fit(X, y, sample_weight=weights, expert=expert)
    general = training._regression(2.0).fit(X, y, sample_weight=weights)
    domain = training._regression(2.0).fit(X[expert], y[expert])
    assert np.allclose(mixture.coef_, general.coef_ + 0.5 * domain.coef_)
    assert np.allclose(mixture.intercept_, general.intercept_ + 0.5 * domain.intercept_)
    linear = X @ mixture.coef_[0] + mixture.intercept_[0]
    assert np.allclose(mixture.predict_proba(X)[:, 1], 1 / (1 + np.exp(-linear)))
    alone = training.Mixture(2.0, 0.5).fit(X, y, sample_weight=weights)
    assert np.allclose(alone.coef_, general.coef_)
    positives = expert & (y == 1)
    one_class = training.Mixture(2.0, 0.5).fit(X, y, sample_weight=weights, expert=positives)
    assert np.allclose(one_class.coef_, general.coef_)  # an expert needs both classes


def test_a_recipe_with_experts_folds_into_the_classifiers_matrix():
    """The ``experts`` candidate's mixtures are one linear model each: the classifier's scores equal
    scikit-learn's own (on a small sample of the training rows, to be quick)."""
    examples = training.load_examples("train")
    gab = [e for e in examples if e.source == "gab"]
    sample = [e for e in examples if e.source in ("cssrs", "corpus")]
    sample += [e for e in gab if e.labels["violence_threat"]] + gab[:600]
    sample += [e for e in examples if e.source == "davidson"][:300]
    recipe = training.CANDIDATES["experts"]
    bundle = training.fit(sample, recipe)
    for category in training.CATEGORIES:
        fitted = bundle["categories"][category].calibrated_classifiers_[0].estimator
        if category in recipe.experts:
            assert isinstance(fitted, training.Mixture)
            assert fitted.mix == recipe.experts[category][1]
        else:
            assert not isinstance(fitted, training.Mixture)
    model = classifier.Model(bundle)
    ours = np.array([model.outputs_for(t) for t in training.PROBE])
    assert np.abs(ours - training.probe_scores(bundle)).max() < 1e-9
