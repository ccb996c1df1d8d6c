"""Registry screening: import a synthetic registry, build the index, screen visitors.

Builds a deterministic synthetic registry (``--records``, 1,000,000 by default) with aliases,
compound and accented surnames, middle names and suffixes, writes it as the CSV that ``haven
import-registry`` reads and imports it through the same function (timed, in a child process so that
the index's memory is measured on its own). Then builds the index (time, RSS) and screens a query
set: registrants under variants (typo, nickname, swapped names, hyphenated surname, day/month swap,
…) and absent visitors (fresh people, and registrants' exact names with another date of birth).

Reports import time, index build time and memory, p50/p99 latency, recall on present variants, the
false match / false review rates on absent visitors, and the same figures for a naive baseline
(rapidfuzz over every name in the registry, then the same date rules) on a subsample, in the same
run. Runs standalone on a fresh SQLite database in a temporary data directory:
``python bench/screening.py [--records N]``. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import multiprocessing
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

COMMON_SURNAMES = """smith johnson williams brown jones garcia miller davis rodriguez martinez
hernandez lopez gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson white
harris sanchez clark ramirez lewis robinson walker young allen king wright scott torres nguyen hill
flores green adams nelson baker hall rivera campbell mitchell carter roberts gomez phillips evans
turner diaz parker cruz edwards collins reyes stewart morris morales murphy cook rogers gutierrez
ortiz morgan cooper peterson bailey reed kelly howard ramos kim cox ward richardson watson brooks
chavez wood james bennett gray mendoza ruiz hughes price alvarez castillo sanders patel myers long
ross foster jimenez""".split()
ACCENTED = {
    "garcia": "García",
    "rodriguez": "Rodríguez",
    "martinez": "Martínez",
    "hernandez": "Hernández",
    "lopez": "López",
    "gonzalez": "González",
    "perez": "Pérez",
    "sanchez": "Sánchez",
    "ramirez": "Ramírez",
    "gomez": "Gómez",
    "diaz": "Díaz",
    "gutierrez": "Gutiérrez",
    "jimenez": "Jiménez",
    "alvarez": "Álvarez",
    "jose": "José",
    "maria": "María",
    "ramon": "Ramón",
    "andres": "Andrés",
    "raul": "Raúl",
    "hector": "Héctor",
    "joaquin": "Joaquín",
    "sofia": "Sofía",
    "lucia": "Lucía",
    "renee": "Renée",
    "zoe": "Zoë",
}
EXTRA_GIVEN = (
    "jose maria juan carlos luis ramon andres raul hector joaquin sofia lucia renee zoe".split()
)
SYLLABLES = """ba be bi bo bu da de di do ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no
nu
ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo wa we wi zo zu bar ber bor dan den don
gar ger gor han hen kar ker lan len lin man men mor nar ner ran ren ron sal sel son tan ten tor van
ven win wel ham ford ley ton berg stein ski son ova ez ina""".split()
JURISDICTIONS = """AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT
NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY""".split()
PARTICLES = ["de la", "del", "van", "de", "von"]
SUFFIXES = ["Jr", "Sr", "II", "III"]
FIELDS = [
    "record_id",
    "last_name",
    "first_name",
    "middle_name",
    "suffix",
    "aliases",
    "date_of_birth",
    "sex",
    "jurisdiction",
    "source_url",
]


def setup(data_dir: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "haven.settings"
    os.environ["HAVEN_ENV"] = "development"
    os.environ["HAVEN_DATA_DIR"] = data_dir
    os.environ["DATABASE_URL"] = ""  # the embedded default, whatever the environment says
    os.environ["REDIS_URL"] = ""
    os.environ["HAVEN_AUDIT_KEY"] = "bench-audit-key-" + secrets.token_hex(16)
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


def rss_mb(field: str = "VmRSS") -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


# --- the synthetic population ---------------------------------------------------------------------


class Population:
    """Deterministic people: Zipf-like name frequencies (a few very common names, a long tail)."""

    def __init__(self, seed: int) -> None:
        from haven.screening.names import nickname_table

        self.rng = random.Random(seed)
        table = nickname_table()
        formal = sorted({f for names in table.values() for f in names if len(f) > 2})
        # Ranked at random: alphabetical order would make Abbie, Abby, Abigail … the most common.
        random.Random(seed + 2).shuffle(formal)
        self.given = EXTRA_GIVEN + formal
        self.nicknames: dict[str, list[str]] = {}
        for nickname, names in table.items():
            for name in names:
                if name != nickname:
                    self.nicknames.setdefault(name, []).append(nickname)
        pool = random.Random(seed + 1)
        synthetic = {
            "".join(pool.choice(SYLLABLES) for _ in range(pool.choice((2, 2, 3, 3, 4))))
            for _ in range(300_000)
        }
        self.surnames = COMMON_SURNAMES + sorted(synthetic - set(COMMON_SURNAMES))
        # Shaped on US name statistics: the most common surname ~0.8% of people (Smith), the sum of
        # squared surname shares ~6e-4; the most common given name ~4% (registrants are mostly
        # men), the sum of squares ~0.009. So a million registrants hold ~5 people with any given
        # visitor's exact first and last name, as a real national registry would.
        self.given_weights = _zipf(len(self.given), 1.0, 3)
        self.surname_weights = _zipf(len(self.surnames), 0.9, 5)

    def first(self) -> str:
        return self.rng.choices(self.given, cum_weights=self.given_weights)[0]

    def last(self) -> str:
        return self.rng.choices(self.surnames, cum_weights=self.surname_weights)[0]

    def person(self, number: int) -> dict[str, Any]:
        rng = self.rng
        first, last = self.first(), self.last()
        roll = rng.random()
        if roll < 0.06:
            last = f"{last}-{self.last()}"
        elif roll < 0.08:
            last = f"{rng.choice(PARTICLES)} {last}"
        middle = ""
        roll = rng.random()
        if roll < 0.4:
            middle = self.first()
        elif roll < 0.6:
            middle = self.first()[0]
        born = dt.date(1945, 1, 1) + dt.timedelta(days=rng.randrange(22_645))  # to 2006
        aliases = []
        for _ in range(rng.choice((0, 0, 0, 0, 0, 0, 1, 1, 2, 3))):
            kind = rng.random()
            if kind < 0.4 and self.nicknames.get(first):
                aliases.append(f"{rng.choice(self.nicknames[first])} {last}")
            elif kind < 0.7:
                aliases.append(f"{first} {self.last()}")
            else:
                aliases.append(f"{self.first()} {last}")
        jurisdiction = rng.choice(JURISDICTIONS)
        return {
            "record_id": f"{jurisdiction}{number:08d}",
            "last_name": _display(last, rng),
            "first_name": _display(first, rng),
            "middle_name": _display(middle, rng),
            "suffix": rng.choice(SUFFIXES) if rng.random() < 0.03 else "",
            "aliases": ";".join(_display(a, rng) for a in aliases),
            "date_of_birth": born.isoformat(),
            "sex": "M" if rng.random() < 0.85 else "F",
            "jurisdiction": jurisdiction,
            "source_url": f"https://sor.example.org/{jurisdiction.lower()}/{number}",
        }


def _zipf(n: int, s: float, offset: int) -> list[float]:
    total, out = 0.0, []
    for rank in range(n):
        total += 1 / (rank + offset) ** s
        out.append(total)
    return out


def _display(name: str, rng: random.Random) -> str:
    words = []
    for word in name.split(" "):
        parts = []
        for part in word.split("-"):
            if part in ACCENTED and rng.random() < 0.5:
                part = ACCENTED[part]
            parts.append(part if part in ("de", "la", "del", "van", "von") else part.capitalize())
        words.append("-".join(parts))
    return " ".join(words)


def write_registry(path: Path, records: int, sample_every: int) -> list[dict[str, Any]]:
    people = Population(seed=20240601)
    sample = []
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        for number in range(records):
            person = people.person(number)
            writer.writerow(person)
            if number % sample_every == 0:
                sample.append(person)
    return sample


def _child_import(path: str, records: int, sample_every: int, out: Any) -> None:
    from django.db import connection

    from haven.screening import registry

    started = time.perf_counter()
    sample = write_registry(Path(path), records, sample_every)
    generated = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    result = registry.import_registry(path)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    connection.close()
    out.send(
        {
            "generate_s": generated,
            "import_s": seconds,
            "import_cpu_s": cpu,
            "imported": result.records,
            "skipped": len(result.skipped),
            "sample": sample,
            "file_mb": Path(path).stat().st_size / 2**20,
        }
    )


# --- queries --------------------------------------------------------------------------------------


def _typo(word: str, rng: random.Random) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    i = rng.randrange(1, len(word) - 1)  # people rarely get the first letter wrong
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + rng.choice(letters) + word[i + 1 :]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    if kind == 2:
        return word[:i] + rng.choice(letters) + word[i:]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def _slip(born: dt.date, rng: random.Random) -> dt.date:
    """The date with one field mistyped: off by one, a digit one key away, or two digits swapped."""
    while True:
        y, m, d = born.year, born.month, born.day
        field, kind = rng.randrange(3), rng.randrange(3)
        step = rng.choice((-1, 1))
        if field == 0:
            y = y + step if kind == 0 else y + 10 * step if kind == 1 else _transpose(y)
        elif field == 1:
            m = m + step if kind != 2 else _transpose(m)
        else:
            d = d + step if kind == 0 else d + 10 * step if kind == 1 else _transpose(d)
        try:
            changed = dt.date(y, m, d)
        except ValueError:
            continue
        if changed != born and 1900 < y < 2010:
            return changed


def _transpose(value: int) -> int:
    """The last two digits swapped: 1975 → 1957, 12 → 21."""
    return value - value % 100 + (value % 10) * 10 + (value // 10) % 10


def present_queries(sample: list[dict[str, Any]], per_variant: int) -> list[dict[str, Any]]:
    from haven.screening.names import nickname_table

    rng = random.Random(7)
    table = nickname_table()
    nick: dict[str, list[str]] = {}
    for nickname, names in table.items():
        for name in names:
            if name != nickname:
                nick.setdefault(name, []).append(nickname)
    queries = []

    def add(variant: str, person: dict[str, Any], **changes: Any) -> None:
        query = {
            "first": person["first_name"],
            "middle": person["middle_name"],
            "last": person["last_name"],
            "dob": dt.date.fromisoformat(person["date_of_birth"]),
            "by_hand": False,
        }
        query.update(changes)
        queries.append(
            {"variant": variant, "truth": (person["jurisdiction"], person["record_id"]), **query}
        )

    people = list(sample)
    rng.shuffle(people)
    chosen: Counter[str] = Counter()
    for person in people:
        first, last = person["first_name"], person["last_name"]
        born = dt.date.fromisoformat(person["date_of_birth"])
        if chosen["exact"] < per_variant:
            chosen["exact"] += 1
            add("exact", person)
        if chosen["typo"] < per_variant and (len(last) >= 4 or len(first) >= 4):
            chosen["typo"] += 1
            if len(last) >= 4 and (rng.random() < 0.5 or len(first) < 4):
                add("typo", person, last=_typo(last, rng))
            else:
                add("typo", person, first=_typo(first, rng))
        if chosen["nickname"] < per_variant and nick.get(first.lower()):
            chosen["nickname"] += 1
            add("nickname", person, first=rng.choice(nick[first.lower()]).capitalize())
        if chosen["swapped"] < per_variant:
            chosen["swapped"] += 1
            add("swapped", person, first=last, last=first)
        if chosen["hyphenated"] < per_variant:
            chosen["hyphenated"] += 1
            if "-" in last:
                add("hyphenated", person, last=rng.choice(last.split("-")))
            else:
                add("hyphenated", person, last=f"{last}-{rng.choice(COMMON_SURNAMES).capitalize()}")
        if chosen["dob_day_month_swap"] < per_variant and born.day <= 12 and born.day != born.month:
            chosen["dob_day_month_swap"] += 1
            add("dob_day_month_swap", person, dob=dt.date(born.year, born.day, born.month))
        if chosen["dob_one_field_off"] < per_variant:
            chosen["dob_one_field_off"] += 1
            add("dob_one_field_off", person, dob=_slip(born, rng))
        if chosen["dob_typed_by_hand"] < per_variant:
            chosen["dob_typed_by_hand"] += 1
            shifted = born + dt.timedelta(days=rng.randrange(-5 * 365, 5 * 365))
            add("dob_typed_by_hand", person, dob=shifted, by_hand=True)
        if chosen["alias"] < per_variant and person["aliases"]:
            chosen["alias"] += 1
            alias = rng.choice(person["aliases"].split(";")).split(" ")
            add("alias", person, first=alias[0], middle="", last=" ".join(alias[1:]))
        if chosen["middle_name_added"] < per_variant and not person["middle_name"]:
            chosen["middle_name_added"] += 1
            add("middle_name_added", person, middle="Lee")
    return queries


def absent_queries(sample: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """Fresh people (another seed), and registrants' exact names with a date of birth that is not
    theirs by any rule (other year, month and day)."""
    import numpy as np

    from haven.screening.matcher import relations

    fresh = Population(seed=99)
    rng = random.Random(11)
    queries = []
    for number in range(count):
        person = fresh.person(number)
        queries.append(
            {
                "variant": "absent_fresh",
                "truth": None,
                "first": person["first_name"],
                "middle": person["middle_name"],
                "last": person["last_name"],
                "dob": dt.date.fromisoformat(person["date_of_birth"]),
                "by_hand": False,
            }
        )
    for person in rng.sample(sample, min(count // 2, len(sample))):
        born = dt.date.fromisoformat(person["date_of_birth"])
        while True:
            other = dt.date(1945, 1, 1) + dt.timedelta(days=rng.randrange(22_645))
            arrays = [np.array([v]) for v in (born.year, born.month, born.day, born.toordinal())]
            if relations(*arrays, other, False)[0] == 0:
                break
        queries.append(
            {
                "variant": "absent_same_name_other_dob",
                "truth": None,
                "first": person["first_name"],
                "middle": person["middle_name"],
                "last": person["last_name"],
                "dob": other,
                "by_hand": False,
            }
        )
    return queries


# --- running --------------------------------------------------------------------------------------


def run_index(
    index: Any, queries: list[dict[str, Any]]
) -> tuple[list[float], list[float], list[Any]]:
    """Screen every query: (wall-clock latencies, CPU latencies, results)."""
    from haven.screening.matcher import Query, overall
    from haven.screening.services import MAX_MATCHES

    latencies, cpu, results = [], [], []
    for q in queries:
        started, cpu_started = time.perf_counter(), time.thread_time()
        query = Query.of(
            q["first"], q["last"], q["dob"], q["middle"], dob_typed_by_hand=q["by_hand"]
        )
        hits = index.search(query, limit=MAX_MATCHES)
        outcome = overall(hits)
        latencies.append(time.perf_counter() - started)
        cpu.append(time.thread_time() - cpu_started)
        results.append((outcome, [h.ref for h in hits if h.outcome != "clear"]))
    return latencies, cpu, results


class Baseline:
    """The naive way: every registrant's names (and aliases) as strings, rapidfuzz's
    token_sort_ratio of the visitor's name against all of them, then the same date rules."""

    def __init__(self) -> None:
        from haven.screening.models import Registrant
        from haven.screening.names import Name

        self.choices: list[str] = []
        self.rows: list[int] = []
        self.dobs: dict[int, dt.date] = {}
        for pk, names, born in Registrant.objects.values_list("id", "names", "date_of_birth"):
            self.dobs[pk] = born
            for encoded in names.split(";"):
                self.choices.append(" ".join(Name.decode(encoded).words()))
                self.rows.append(pk)

    def search(self, q: dict[str, Any]) -> tuple[str, list[int]]:
        import numpy as np
        from rapidfuzz import fuzz, process

        from haven.screening.matcher import Relation, relations
        from haven.screening.names import normalise

        name = " ".join(normalise(q["first"], q["last"], q["middle"]).words())
        found = process.extract(
            name, self.choices, scorer=fuzz.token_sort_ratio, score_cutoff=85, limit=None
        )
        best: dict[int, tuple[str, float]] = {}
        for _, score, i in found:
            pk = self.rows[i]
            born = self.dobs[pk]
            arrays = [np.array([v]) for v in (born.year, born.month, born.day, born.toordinal())]
            rel = Relation(int(relations(*arrays, q["dob"], q["by_hand"])[0]))
            if rel == Relation.NONE:
                continue
            outcome = "match" if score >= 92 and rel >= Relation.SWAPPED else "review"
            if pk not in best or best[pk][1] < score:
                best[pk] = (outcome, score)
        outcomes = {o for o, _ in best.values()}
        overall = "match" if "match" in outcomes else "review" if outcomes else "clear"
        return overall, list(best)


def rates(
    queries: list[dict[str, Any]], results: list[Any], truth_of: dict[int, tuple[str, str]]
) -> dict[str, Any]:
    present = [(q, r) for q, r in zip(queries, results, strict=True) if q["truth"]]
    absent = [(q, r) for q, r in zip(queries, results, strict=True) if not q["truth"]]
    found = Counter()
    total = Counter()
    for q, (_, refs) in present:
        total[q["variant"]] += 1
        if any(truth_of.get(ref) == tuple(q["truth"]) for ref in refs):
            found[q["variant"]] += 1
    out: dict[str, Any] = {
        "recall": round(sum(found.values()) / max(sum(total.values()), 1), 4),
        "recall_by_variant": {v: round(found[v] / total[v], 3) for v in sorted(total)},
        "present_queries": sum(total.values()),
        "absent_queries": len(absent),
    }
    outcomes = Counter((q["variant"], outcome) for q, (outcome, _) in absent)
    n = max(len(absent), 1)
    out["false_match_rate"] = round(sum(c for (_, o), c in outcomes.items() if o == "match") / n, 4)
    out["false_review_rate"] = round(
        sum(c for (_, o), c in outcomes.items() if o == "review") / n, 4
    )
    for variant in sorted({q["variant"] for q, _ in absent}):
        m = sum(1 for q, _ in absent if q["variant"] == variant)
        out[f"{variant}_review_rate"] = round(outcomes[(variant, "review")] / max(m, 1), 4)
        out[f"{variant}_match_rate"] = round(outcomes[(variant, "match")] / max(m, 1), 4)
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--per-variant", type=int, default=300)
    parser.add_argument("--absent", type=int, default=4000)
    parser.add_argument("--baseline-queries", type=int, default=120)
    parser.add_argument("--service-queries", type=int, default=200)
    args = parser.parse_args()
    load_at_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="haven-bench-") as data_dir:
        setup(data_dir)
        from django.db import connections

        from haven.screening import services
        from haven.screening.models import Registrant

        csv_path = str(Path(data_dir) / "registry.csv")
        sample_every = max(1, args.records // (args.per_variant * 40))
        connections.close_all()
        receive, send = multiprocessing.get_context("fork").Pipe(duplex=False)
        child = multiprocessing.get_context("fork").Process(
            target=_child_import, args=(csv_path, args.records, sample_every, send)
        )
        child.start()
        imported = receive.recv()
        child.join()
        os.unlink(csv_path)

        sample = imported.pop("sample")
        queries = present_queries(sample, args.per_variant) + absent_queries(sample, args.absent)

        rss_before = rss_mb()
        started, cpu_started = time.perf_counter(), time.process_time()
        index, _ = services.registry_index()
        build_s, build_cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
        rss_after, peak_after_build = rss_mb(), rss_mb("VmHWM")

        run_index(index, queries[:200])  # warm up (caches, first numpy calls)
        latencies, cpu_latencies, results = run_index(index, queries)
        refs = {ref for _, found in results for ref in found}
        truth_of = {
            pk: (j, rid)
            for pk, j, rid in Registrant.objects.filter(pk__in=refs).values_list(
                "id", "jurisdiction", "record_id"
            )
        }
        ours = rates(queries, results, truth_of)

        # The whole service (input checks, index, stored encrypted screening, audit event).
        service_times = []
        for q in random.Random(3).sample(queries, min(args.service_queries, len(queries))):
            started = time.perf_counter()
            services.screen(q["first"], q["last"], q["dob"], q["middle"], q["by_hand"])
            service_times.append(time.perf_counter() - started)

        # The naive baseline on a subsample (it reads every name for every visitor).
        rng = random.Random(5)
        present = [q for q in queries if q["truth"]]
        absent = [q for q in queries if not q["truth"]]
        share = args.baseline_queries // 3
        subsample = rng.sample(present, min(share, len(present))) + rng.sample(
            absent, min(args.baseline_queries - share, len(absent))
        )
        baseline = Baseline()
        base_latencies, base_cpu, base_results = [], [], []
        for q in subsample:
            started, cpu_started = time.perf_counter(), time.thread_time()
            outcome, found = baseline.search(q)
            base_latencies.append(time.perf_counter() - started)
            base_cpu.append(time.thread_time() - cpu_started)
            base_results.append((outcome, found))
        refs = {ref for _, found in base_results for ref in found}
        truth_of = {
            pk: (j, rid)
            for pk, j, rid in Registrant.objects.filter(pk__in=refs).values_list(
                "id", "jurisdiction", "record_id"
            )
        }
        base = rates(subsample, base_results, truth_of)
        sub_latencies, sub_cpu, sub_results = run_index(index, subsample)
        truth_sub = {
            pk: (j, rid)
            for pk, j, rid in Registrant.objects.filter(
                pk__in={r for _, f in sub_results for r in f}
            ).values_list("id", "jurisdiction", "record_id")
        }
        ours_on_subsample = rates(subsample, sub_results, truth_sub)

        # How crowded the synthetic names are: registrants sharing a fresh visitor's exact name.
        from haven.screening.names import normalise

        fresh = [q for q in absent if q["variant"] == "absent_fresh"][:300]
        index_names = Counter()
        wanted = {
            (normalise(q["first"], q["last"]).given[:1], normalise(q["first"], q["last"]).surname)
            for q in fresh
        }
        for encoded in index.names:
            first_name = encoded.split(";", 1)[0].split("|")
            key = (tuple(first_name[0].split()[:1]), tuple(first_name[2].split()))
            if key in wanted:
                index_names[key] += 1
        homonyms = statistics.mean(
            index_names[
                (
                    normalise(q["first"], q["last"]).given[:1],
                    normalise(q["first"], q["last"]).surname,
                )
            ]
            for q in fresh
        )

        def ms(values: list[float], p: float, digits: int = 3) -> float:
            return round(percentile(values, p) * 1000, digits)

        result = {
            "bench": "screening",
            "database": connections["default"].vendor,
            "load_average": [round(x, 1) for x in (load_at_start, os.getloadavg()[0])],
            "records": imported["imported"],
            "csv_mb": round(imported["file_mb"], 1),
            "import_s": round(imported["import_s"], 2),
            "import_cpu_s": round(imported["import_cpu_s"], 2),
            "import_per_s": round(imported["imported"] / imported["import_s"]),
            "index_build_s": round(build_s, 2),
            "index_build_cpu_s": round(build_cpu_s, 2),
            "index_rss_mb": round(rss_after - rss_before, 1),
            "index_arrays_mb": round(index.nbytes / 2**20, 1),
            "process_rss_mb": round(rss_after, 1),
            "process_peak_rss_after_build_mb": round(peak_after_build, 1),
            "queries": len(queries),
            "p50_ms": ms(latencies, 50),
            "p99_ms": ms(latencies, 99),
            "max_ms": round(max(latencies) * 1000, 3),
            "cpu_p50_ms": ms(cpu_latencies, 50),
            "cpu_p99_ms": ms(cpu_latencies, 99),
            **ours,
            "service_p50_ms": round(percentile(service_times, 50) * 1000, 2),
            "service_p99_ms": round(percentile(service_times, 99) * 1000, 2),
            "mean_registrants_with_a_fresh_visitors_exact_name": round(homonyms, 3),
            "baseline": {
                "queries": len(subsample),
                "p50_ms": ms(base_latencies, 50, 1),
                "p99_ms": ms(base_latencies, 99, 1),
                "cpu_p50_ms": ms(base_cpu, 50, 1),
                **base,
            },
            "index_on_baseline_subsample": {
                "p50_ms": ms(sub_latencies, 50),
                "cpu_p50_ms": ms(sub_cpu, 50),
                "recall": ours_on_subsample["recall"],
                "false_match_rate": ours_on_subsample["false_match_rate"],
                "false_review_rate": ours_on_subsample["false_review_rate"],
            },
            "speedup_p50": round(percentile(base_latencies, 50) / percentile(sub_latencies, 50), 1),
            "speedup_cpu_p50": round(percentile(base_cpu, 50) / percentile(sub_cpu, 50), 1),
        }
        connections.close_all()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
