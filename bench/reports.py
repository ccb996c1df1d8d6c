"""Reports benchmark: every report page and API answer with 100,000 tips and 10,000 cases.

For each database — SQLite always, and PostgreSQL when ``DATABASE_URL`` is set (in a fresh
database, ``haven_bench_reports``, created next to the configured one and dropped after) — a child
process sets up a temporary data directory, migrates, and builds a district with four schools,
6,000 students (grades 6-12), a principal per school and a district administrator, the drill
requirements (one of each window: a number per year, within 30 days, per semester, a month window)
and a year of drills. Then, in two phases in the same database:

* **small**: ``--small-tips`` tips (1,000) and ``--small-cases`` cases (100);
* **full**: grown to ``--tips`` (100,000) and ``--cases`` (10,000).

Tips span two school years, every category, a tenth life-safety, a third online; most are
acknowledged and closed after a few minutes to a few days, with dispositions, escalation tiers,
dialogue messages (a fifth) and files (one in twenty); text goes through the encrypted fields, as
in real use. Cases have students (so the equity figures have groups), types, CSTAG
classifications, sources, a fifth closed.

The tips are made with ``bulk_create`` (no tip saved one by one), so the report's figures are
rebuilt after each phase with ``haven report_figures`` (its time is reported).

Each route is requested through Django's test client (middleware, session, the second factor, the
access policy, the audit entry every report read writes, the charts drawn, the templates), as the
district administrator (every school) and as one school's principal: the pages ``/reports/tips/``,
``/reports/cases/``, ``/reports/drills/`` and the API ``/api/v1/reports/{tips,cases,drills}`` for
the current school year. The number of SQL queries of each is counted at the small and at the full
size and must be equal. Latency p50/p95/max at the full size over ``--requests`` requests each,
after a warm-up. Target: p95 <= 300 ms.

Prints one JSON line per route and person, then a summary line with ``meets_target``.

    python bench/reports.py [--tips 100000] [--cases 10000] [--requests 20] [--sqlite-only]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from _harness import client_for, count_queries, on_scratch_postgres, percentile

ROOT = Path(__file__).resolve().parent.parent
TARGET = {"p95_ms": 300}
SCHOOLS = 4
CATEGORIES = [
    "violence_threat",
    "weapon",
    "self_harm",
    "bullying",
    "harassment",
    "abuse_neglect",
    "drugs_alcohol",
    "dating_violence",
    "other",
]
DISPOSITIONS = ["case_opened", "referred", "resolved", "unfounded", "prank", "false", "duplicate"]
ROUTES = [
    "/reports/tips/",
    "/reports/cases/",
    "/reports/drills/",
    "/api/v1/reports/tips",
    "/api/v1/reports/cases",
    "/api/v1/reports/drills",
]


class World:
    def __init__(self, rng: random.Random) -> None:
        from haven.accounts.models import Role, RoleAssignment, User
        from haven.core.models import District, School, Student
        from haven.emergencies.models import Drill, DrillRequirement

        self.rng = rng
        self.now = datetime.now().astimezone()
        self.district = District.objects.create(name="Bench District", slug="bench")
        self.schools = [
            School.objects.create(district=self.district, name=f"Bench School {n}", slug=f"b{n}")
            for n in range(SCHOOLS)
        ]
        self.students: dict[int, list[Any]] = {}
        for school in self.schools:
            self.students[school.pk] = Student.objects.bulk_create(
                Student(school=school, given_name="S", family_name=str(i), grade=str(6 + i % 7))
                for i in range(1500)
            )
        self.admin = User.objects.create_user(username="admin", email="admin@bench.invalid")
        RoleAssignment.objects.create(
            user=self.admin, role=Role.DISTRICT_ADMIN, school=None, district=self.district
        )
        self.principal = User.objects.create_user(username="principal", email="p@bench.invalid")
        RoleAssignment.objects.create(
            user=self.principal,
            role=Role.SCHOOL_ADMIN,
            school=self.schools[0],
            district=self.district,
        )
        for fields in (
            {"protocol": "lockdown", "per_year": 4},
            {"protocol": "evacuate", "kind": "fire", "per_year": 1, "due_within_days": 30},
            {"protocol": "shelter", "per_year": 1, "period": "semester"},
            {"protocol": "hold", "per_year": 1, "month_from": 9, "month_to": 10},
        ):
            DrillRequirement.objects.create(district=self.district, **fields)
        drills = []
        for school in self.schools:
            for n in range(12):
                when = self.now - timedelta(days=30 * n + rng.randint(0, 20))
                done = when < self.now
                drills.append(
                    Drill(
                        school=school,
                        protocol=rng.choice(["lockdown", "evacuate", "shelter", "hold"]),
                        scheduled_for=when,
                        started_at=when if done else None,
                        logged_at=when if done else None,
                    )
                )
        Drill.objects.bulk_create(drills)
        self.tips = 0
        self.cases = 0

    def add_tips(self, count: int) -> None:
        from haven.tips.models import Attachment, Message, Tip

        rng = self.rng
        while count > 0:
            size = min(count, 5000)
            batch = []
            for _ in range(size):
                created = self.now - timedelta(minutes=rng.randint(5, 60 * 24 * 700))
                ack = rng.random() < 0.9
                closed = ack and rng.random() < 0.7
                ack_at = created + timedelta(minutes=rng.expovariate(1 / 30)) if ack else None
                close_at = ack_at + timedelta(minutes=rng.expovariate(1 / 2000)) if closed else None
                batch.append(
                    Tip(
                        district=self.district,
                        school=rng.choice(self.schools) if rng.random() < 0.97 else None,
                        category=rng.choice(CATEGORIES),
                        description="A student keeps threatening a younger one after lunch.",
                        receipt_digest=secrets.token_hex(32),
                        status="closed" if closed else ("acknowledged" if ack else "new"),
                        disposition=rng.choice(DISPOSITIONS) if closed else "",
                        life_safety=rng.random() < 0.1,
                        online=rng.random() < 0.33,
                        escalation_tier=rng.choice([0, 1, 1, 1, 2, 99]),
                        created_at=created,
                        acknowledged_at=ack_at,
                        closed_at=close_at,
                    )
                )
            made = Tip.objects.bulk_create(batch, batch_size=1000)
            messages, files = [], []
            for tip in made:
                if rng.random() < 0.2:
                    for sender in ("reporter", "staff"):
                        messages.append(
                            Message(tip=tip, sender=sender, body="…", created_at=tip.created_at)
                        )
                if rng.random() < 0.05:
                    files.append(
                        Attachment(
                            tip=tip,
                            token=secrets.token_hex(8),
                            original="x",
                            cleaned="x",
                            content_type="image/png",
                            size=1,
                            kind="image",
                            created_at=tip.created_at,
                        )
                    )
            Message.objects.bulk_create(messages, batch_size=1000)
            Attachment.objects.bulk_create(files, batch_size=1000)
            count -= size
            self.tips += size

    def add_cases(self, count: int) -> None:
        from haven.cases.models import Case

        rng = self.rng
        while count > 0:
            size = min(count, 2000)
            batch = []
            for _ in range(size):
                school = rng.choice(self.schools)
                opened = self.now - timedelta(minutes=rng.randint(60, 60 * 24 * 400))
                closed = rng.random() < 0.2
                batch.append(
                    Case(
                        school=school,
                        student=rng.choice(self.students[school.pk]),
                        type=rng.choice(["threat", "threat", "self_harm", "both"]),
                        classification=rng.choice(
                            ["", "transient", "serious_substantive", "very_serious_substantive"]
                        ),
                        source=rng.choice(["tip", "signal", "referral", "staff"]),
                        status="closed" if closed else "open",
                        opened_at=opened,
                        closed_at=opened + timedelta(days=rng.randint(1, 60)) if closed else None,
                    )
                )
            Case.objects.bulk_create(batch, batch_size=1000)
            count -= size
            self.cases += size


def timed(client: Any, url: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(url)
        body = response.content
        out.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200 or not body:
            raise RuntimeError(f"{url}: {response.status_code}")
    return out


def child(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, skip_checks=True)
    from django.db import connection

    rng = random.Random(16)
    world = World(rng)
    started = time.perf_counter()
    world.add_tips(args.small_tips)
    world.add_cases(args.small_cases)
    call_command("report_figures", verbosity=0)  # bulk_create saves no tip one by one
    small_build = time.perf_counter() - started
    clients = {"district_admin": client_for(world.admin), "principal": client_for(world.principal)}
    for route in ROUTES:
        for client in clients.values():
            timed(client, route, 1)  # the first request of a session does some one-off work
    small = {
        (route, name): count_queries(client, route)
        for route in ROUTES
        for name, client in clients.items()
    }
    started = time.perf_counter()
    world.add_tips(args.tips - args.small_tips)
    world.add_cases(args.cases - args.small_cases)
    started_figures = time.perf_counter()
    call_command("report_figures", verbosity=0)
    figures_build = time.perf_counter() - started_figures
    full_build = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    lines = []
    for route in ROUTES:
        for name, client in clients.items():
            full = count_queries(client, route)
            timed(client, route, 2)  # warm-up
            load = os.getloadavg()[0]
            ms = timed(client, route, args.requests)
            constant = small[(route, name)] == full
            lines.append(
                {
                    "bench": "reports",
                    "database": connection.vendor,
                    "route": route,
                    "as": name,
                    "requests": len(ms),
                    "p50_ms": round(percentile(ms, 0.50), 1),
                    "p95_ms": round(percentile(ms, 0.95), 1),
                    "max_ms": round(max(ms), 1),
                    "load_average": round(load, 1),
                    "queries_small": small[(route, name)],
                    "queries_full": full,
                    "queries_constant": constant,
                    "meets_target": percentile(ms, 0.95) <= TARGET["p95_ms"] and constant,
                }
            )
            print(json.dumps(lines[-1], separators=(",", ":")), flush=True)
    from haven.cases.models import Case
    from haven.tips.models import Tip

    print(
        json.dumps(
            {
                "bench": "reports",
                "database": connection.vendor,
                "summary": True,
                "target": TARGET,
                "tips": Tip.objects.count(),
                "cases": Case.objects.count(),
                "small": {"tips": args.small_tips, "cases": args.small_cases},
                "build_s": {
                    "small": round(small_build, 1),
                    "full": round(full_build, 1),
                    "report_figures_rebuild": round(figures_build, 1),
                },
                "worst_p95_ms": max(line["p95_ms"] for line in lines),
                "queries_constant": all(line["queries_constant"] for line in lines),
                "meets_target": all(line["meets_target"] for line in lines),
            },
            separators=(",", ":"),
        ),
        flush=True,
    )


def run_one(database_url: str, args: argparse.Namespace) -> int:
    from cryptography.fernet import Fernet

    data_dir = Path(tempfile.mkdtemp(prefix="haven-bench-reports-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "haven.settings",
        "HAVEN_ENV": "development",
        "DEBUG": "false",
        "HAVEN_DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        "REDIS_URL": "",  # nothing of the bench's may reach a shared Redis
        "HAVEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "HAVEN_AUDIT_KEY": "bench-audit-key-" + secrets.token_hex(16),
        "HAVEN_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    passed = [
        f"--tips={args.tips}",
        f"--cases={args.cases}",
        f"--small-tips={args.small_tips}",
        f"--small-cases={args.small_cases}",
        f"--requests={args.requests}",
    ]
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter with our own arguments
            [sys.executable, __file__, "--child", *passed], env=env, cwd=ROOT, check=False
        )
        return done.returncode
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def with_postgres(url: str, args: argparse.Namespace) -> int:
    return on_scratch_postgres(url, "haven_bench_reports", lambda scratch: run_one(scratch, args))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tips", type=int, default=100_000)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--small-tips", type=int, default=1_000)
    parser.add_argument("--small-cases", type=int, default=100)
    parser.add_argument("--requests", type=int, default=20, help="per route and person")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))
        child(args)
        return
    failed = run_one("", args)
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres") and not args.sqlite_only:
        failed = with_postgres(url, args) or failed
    sys.exit(failed)


if __name__ == "__main__":
    main()
