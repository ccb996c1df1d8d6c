"""Write ``data/corpus.csv``: Haven's own labelled examples of school tips and student messages.

Run ``python training/make_corpus.py`` after editing the templates; the output is deterministic
(fixed seeds), and a test checks that the committed file is what this script writes.

The templates are data a counsellor can review (``templates/``, CSV, one sentence a row):

* ``en.csv``, ``es.csv``: ``categories`` (``;``-separated, empty for none), ``urgency``,
  ``split`` (``train`` or ``test``) and ``template``, a hand-written sentence with ``{slots}``;
* ``slots.csv``: the values of each slot per language (``lang``, ``slot``, ``gender``,
  ``value``). A slot written with a capital letter (``{Friend}``) is capitalised at the start of
  a sentence. Values with a ``gender`` (``m``, ``f``) follow the gender drawn for the row, so
  ``{Friend}`` and ``{he}`` agree; values may hold slots themselves (``{his} dad's gun``);
* ``spelling.csv``: "student spelling" (leetspeak, ``gonna``, ``tmrw``, ``kms``, dotted letters,
  no accents) that some rows also get a copy in, with the same labels.

A template without slots gives one row; one with slots gives ``FILLS`` rows.

**The split is by template, never by row**: every row made from a ``test`` template is held out,
so the test measures new wordings, not new slot values of a wording the model has seen. About one
template in four of each label set is ``test``; mark new ones the same way.

Columns of ``corpus.csv``: ``text``, ``lang`` (en, es), ``categories``, ``urgency``, ``split`` and
``template`` (``lang-labels-urgency-NN``: the NNth template of its language and label set).

Urgency, as the team uses it:

* ``imminent``: serious harm with a plan, a time or a means, or harm happening now;
* ``high``: a serious concern without a time or means (suicidal thoughts, a threat, a call for
  violence or praise of attackers, being told to kill yourself, a weapon seen before, abuse
  disclosed, sextortion);
* ``routine``: a concern for the team to review (bullying, substance use, sadness, a fight, a wish
  that someone would die);
* ``none``: nothing to act on: questions, complaints, figures of speech ("this test is killing
  me"), games, sports, lyrics, homework about wars, and statements that deny a risk ("I would
  never ...").
"""

# Random is seeded to make sample data, not for security.
# ruff: noqa: S311

from __future__ import annotations

import csv
import random
import re
import sys
import zlib
from pathlib import Path

FILLS = 3
AUGMENT_RATE = 0.3
HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
CORPUS = HERE / "data" / "corpus.csv"
LANGUAGES = ("en", "es")
CATEGORIES = (
    "self_harm",
    "violence_threat",
    "weapon",
    "bullying_harassment",
    "sexual_abuse_or_exploitation",
    "substance",
    "other_concern",
)
URGENCIES = ("none", "routine", "high", "imminent")
SPLITS = ("train", "test")
FIELDS = ["text", "lang", "categories", "urgency", "split", "template"]

_SLOT = re.compile(r"\{(\w+)\}")
_ACCENTS = str.maketrans("áéíóúñÁÉÍÓÚ¿¡", "aeiounAEIOU  ")

Slots = dict[str, dict[str, list[str]]]  # slot -> gender ("" for any) -> values


class TemplateError(ValueError):
    """A template file that cannot be read: says which file and line."""


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def templates(lang: str) -> list[dict[str, str]]:
    """The templates of one language, checked."""
    path = TEMPLATES / f"{lang}.csv"
    rows = _read(path)
    for line, row in enumerate(rows, start=2):
        where = f"{path.name} line {line}"
        labels = [c for c in row["categories"].split(";") if c]
        if unknown := set(labels) - set(CATEGORIES):
            raise TemplateError(f"{where}: unknown category {sorted(unknown)}")
        if row["urgency"] not in URGENCIES:
            raise TemplateError(f"{where}: unknown urgency {row['urgency']!r}")
        if row["split"] not in SPLITS:
            raise TemplateError(f"{where}: split must be train or test, not {row['split']!r}")
        if not row["template"].strip():
            raise TemplateError(f"{where}: empty template")
        if not labels and row["urgency"] != "none":
            raise TemplateError(f"{where}: no category, so the urgency must be none")
    return rows


def slots() -> dict[str, Slots]:
    """Slot values per language: ``{lang: {slot: {gender: [values]}}}`` (``""``: any gender)."""
    out: dict[str, Slots] = {lang: {} for lang in LANGUAGES}
    for row in _read(TEMPLATES / "slots.csv"):
        if row["gender"] not in ("", "m", "f"):
            raise TemplateError(f"slots.csv: gender must be m, f or empty: {row}")
        out[row["lang"]].setdefault(row["slot"], {}).setdefault(row["gender"], []).append(
            row["value"]
        )
    return out


def spelling() -> dict[str, list[tuple[str, list[str]]]]:
    out: dict[str, list[tuple[str, list[str]]]] = {lang: [] for lang in LANGUAGES}
    for row in _read(TEMPLATES / "spelling.csv"):
        out[row["lang"]].append((row["words"], row["student_spellings"].split("|")))
    return out


def student_spelling(
    text: str, lang: str, rng: random.Random, rules: list[tuple[str, list[str]]]
) -> str:
    """The same message as a student might type it; the labels do not change."""
    out = text.lower() if rng.random() < 0.7 else text
    if rng.random() < 0.6:
        out = out.replace("'", "")
    for plain, spellings in rules:
        pattern = re.compile(rf"\b{re.escape(plain)}", re.IGNORECASE)
        if pattern.search(out) and rng.random() < 0.6:
            out = pattern.sub(rng.choice(spellings), out, count=1)
    if lang == "es" and rng.random() < 0.6:
        out = out.translate(_ACCENTS).strip()
    return out


class Draw(dict[str, str]):
    """Slot values for one row, drawn when a template first uses them (so a new slot elsewhere
    changes nothing here), all of one gender."""

    def __init__(self, lang_slots: Slots, rng: random.Random) -> None:
        super().__init__()
        self.slots = lang_slots
        self.rng = rng
        self.gender = rng.choice("mf")

    def __missing__(self, key: str) -> str:
        by_gender = self.slots.get(key)
        if by_gender is None:
            raise KeyError(key)
        options = by_gender.get(self.gender) or by_gender[""]
        value = options[0] if len(options) == 1 else self.rng.choice(options)
        self[key] = value
        return value


def fill(template: str, values: dict[str, str]) -> str:
    def one(m: re.Match[str]) -> str:
        key = m.group(1)
        try:
            return values[key]
        except KeyError:
            pass
        try:
            value = values[key.lower()]
        except KeyError:
            raise TemplateError(f"unknown slot {key!r} in {template!r}") from None
        # capitalised at the start of a sentence only: "{Friend} said" but "a video of {Friend}"
        before = m.string[: m.start()].rstrip(" ")
        return value[:1].upper() + value[1:] if before[-1:] in ("", ".", "?", "!") else value

    for _ in range(4):  # slot values may hold slots ("{his} dad's gun")
        if "{" not in template:
            break
        template = _SLOT.sub(one, template)
    return template


def rows() -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    all_slots, rules = slots(), spelling()
    for lang in LANGUAGES:
        counters: dict[tuple[str, str], int] = {}
        for row in templates(lang):
            template = row["template"].strip()
            key = (row["categories"], row["urgency"])
            index = counters.get(key, 0)
            counters[key] = index + 1
            label = row["categories"].replace(";", "+") or "none"
            template_id = f"{lang}-{label}-{row['urgency']}-{index:02d}"
            rng = random.Random(zlib.crc32(template.encode()))
            fills = FILLS if _SLOT.search(template) else 1
            for _ in range(fills):
                texts = [fill(template, Draw(all_slots[lang], rng))]
                if rng.random() < AUGMENT_RATE:
                    texts.append(student_spelling(texts[0], lang, rng, rules[lang]))
                for item in texts:
                    if item in seen:
                        continue
                    seen.add(item)
                    out.append({
                        "text": item, "lang": lang, "categories": row["categories"],
                        "urgency": row["urgency"], "split": row["split"],
                        "template": template_id,
                    })  # fmt: skip
    return out


def write(path: Path = CORPUS) -> int:
    data = rows()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(data)
    return len(data)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS
    print(f"{write(target)} rows -> {target}")
