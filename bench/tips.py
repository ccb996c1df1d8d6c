"""Tip line benchmark: 50 concurrent reporters submitting tips to a running Haven server.

Prints one JSON line. For each database — SQLite always, and PostgreSQL when ``DATABASE_URL`` is
set (in a fresh database, ``haven_bench``, created next to the configured one and dropped after) —
it sets up a temporary data directory, migrates, adds a district, a school and two responders (so
every tip notifies someone, as in real use), and starts a real server (uvicorn serving
``haven.asgi``, the same as ``haven run``, without the demo or the worker) on a free loopback port.
Then, through ``POST /api/v1/public/tips`` (JSON, as an app would send it):

* **sustained**: the reporters send at a fixed total rate (``--rate``, default 20 tips/s, the
  issue's target) for ``--seconds`` (default 60). Each reporter keeps its own schedule (open
  loop), and a tip's latency runs from when it was *due*, so a server that falls behind shows it
  in p99 instead of quietly slowing the senders down;
* **capacity**: the same reporters send back to back for ``--probe-seconds`` (default 15): the most
  tips per second the server takes;
* **baseline**, in the same run and the same server: ``GET /healthz`` back to back, so the figures
  can be read as a ratio on a noisy machine; and the cost of one receipt digest (scrypt) here.

After each database's run, the tips in its database are counted and must equal the number of 201
responses (no tip lost, none stored twice), and the receipts returned must all differ; the only
allowed difference is a tip stored for a reporter whose connection gave up (a client timeout,
30 s) before the answer came, counted in ``stored_after_the_reporter_gave_up``.

Throttles are raised for the bench server only (``HAVEN_TIP_THROTTLE_SCALE``), since every reporter
comes from one address. On PostgreSQL the server closes its database connection after each request
(``conn_max_age`` 0 in the output): the configured 60 s leaks connections under ASGI.
``--workers`` server processes (default: one per core; ``haven run`` starts one).

A second JSON line, ``tips-flood``, measures what a flood from one caller costs, with the
throttles as in production (``HAVEN_TIP_THROTTLE_SCALE`` 1, one server process, SQLite): each
client connects from its own loopback address (127.0.0.x), so the server sees distinct callers.

* **normal callers** (``--flood-callers``, each sending its 5 tips an hour, one every
  ``--flood-gap`` seconds): first alone (*baseline*), then while one caller floods;
* **the flooder** (a separate process, ``--flood-threads`` connections from one address) sends back
  to back; answered 429 with a challenge, it computes the proof of work in Python (hashlib: a
  sender with native code, far faster than a browser) and sends again;
* **proof-of-work cost** per difficulty: in Python, and in the page's own script
  (``haven/static/haven/tip-proof.js``) under node, the JavaScript engine of Chromium, when
  ``node`` is installed.

Target: every normal caller's tip answered 201 during the flood (none refused or slowed).

A third JSON line, ``tips-grouping``, measures grouping (issue 14), in one process on SQLite:

* **cost**: with ``--stored`` tips (default 100,000) in the database — spread over a year and 20
  schools, with a flood of ``--flood`` (default 1,000) reports at the bench school inside the
  grouping window — the same submissions (``services.submit``, the whole path: validation,
  classifier, receipt digest, insert, notification, audit) timed with grouping and with grouping
  switched off, alternately, in the same process: p50/p99 of each, the p99 difference (target
  ≤ 20 ms) and the ratio, and the grouping step alone (fingerprint + choosing the group);
* **quality**: the Haven-written labelled floods in ``bench/data/tip_floods.json`` submitted in
  their order with time frozen at each report's minute, under ``--peppers`` random peppers (the
  fingerprint is keyed, so its estimates differ a little by pepper): pairwise precision and
  recall of "same group" against "same incident", mean and worst.

    python bench/tips.py [--seconds 60] [--rate 20] [--reporters 50] [--workers N]
    python bench/tips.py --flood-only [--flood-seconds 20]
    python bench/tips.py --grouping-only [--stored 100000] [--samples 200]
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SCHOOL = "bench-high"
SUBMIT = "/api/v1/public/tips"
CATEGORIES = ["bullying", "harassment", "drugs_alcohol", "violence_threat", "weapon", "other"]
TARGET = {"tips_per_s": 20, "p99_ms": 500}
IDLE_RECONNECT = 4.0  # seconds; uvicorn closes a kept-alive connection idle for 5
SETUP = """
import django
django.setup()
from haven.accounts.models import Role, RoleAssignment, User
from haven.core.models import District, School
district = District.objects.create(name="Bench District", slug="bench")
school = School.objects.create(district=district, name="Bench High", slug="bench-high")
people = (("responder", Role.COUNSELOR, school), ("chief", Role.DISTRICT_ADMIN, None))
for name, role, where in people:
    user = User.objects.create_user(username=name, email=f"{name}@bench.invalid")
    RoleAssignment.objects.create(user=user, role=role, school=where, district=district)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


class Server:
    """Haven on a free loopback port, in its own process, with its own data directory."""

    def __init__(
        self, data_dir: Path, database_url: str, workers: int, throttle_scale: int = 1000
    ) -> None:
        self.port = free_port()
        self.log = data_dir / "server.log"
        from cryptography.fernet import Fernet

        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "haven.settings",
            "HAVEN_ENV": "development",
            "DEBUG": "false",
            "HAVEN_DATA_DIR": str(data_dir),
            "DATABASE_URL": database_url,
            "REDIS_URL": "",  # nothing of the bench's may reach a shared Redis
            "HAVEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "HAVEN_AUDIT_KEY": "bench-audit-key-" + secrets.token_hex(16),
            "HAVEN_TIP_THROTTLE_SCALE": str(throttle_scale),
            "HAVEN_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        if database_url:
            # haven.settings keeps PostgreSQL connections for 60 s, which under ASGI (a thread per
            # request) leaks one per request until the server runs out of connections; the bench
            # closes them after each request instead, as Django advises for ASGI without a pool.
            (data_dir / "bench_settings.py").write_text(
                "from haven.settings import *  # noqa: F403\n"
                'DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405\n'
            )
            self.env["DJANGO_SETTINGS_MODULE"] = "bench_settings"
            self.env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(data_dir)])
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None

    def run(self, *args: str) -> None:
        # Our own interpreter with our own arguments.
        subprocess.run([sys.executable, *args], env=self.env, cwd=ROOT, check=True)  # noqa: S603

    def start(self) -> None:
        self.run("-m", "haven.cli", "migrate", "--skip-checks", "-v", "0")
        self.run("-c", SETUP)
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our interpreter, our arguments
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "haven.asgi:application",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--workers",
                    str(self.workers),
                    "--no-access-log",  # as `haven run`: no client addresses in a log
                    "--lifespan",
                    "off",
                    "--log-level",
                    "warning",
                ],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped: {self.log.read_text()[-2000:]}")
            try:
                status, _ = request(self.port, "GET", "/healthz")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the server did not start within 60 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    conn: http.client.HTTPConnection | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {
            **({"Content-Type": "application/json"} if body is not None else {}),
            **(headers or {}),
        }
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        if own:
            conn.close()


def tip_body(n: int) -> bytes:
    return json.dumps(
        {
            "school": SCHOOL,
            "category": CATEGORIES[n % len(CATEGORIES)],
            "description": (
                f"Report {n}: a group of students keeps threatening a younger student after "
                "lunch and posting videos of it. It happened again today by the gym doors, and "
                "the student looked scared to come to school."
            ),
            "location": "Gym doors",
            "subject_names": ["A. Student"],
            "danger_now": n % 20 == 0,  # one in twenty is life-safety
        }
    ).encode()


class Tally:
    """What the reporters saw: latencies, successes (with the receipts returned), errors."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.ok = 0
        self.receipts: set[str] = set()
        self.errors: dict[str, int] = {}

    def add(self, status: int | str, expected: int, latency: float, body: bytes) -> None:
        with self.lock:
            self.latencies.append(latency)
            if status != expected:
                self.errors[str(status)] = self.errors.get(str(status), 0) + 1
                return
            self.ok += 1
            if expected == 201:
                self.receipts.add(json.loads(body)["receipt"])


def reporters(
    port: int, count: int, seconds: float, rate: float, *, healthz: bool = False
) -> tuple[Tally, float]:
    """``count`` threads, each on its own kept-alive connection, sending for ``seconds``: tips on a
    schedule at ``rate`` tips/s in all, or back to back when ``rate`` is 0 (``healthz``: the
    baseline's GET instead of a tip). Returns the tally and the time it took."""
    tally = Tally()
    numbers = iter(range(10**9))
    number_lock = threading.Lock()
    start = time.perf_counter() + 0.5
    end = start + seconds
    expected = 200 if healthz else 201

    def reporter(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        last_used = time.perf_counter()
        interval = count / rate if rate else 0.0
        due = start + index / rate if rate else start
        while due < end:
            now = time.perf_counter()
            if due > now:
                time.sleep(due - now)
            with number_lock:
                n = next(numbers)
            sent = due if rate else time.perf_counter()  # open loop: late counts as slow
            if time.perf_counter() - last_used > IDLE_RECONNECT:
                conn.close()  # the server drops idle connections after 5 s; do not race it
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                if healthz:
                    status, body = request(port, "GET", "/healthz", None, conn)
                else:
                    status, body = request(port, "POST", "/api/v1/public/tips", tip_body(n), conn)
            except (OSError, http.client.HTTPException) as exc:
                status, body = type(exc).__name__, b""
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            last_used = time.perf_counter()
            tally.add(status, expected, last_used - sent, body)
            due = due + interval if rate else time.perf_counter()
        conn.close()

    threads = [threading.Thread(target=reporter, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally, time.perf_counter() - start


def figures(tally: Tally, elapsed: float) -> dict[str, object]:
    ms = [latency * 1000 for latency in tally.latencies]
    return {
        "tips": tally.ok,
        "tips_per_s": round(tally.ok / elapsed, 1),
        "p50_ms": round(percentile(ms, 0.50), 1),
        "p99_ms": round(percentile(ms, 0.99), 1),
        "max_ms": round(max(ms, default=0.0), 1),
        "errors": sum(tally.errors.values()),
        "errors_by_status": tally.errors,
    }


def count_stored(database_url: str, data_dir: Path) -> tuple[int, int]:
    """(rows, distinct receipt digests) in the tip table."""
    query = "SELECT count(*), count(DISTINCT receipt_digest) FROM tips_tip"
    if not database_url:
        with sqlite3.connect(data_dir / "haven.sqlite3") as db:
            rows, distinct = db.execute(query).fetchone()
            return rows, distinct
    import psycopg

    with psycopg.connect(database_url) as db:
        found = db.execute(query).fetchone()
        assert found is not None
        return found[0], found[1]


def run_one(database_url: str, args: argparse.Namespace) -> dict[str, object]:
    data_dir = Path(tempfile.mkdtemp(prefix="haven-bench-tips-"))
    server = Server(data_dir, database_url, args.workers)
    try:
        server.start()
        port, count = server.port, args.reporters
        baseline, baseline_s = reporters(port, count, args.baseline_seconds, 0, healthz=True)
        warm, _ = reporters(port, count, 2, args.rate)
        sustained, sustained_s = reporters(port, count, args.seconds, args.rate)
        capacity, capacity_s = reporters(port, count, args.probe_seconds, 0)
        server.stop()
        if warm.errors or sustained.errors or capacity.errors:
            sys.stderr.write(f"server log ({database_url or 'sqlite'}):\n")
            sys.stderr.write(server.log.read_text()[-6000:])
        responses = warm.ok + sustained.ok + capacity.ok
        receipts = warm.receipts | sustained.receipts | capacity.receipts
        rows, distinct = count_stored(database_url, data_dir)
        steady = figures(sustained, sustained_s)
        most = figures(capacity, capacity_s)
        healthz_per_s = baseline.ok / baseline_s
        # A reporter whose connection failed (a client-side timeout) never saw an answer: their
        # tip may or may not be stored. Only those may make up a difference.
        unknown = sum(
            n
            for tally in (warm, sustained, capacity)
            for status, n in tally.errors.items()
            if not status.isdigit()
        )
        intact = responses == len(receipts) and rows == distinct
        intact = intact and responses <= rows <= responses + unknown
        return {
            "conn_max_age": 0 if database_url else None,
            "sustained": steady,
            "capacity": most,
            "baseline_healthz_per_s": round(healthz_per_s, 1),
            "capacity_vs_healthz": round(most["tips_per_s"] / max(healthz_per_s, 0.1), 3),  # type: ignore[operator]
            "responses_201": responses,
            "tips_in_database": rows,
            "stored_after_the_reporter_gave_up": rows - responses,
            "no_lost_or_duplicated_tips": intact,
            "meets_target": bool(
                steady["tips_per_s"] >= TARGET["tips_per_s"] * 0.95  # type: ignore[operator]
                and steady["p99_ms"] <= TARGET["p99_ms"]  # type: ignore[operator]
                and steady["errors"] == 0
                and intact
            ),
        }
    except Exception:
        if server.log.exists():
            sys.stderr.write(server.log.read_text()[-3000:])
        raise
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def bench_database(url: str) -> tuple[str, str]:
    """A fresh database next to the configured one: (admin URL, bench URL)."""
    parts = urlsplit(url)
    return url, urlunsplit(parts._replace(path="/haven_bench"))


def with_postgres(url: str, args: argparse.Namespace) -> dict[str, object]:
    import psycopg

    admin_url, bench_url = bench_database(url)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS haven_bench")
        admin.execute("CREATE DATABASE haven_bench")
    try:
        return run_one(bench_url, args)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute("DROP DATABASE IF EXISTS haven_bench WITH (FORCE)")


def scrypt_ms(rounds: int = 20) -> float:
    """The CPU cost of one receipt digest (the parameters of haven.tips.receipts)."""
    started = time.perf_counter()
    for n in range(rounds):
        hashlib.scrypt(f"{n:016d}".encode(), salt=b"s" * 32, n=2**14, r=8, p=1, dklen=32)
    return (time.perf_counter() - started) / rounds * 1000


# --- a flood from one caller -------------------------------------------------------------------


def _connect(port: int, source: str) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=(source, 0))


def solve(challenge: dict[str, object]) -> str:
    """The proof of work, as the server checks it (haven.tips.throttle.solves)."""
    token = str(challenge["token"])
    work, bits = token.rsplit(".", 1)[1], int(challenge["bits"])  # type: ignore[call-overload]
    nonce = 0
    while True:
        digest = hashlib.sha256(f"{work}:{nonce}".encode()).digest()
        if 256 - int.from_bytes(digest, "big").bit_length() >= bits:
            return f"{token}:{nonce}"
        nonce += 1


def flooder(port: int, seconds: float, threads: int, out: Any) -> None:
    """One caller (127.0.0.2) sending back to back from ``threads`` connections, answering every
    challenge with the proof of work. Runs in its own process (its hashing takes no time from the
    normal callers' threads); puts its tally on ``out``."""
    lock = threading.Lock()
    counts = {"sent": 0, "accepted": 0, "challenged": 0}
    solve_ms: list[float] = []
    end = time.monotonic() + seconds

    def run(n: int) -> None:
        conn = _connect(port, "127.0.0.2")
        proof, last_used = "", time.monotonic()
        while time.monotonic() < end:
            headers = {"X-Haven-Proof": proof} if proof else {}
            if time.monotonic() - last_used > IDLE_RECONNECT:
                conn.close()  # the server drops a connection idle for 5 s (while solving)
                conn = _connect(port, "127.0.0.2")
            try:
                status, body = request(port, "POST", SUBMIT, tip_body(n), conn, headers)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn, status, body = _connect(port, "127.0.0.2"), 0, b""
            proof, last_used = "", time.monotonic()
            with lock:
                counts["sent"] += 1
                key = {201: "accepted", 429: "challenged"}.get(status, f"other_{status}")
                counts[key] = counts.get(key, 0) + 1
            if status == 429:
                started = time.perf_counter()
                proof = solve(json.loads(body)["challenge"])
                with lock:
                    solve_ms.append((time.perf_counter() - started) * 1000)
        conn.close()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out.put({**counts, "solve_ms": solve_ms})


def normal_callers(port: int, callers: int, tips: int, gap: float, net: int) -> dict[str, Any]:
    """``callers`` reporters, each from its own address (127.0.<net>.x), sending ``tips`` tips
    ``gap`` s apart."""
    statuses: dict[str, int] = {}
    latencies: list[float] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        source = f"127.0.{net}.{index + 1}"
        time.sleep(index * gap / callers)  # spread the callers over one gap
        for n in range(tips):
            started = time.perf_counter()
            conn = _connect(port, source)
            try:
                status, _ = request(port, "POST", SUBMIT, tip_body(n), conn)
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__  # type: ignore[assignment]
            finally:
                conn.close()
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
                statuses[str(status)] = statuses.get(str(status), 0) + 1
            time.sleep(gap)

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    accepted = statuses.get("201", 0)
    return {
        "sent": callers * tips,
        "accepted": accepted,
        "accepted_per_s": round(accepted / elapsed, 2),
        "statuses": statuses,
        "p50_ms": round(percentile(latencies, 0.5), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
    }


def pow_cost(bits_range: range, rounds: int) -> dict[str, object]:
    """Milliseconds to find a proof, per difficulty: in Python (hashlib), and in the page's script
    (node)."""
    python: dict[str, float] = {}
    for bits in bits_range:
        times = []
        for r in range(rounds):
            started = time.perf_counter()
            solve({"token": f"0.0.{bits}.0.{secrets.token_hex(12)}{r}", "bits": bits})
            times.append((time.perf_counter() - started) * 1000)
        python[str(bits)] = round(sorted(times)[len(times) // 2], 1)
    out: dict[str, object] = {"python_median_ms": python}
    node = shutil.which("node")
    script = ROOT / "haven" / "static" / "haven" / "tip-proof.js"
    if node:
        program = (
            f"const p = require({json.dumps(str(script))}); const out = {{}};"
            f"for (const bits of {json.dumps(list(bits_range))}) {{ const times = [];"
            f" for (let r = 0; r < {rounds}; r++) {{ const work = Math.random().toString(16)"
            ".slice(2, 14) + r; const t = Date.now();"
            " p.solve(work, bits, () => times.push(Date.now() - t), 0, 1e12); }"
            " times.sort((a, b) => a - b); out[bits] = times[Math.floor(times.length / 2)]; }"
            " console.log(JSON.stringify(out));"
        )
        done = subprocess.run(  # noqa: S603 - node from PATH, our own program
            [node, "-e", program], capture_output=True, text=True, check=True, timeout=600
        )
        out["page_script_node_median_ms"] = json.loads(done.stdout)
    return out


def run_flood(args: argparse.Namespace) -> dict[str, object]:
    import multiprocessing

    data_dir = Path(tempfile.mkdtemp(prefix="haven-bench-flood-"))
    server = Server(data_dir, "", 1, throttle_scale=1)
    try:
        server.start()
        tips = 5  # each normal caller's allowance: none of theirs needs a proof
        baseline = normal_callers(server.port, args.flood_callers, tips, args.flood_gap, 1)
        queue: Any = multiprocessing.get_context("spawn").Queue()
        process = multiprocessing.get_context("spawn").Process(
            target=flooder, args=(server.port, args.flood_seconds, args.flood_threads, queue)
        )
        process.start()
        time.sleep(1)  # the flood is under way
        # Other callers (other addresses) than the baseline's: fresh allowances.
        during = normal_callers(server.port, args.flood_callers, tips, args.flood_gap, 2)
        flood: dict[str, Any] = queue.get(timeout=args.flood_seconds + 600)
        process.join()
        server.stop()
        rows, _ = count_stored("", data_dir)
        solve_ms: list[float] = flood.pop("solve_ms")
        return {
            "bench": "tips-flood",
            "server_workers": 1,
            "flood_seconds": args.flood_seconds,
            "normal_callers": args.flood_callers,
            "normal_baseline": baseline,
            "normal_during_flood": during,
            "flooder": {
                **flood,
                "accepted_per_s": round(flood["accepted"] / args.flood_seconds, 2),
                "solve_ms_p50": round(percentile(solve_ms, 0.5), 1),
                "solve_ms_max": round(max(solve_ms, default=0.0), 1),
            },
            "tips_in_database": rows,
            "tips_answered_201": baseline["accepted"] + during["accepted"] + flood["accepted"],
            "pow_cost": pow_cost(range(16, 21), args.pow_rounds),
            "meets_target": during["accepted"] == during["sent"],
        }
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


GROUPING_TARGET = {"p99_added_ms": 20}
GROUPING_WORKER = r"""
import itertools, json, os, random, secrets, statistics, sys, time
from datetime import timedelta
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.test import override_settings
from django.utils import timezone
import time_machine
from haven.core.models import District, School
from haven.tips import grouping, services
from haven.tips.models import Tip, TipGroup
from haven.tips.services import grouping as placing

stored, flood, samples, pepper_runs = (int(a) for a in sys.argv[1:5])
floods = json.load(open(sys.argv[5]))
reports = [
    {**r, "label": i["id"], "school": i["school"]}
    for i in floods["incidents"] for r in i["reports"]
]
district = District.objects.create(name="Bench District", slug="bench")
schools = [
    School.objects.create(district=district, name=f"School {n}", slug=f"school-{n}")
    for n in range(20)
]
here = schools[0]
now = timezone.now()
texts = [r["text"] for r in reports]
prints = [grouping.fingerprint(t) for t in texts]

def rows(count, start, school_of, spread):
    batch = []
    for n in range(count):
        fp = prints[n % len(prints)]
        created = now - timedelta(seconds=random.uniform(0, spread))
        group = TipGroup(district=district, school=school_of(n), created_at=created)
        batch.append((Tip(
            district=district, school=school_of(n), category="bullying",
            description=texts[n % len(texts)] + f" #{start + n}",
            receipt_digest=secrets.token_hex(32), created_at=created,
            fingerprint=fp.signature, fingerprint_keys=fp.keys(),
            fingerprint_pepper=fp.pepper), group))
    TipGroup.objects.bulk_create([g for _t, g in batch], batch_size=2000)
    for tip, group in batch:
        tip.group = group
    Tip.objects.bulk_create([t for t, _g in batch], batch_size=2000)

random.seed(14)
rows(stored - flood, 0, lambda n: schools[n % len(schools)], 365 * 86400)
rows(flood, stored, lambda n: here, 70 * 3600)  # a flood inside the window at the bench school
assert Tip.objects.count() == stored

def submit(text):
    started = time.perf_counter()
    services.submit(services.TipInput(
        school=here.slug, category="violence_threat", description=text,
        subject_names=["Jake Morrow"]))
    return (time.perf_counter() - started) * 1000

real_place, real_fp = placing.place, placing.fingerprint_of
def off(tip, found, when):
    tip.group = TipGroup.objects.create(district_id=tip.district_id, school_id=tip.school_id,
                                        created_at=when)
with_grouping, without = [], []
for n in range(samples * 2 + 10):
    text = texts[n % len(texts)]
    grouped = n % 2 == 0
    placing.place, placing.fingerprint_of = (
        (real_place, real_fp) if grouped else (off, lambda clean: None))
    ms = submit(text)
    if n >= 10:
        (with_grouping if grouped else without).append(ms)
placing.place, placing.fingerprint_of = real_place, real_fp

step = []
for n in range(samples):
    tip = Tip(district=district, school=here, category="violence_threat",
              description=texts[n % len(texts)], subject_names=["Jake Morrow"])
    started = time.perf_counter()
    found = placing.fingerprint_of({"description": tip.description,
                                    "subject_names": tip.subject_names})
    candidates = placing._best_group(tip, found, timezone.now())
    step.append((time.perf_counter() - started) * 1000)

def pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]

in_window = Tip.objects.filter(school=here, created_at__gte=timezone.now() - placing.window())

def quality():
    Tip.objects.filter(school__slug__in=["north", "south"]).delete()
    TipGroup.objects.filter(school__slug__in=["north", "south"]).delete()
    for slug in ("north", "south"):
        School.objects.get_or_create(district=district, slug=slug, defaults={"name": slug})
    base = timezone.now() + timedelta(days=30)
    got = []
    for r in sorted(reports, key=lambda r: r["minute"]):
        with time_machine.travel(base + timedelta(minutes=r["minute"]), tick=False):
            tip, _receipt = services.submit(services.TipInput(
                school=r["school"], category=r["category"], description=r["text"],
                subject_names=r["names"], online_url=r["url"]))
        got.append((r["label"], Tip.objects.get(pk=tip.pk).group_id))
    tp = fp = fn = 0
    for (la, ga), (lb, gb) in itertools.combinations(got, 2):
        tp += la == lb and ga == gb
        fp += la != lb and ga == gb
        fn += la == lb and ga != gb
    return tp / max(1, tp + fp), tp / max(1, tp + fn), len(got)

runs = []
for _ in range(pepper_runs):
    with override_settings(PEPPERS=[secrets.token_hex(32)]):
        runs.append(quality())
precision = [p for p, _r, _n in runs]
recall = [r for _p, r, _n in runs]
print(json.dumps({
    "stored_tips": stored,
    "tips_in_the_window_at_the_school": in_window.count(),
    "samples": samples,
    "submit_ms_with_grouping": {"p50": round(pct(with_grouping, 50), 1),
                                "p99": round(pct(with_grouping, 99), 1)},
    "submit_ms_without_grouping": {"p50": round(pct(without, 50), 1),
                                   "p99": round(pct(without, 99), 1)},
    "p99_added_ms": round(pct(with_grouping, 99) - pct(without, 99), 1),
    "p50_ratio": round(pct(with_grouping, 50) / pct(without, 50), 3),
    "p99_ratio": round(pct(with_grouping, 99) / pct(without, 99), 3),
    "grouping_step_ms": {"p50": round(pct(step, 50), 2), "p99": round(pct(step, 99), 2)},
    "labelled_reports": runs[0][2],
    "labelled_incidents": len(floods["incidents"]),
    "peppers": pepper_runs,
    "precision": {"mean": round(statistics.mean(precision), 3), "min": round(min(precision), 3)},
    "recall": {"mean": round(statistics.mean(recall), 3), "min": round(min(recall), 3)},
}))
"""


def run_grouping(args: argparse.Namespace) -> dict[str, object]:
    """The ``tips-grouping`` line (see the module's docstring), in a child process of its own
    with a scratch data directory and SQLite database."""
    from cryptography.fernet import Fernet

    data_dir = Path(tempfile.mkdtemp(prefix="haven-bench-grouping-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "haven.settings",
        "HAVEN_ENV": "development",
        "HAVEN_DATA_DIR": str(data_dir),
        "DATABASE_URL": "",
        "HAVEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "HAVEN_AUDIT_KEY": "bench-audit-key-" + secrets.token_hex(16),
        "HAVEN_LOG_LEVEL": "ERROR",
    }
    try:
        started = time.perf_counter()
        done = subprocess.run(  # noqa: S603 - this interpreter, this file's own code
            [
                sys.executable,
                "-c",
                GROUPING_WORKER,
                str(args.stored),
                str(args.flood),
                str(args.samples),
                str(args.peppers),
                str(ROOT / "bench" / "data" / "tip_floods.json"),
            ],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            sys.stderr.write(done.stderr[-6000:])
            raise SystemExit("the grouping bench failed")
        figures = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    return {
        "bench": "tips-grouping",
        "database": "sqlite",
        "target": GROUPING_TARGET,
        **figures,
        "seconds": round(time.perf_counter() - started, 1),
        "load_average": round(os.getloadavg()[0], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="sustained phase (default 60)")
    parser.add_argument("--rate", type=float, default=20, help="tips/s in all (default 20)")
    parser.add_argument("--reporters", type=int, default=50)
    parser.add_argument("--probe-seconds", type=float, default=15, help="capacity phase")
    parser.add_argument("--baseline-seconds", type=float, default=5)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--flood-seconds", type=float, default=20)
    parser.add_argument("--flood-threads", type=int, default=4)
    parser.add_argument("--flood-callers", type=int, default=10)
    parser.add_argument("--flood-gap", type=float, default=1.0)
    parser.add_argument("--pow-rounds", type=int, default=9)
    parser.add_argument("--flood-only", action="store_true", help="only the tips-flood line")
    parser.add_argument("--stored", type=int, default=100_000, help="tips stored (grouping)")
    parser.add_argument("--flood", type=int, default=1_000, help="of them, in one school's window")
    parser.add_argument("--samples", type=int, default=200, help="submissions timed each way")
    parser.add_argument("--peppers", type=int, default=5, help="peppers tried for quality")
    parser.add_argument("--grouping-only", action="store_true", help="only tips-grouping")
    args = parser.parse_args()
    if args.grouping_only:
        print(json.dumps(run_grouping(args), separators=(",", ":")))
        return
    if args.flood_only:
        print(json.dumps(run_flood(args), separators=(",", ":")))
        return

    digest_ms = scrypt_ms()
    cores = os.cpu_count() or 1
    out: dict[str, object] = {
        "bench": "tips",
        "reporters": args.reporters,
        "seconds": args.seconds,
        "rate": args.rate,
        "server_workers": args.workers,
        "cores": cores,
        # Other work on the machine skews every figure; the load says how much there was.
        "load_average_at_start": round(os.getloadavg()[0], 1),
        "target": TARGET,
        "scrypt_ms": round(digest_ms, 1),
        # The most tips/s the receipts' digests alone allow on every core.
        "scrypt_bound_tips_per_s": round(cores * 1000 / digest_ms, 1),
        "sqlite": run_one("", args),
    }
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres") and not args.sqlite_only:
        out["postgres"] = with_postgres(url, args)
    out["load_average_at_end"] = round(os.getloadavg()[0], 1)
    print(json.dumps(out, separators=(",", ":")))
    print(json.dumps(run_flood(args), separators=(",", ":")))
    print(json.dumps(run_grouping(args), separators=(",", ":")))


if __name__ == "__main__":
    main()
