"""``haven triage``: the triage classifier from the command line.

* ``haven triage classify "text"`` prints the classification as JSON (the API's shape); ``-``
  reads the text from standard input.
* ``haven triage train`` rebuilds ``haven/triage/data/model.joblib`` from the training data in the
  repository's ``training/`` folder (a checkout: the installed package carries only the model).
  ``--import-from PATH`` first rewrites the repository's subsets of the public data sets from
  their originals in ``PATH`` (deterministically: the same files give the same subsets).
  ``--check`` trains without writing and fails if the result differs from the shipped model.
* ``haven triage cross-validate`` prints cross-validated figures for the training split (folded by
  template): what the classifier's operating thresholds were chosen on.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "The triage classifier: classify a text, train the model, cross-validate."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        sub = parser.add_subparsers(
            dest="subcommand", required=True, metavar="classify|train|cross-validate"
        )
        classify = sub.add_parser("classify", help="classify a text and print JSON")
        classify.add_argument("text", help="the text ('-': read standard input)")
        classify.add_argument("--no-evidence", action="store_true", help="leave evidence out")
        train = sub.add_parser("train", help="rebuild the model file from the training data")
        train.add_argument(
            "--import-from",
            type=Path,
            metavar="PATH",
            help="first rewrite the public data subsets from the original data sets in PATH",
        )
        train.add_argument(
            "--check", action="store_true", help="write nothing; fail if the shipped model differs"
        )
        train.add_argument("--output", type=Path, help="where to write the model file")
        sub.add_parser("cross-validate", help="cross-validated figures for the training split")

    def handle(self, *args: Any, **options: Any) -> None:
        subcommand = options["subcommand"]
        if subcommand == "classify":
            self.classify(options)
        elif subcommand == "train":
            self.train(options)
        else:
            self.cross_validate()

    def classify(self, options: dict[str, Any]) -> None:
        from haven.triage import classifier

        text = sys.stdin.buffer.read() if options["text"] == "-" else options["text"]
        result = classifier.classify(text, evidence=not options["no_evidence"])
        self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))

    def train(self, options: dict[str, Any]) -> None:
        from haven.triage import classifier, training

        source = options["import_from"]
        try:
            if source is not None:
                counts = training.import_shared(source)
                self.stderr.write(f"rewrote the public data subsets from {source}: {counts}")
            start = time.perf_counter()
            bundle = training.train()
        except training.MissingData as error:
            raise CommandError(str(error)) from error
        seconds = time.perf_counter() - start
        if options["check"]:
            if not training.MODEL.exists():
                raise CommandError(f"no shipped model at {training.MODEL}")
            differences = training.differences(bundle, classifier.load().bundle)
            if differences:
                raise CommandError("the shipped model differs: " + "; ".join(differences))
            self.stdout.write(f"the shipped model is what training produces ({seconds:.1f} s)")
            return
        target = options["output"] or training.MODEL
        training.save(bundle, target)
        self.stdout.write(
            f"trained on {bundle['rows']} rows in {seconds:.1f} s; "
            f"wrote {target} ({target.stat().st_size / 1e6:.2f} MB)"
        )

    def cross_validate(self) -> None:
        from sklearn.metrics import roc_auc_score

        from haven.triage import classifier, training
        from haven.triage import text as triage_text

        cv = training.cross_validate()
        examples = cv["examples"]
        figures: dict[str, Any] = {"rows": len(examples)}
        for k, category in enumerate(training.CATEGORIES):
            y = [e.labels[category] for e in examples]
            figures[category] = round(float(roc_auc_score(y, cv["scores"][:, k])), 4)
        levels = np.array([e.urgency for e in examples])
        predicted = []
        for i, marked in enumerate(cv["marked"]):
            ladder = np.array([cv["p_routine"][i], cv["p_high"][i], cv["p_imminent"][i]])
            cues = triage_text.find_cues(marked) if ladder[1] >= classifier.CUE_HIGH else []
            predicted.append(classifier.urgency(cv["scores"][i], ladder, cues))
        guess = np.array(predicted)
        truth = levels == "imminent"
        hits = int((truth & (guess == "imminent")).sum())
        figures["imminent_recall"] = round(hits / max(int(truth.sum()), 1), 4)
        figures["imminent_precision"] = round(hits / max(int((guess == "imminent").sum()), 1), 4)
        figures["urgency_accuracy"] = round(float((guess == levels).mean()), 4)
        self.stdout.write(json.dumps(figures))
