"""Case pages benchmark: the case list, a case page and the timeline with 100,000 tips and 10,000
cases in the database, as members of the school's team see them.

For each database — SQLite always, and PostgreSQL when ``DATABASE_URL`` is set (in a fresh
database, ``haven_bench``, created next to the configured one and dropped after) — a child process
sets up a temporary data directory, migrates, and builds a district with two schools, their
students and their teams. Then, in two phases in the same database:

* **small**: ``--small-tips`` tips (1,000) and ``--small-cases`` cases (100);
* **full**: grown to ``--tips`` (100,000) and ``--cases`` (10,000).

The data is built in bulk but is what the services would write: cases spread over both schools,
types, priorities and statuses (a fifth closed), some opened from tips; every case with its team,
notes in every compartment (team, clinical, law enforcement), a CSTAG assessment under way (step 1
closed with its checklist, step 2 open), tasks, team chat, a safety-plan item, a follow-up review
(one in ten overdue), pathway observations, a document, and a timeline of 15-40 events (one case in
thirty has 150). Sensitive text goes through the encrypted fields, as in real use.

Each page is requested through Django's test client (the whole request and response: middleware,
session, the second factor, the access policy, the audit entries every read writes, templates),
signed in with the second factor satisfied as the tests do, as:

* ``counselor``: the school's counsellor (sees every case of the school, and the clinical record);
* ``team_member``: a safety-team member, who sees only the cases whose team they are on.

The pages: ``/cases/`` (the default list, and with the filters and later pages a user clicks),
``/cases/<id>/`` and ``/cases/<id>/timeline/``, for cases drawn at random. For each page the number
of SQL queries is counted (``CaptureQueriesContext``) on one case kept from the small phase — at
the small size and at the full size — and on every case sampled at the full size: the counts must
all be equal (the number of queries does not grow with the number of rows, in the database or in a
case). Latency (p50/p95/max) is measured at the full size over ``--requests`` requests per page and
person, after a warm-up. Target: p95 ≤ 150 ms.

Prints one JSON line per page and person, then a summary line with ``meets_target``.

    python bench/cases.py [--tips 100000] [--cases 10000] [--requests 150] [--sqlite-only]
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
TARGET = {"p95_ms": 150}
SCHOOLS = (("bench-north", "Bench North High"), ("bench-south", "Bench South Middle"))
CATEGORIES = ["bullying", "harassment", "drugs_alcohol", "violence_threat", "weapon", "other"]
GIVEN = "Maya Eli Sofia Liam Ava Noah Lucia Mateo Zoe Omar Aisha Ken Ines Raul Tess Yusuf".split()
FAMILY = "Garcia Smith Nguyen Patel Lopez Kim Brown Diaz Okafor Rossi Cohen Silva Haddad".split()
NOTE = {
    "team": "Team meeting: agreed on supervision between classes and a check-in each morning.",
    "clinical": "Session notes: reports trouble sleeping, conflict at home, denies a plan.",
    "law_enforcement": "Spoke with the parents; no weapons at home, per the father. No charges.",
}


# --- the data (in the child process, after django.setup()) ----------------------------------------


class World:
    """The district, its two schools, their students and people, and what has been built."""

    def __init__(self, rng: random.Random) -> None:
        from haven.accounts.models import Role, RoleAssignment, User
        from haven.cases.models import AssessmentModel, RequiredAction
        from haven.core.models import District, School, Student

        self.rng = rng
        district = District.objects.create(name="Bench District", slug="bench")
        self.district = district
        self.schools = [
            School.objects.create(district=district, name=name, slug=slug) for slug, name in SCHOOLS
        ]
        self.students: dict[int, list[int]] = {}
        for school in self.schools:
            made = Student.objects.bulk_create(
                Student(
                    school=school,
                    given_name=rng.choice(GIVEN),
                    family_name=rng.choice(FAMILY),
                    grade=str(rng.randint(6, 12)),
                )
                for _ in range(1500)
            )
            self.students[school.pk] = [s.pk for s in made]
        self.people: dict[int, dict[str, Any]] = {}
        roles = {
            "principal": Role.SCHOOL_ADMIN,
            "counselor": Role.COUNSELOR,
            "sro": Role.SRO,
            "team_member": Role.SAFETY_TEAM,
        }
        for n, school in enumerate(self.schools):
            self.people[school.pk] = {}
            for name, role in roles.items():
                user = User.objects.create_user(
                    username=f"{name}{n}", email=f"{name}{n}@bench.invalid", display_name=name
                )
                RoleAssignment.objects.create(
                    user=user, role=role, school=school, district=district
                )
                self.people[school.pk][name] = user
        self.cstag = AssessmentModel.objects.filter(slug="cstag", active=True).latest(
            "installed_at"
        )
        self.steps = list(self.cstag.steps.order_by("number"))
        self.step1_actions = list(
            RequiredAction.objects.filter(step=self.steps[0], classification="")
        )
        self.tip_ids: dict[int, list[int]] = {s.pk: [] for s in self.schools}
        self.tips = 0
        self.cases = 0
        self.now = datetime.now().astimezone()

    @property
    def north(self) -> Any:
        return self.schools[0]

    def add_tips(self, count: int) -> None:
        from haven.tips.models import Tip

        rng = self.rng
        batch = []
        for n in range(count):
            school = self.schools[0] if rng.random() < 0.6 else self.schools[1]
            created = self.now - timedelta(minutes=rng.randint(5, 60 * 24 * 700))
            batch.append(
                Tip(
                    district=self.district,
                    school=school,
                    category=rng.choice(CATEGORIES),
                    description=(
                        f"Tip {self.tips + n}: a student keeps threatening a younger one after "
                        "lunch and posting videos of it."
                    ),
                    location="Gym doors",
                    receipt_digest=secrets.token_hex(32),
                    status=rng.choice(["new", "acknowledged", "closed"]),
                    created_at=created,
                )
            )
        made = Tip.objects.bulk_create(batch, batch_size=2000)
        for tip in made:
            self.tip_ids[tip.school_id].append(tip.pk)
        self.tips += count

    def add_cases(self, count: int) -> None:
        """``count`` cases with everything a case under way holds, in bulk (a thousand at a
        time, to keep the memory used small)."""
        while count > 0:
            self._add_cases(min(count, 1000))
            count -= 1000

    def _add_cases(self, count: int) -> None:
        from haven.access.models import Compartment
        from haven.cases.models import (
            ActionItem,
            Assessment,
            Case,
            CaseEvent,
            Document,
            Message,
            Note,
            PathwayObservation,
            PlanItem,
            Review,
            Screening,
            StepRecord,
            Task,
            TeamMember,
        )

        rng = self.rng
        today = self.now.date()
        cases = []
        for _ in range(count):
            school = self.schools[0] if rng.random() < 0.6 else self.schools[1]
            opened = self.now - timedelta(minutes=rng.randint(60, 60 * 24 * 400))
            kind = rng.choice(["threat", "threat", "self_harm", "both"])
            from_tip = rng.random() < 0.3 and self.tip_ids[school.pk]
            cases.append(
                Case(
                    school=school,
                    student_id=rng.choice(self.students[school.pk]),
                    type=kind,
                    priority=rng.choice([1, 1, 1, 2, 2, 3]),
                    status="closed" if rng.random() < 0.2 else "open",
                    source="tip" if from_tip else rng.choice(["referral", "staff"]),
                    source_tip_id=rng.choice(self.tip_ids[school.pk]) if from_tip else None,
                    summary="Said he would 'make them pay' after a fight; friends worried.",
                    classification=rng.choice(["", "transient", "serious_substantive"]),
                    stage="Step 2",
                    opened_by=self.people[school.pk]["principal"],
                    opened_at=opened,
                    updated_at=opened + timedelta(minutes=rng.randint(1, 60 * 24 * 30)),
                )
            )
        cases = Case.objects.bulk_create(cases, batch_size=1000)
        members, notes, events, tasks, messages = [], [], [], [], []
        assessments, plan_items, reviews, pathway, screenings, documents = [], [], [], [], [], []
        for case in cases:
            people = self.people[case.school_id]
            team = [people["principal"], people["counselor"], people["sro"]]
            if rng.random() < 0.3:
                team.append(people["team_member"])
            members += [TeamMember(case=case, user=u, added_at=case.opened_at) for u in team]
            at = case.opened_at
            written = 0

            def event(
                kind: str,
                text: str,
                part: str = "team",
                actor: Any = None,
                case: Any = case,
                people: dict[str, Any] = people,
            ) -> None:
                nonlocal at, written
                written += 1
                at = at + timedelta(minutes=rng.randint(1, 600))
                events.append(
                    CaseEvent(
                        case=case,
                        at=at,
                        actor=actor or people["principal"],
                        kind=kind,
                        compartment=part,
                        text=text,
                        object_type="cases.case",
                        object_id=str(case.pk),
                    )
                )

            event("opened", "Case opened (Staff referral)")
            authors = {"team": "principal", "clinical": "counselor", "law_enforcement": "sro"}
            for part, author in authors.items():
                for _ in range(rng.randint(1, 3)):
                    notes.append(
                        Note(
                            case=case,
                            compartment=part,
                            author=people[author],
                            body=NOTE[part],
                            created_at=at,
                        )
                    )
                    event("note", f"{Compartment(part).label} note added", part, people[author])
            for n in range(rng.randint(1, 3)):
                tasks.append(
                    Task(
                        case=case,
                        title=f"Call the family ({n + 1})",
                        assignee=rng.choice(team),
                        due_on=today + timedelta(days=rng.randint(-10, 20)),
                        created_by=people["principal"],
                        created_at=at,
                        done_at=at if rng.random() < 0.4 else None,
                    )
                )
                event("task", "Task added")
            for _ in range(rng.randint(0, 4)):
                messages.append(
                    Message(case=case, author=rng.choice(team), body="Meeting at 8?", created_at=at)
                )
            assessments.append(
                Assessment(
                    case=case, model=self.cstag, started_by=people["principal"], started_at=at
                )
            )
            event("assessment_started", "Threat assessment started (CSTAG)")
            event("assessment_step_closed", "Step 1 closed")
            plan_items.append(
                PlanItem(
                    case=case,
                    kind="supervision",
                    description="Escort between classes",
                    owner=people["sro"],
                    due_on=today + timedelta(days=rng.randint(1, 30)),
                    created_by=people["principal"],
                )
            )
            overdue = rng.random() < 0.1
            reviews.append(
                Review(
                    case=case,
                    due_on=today + timedelta(days=-rng.randint(1, 20) if overdue else 14),
                    scheduled_by=people["principal"],
                )
            )
            event("review_scheduled", "Follow-up review scheduled")
            for _ in range(rng.randint(1, 2)):
                pathway.append(
                    PathwayObservation(
                        case=case,
                        stage=rng.choice(["grievance", "ideation", "research"]),
                        observed_on=today - timedelta(days=rng.randint(1, 300)),
                        source="staff",
                        summary="Talked about revenge in class.",
                        recorded_by=people["counselor"],
                    )
                )
                event("pathway", "Pathway observation recorded")
            if case.type != "threat":
                screenings.append(
                    Screening(
                        case=case,
                        mapping_version="default",
                        answers={"q1": True, "q2": False, "q6": False},
                        risk_level="low",
                        positive=True,
                        required_actions=["parent_contact"],
                        performed_by=people["counselor"],
                    )
                )
                event("screening", "Suicide-risk screening: low", "team", people["counselor"])
            token = secrets.token_hex(16)
            part = rng.choice(list(authors))
            documents.append(
                Document(
                    case=case,
                    compartment=part,
                    token=token,
                    file=f"cases/{case.pk}/{token}",
                    name="statement.pdf",
                    content_type="application/pdf",
                    size=rng.randint(10_000, 900_000),
                    uploaded_by=people[authors[part]],
                )
            )
            event("document", "Document added", part, people[authors[part]])
            extra = 150 if rng.random() < 1 / 30 else rng.randint(15, 40)
            while written < extra:
                event("message", "Team chat")
        TeamMember.objects.bulk_create(members, batch_size=2000)
        Note.objects.bulk_create(notes, batch_size=2000)
        CaseEvent.objects.bulk_create(events, batch_size=2000)
        Task.objects.bulk_create(tasks, batch_size=2000)
        Message.objects.bulk_create(messages, batch_size=2000)
        PlanItem.objects.bulk_create(plan_items, batch_size=2000)
        Review.objects.bulk_create(reviews, batch_size=2000)
        PathwayObservation.objects.bulk_create(pathway, batch_size=2000)
        Screening.objects.bulk_create(screenings, batch_size=2000)
        Document.objects.bulk_create(documents, batch_size=2000)
        assessments = Assessment.objects.bulk_create(assessments, batch_size=2000)
        records = []
        for assessment in assessments:
            for step in self.steps:
                status = {1: "closed", 2: "open"}.get(step.number, "pending")
                records.append(
                    StepRecord(
                        assessment=assessment,
                        step=step,
                        status=status,
                        answers={"threat_words": "You'll be sorry."} if status == "closed" else {},
                        closed_at=assessment.started_at if status == "closed" else None,
                    )
                )
        records = StepRecord.objects.bulk_create(records, batch_size=2000)
        ActionItem.objects.bulk_create(
            (
                ActionItem(record=rec, action=action, status="done")
                for rec in records
                if rec.step_id == self.steps[0].pk
                for action in self.step1_actions
            ),
            batch_size=2000,
        )
        self.cases += count


# --- measuring ------------------------------------------------------------------------------------


def timed(client: Any, urls: list[str], cpu: list[float] | None = None) -> list[float]:
    """Wall-clock milliseconds of each request (and, into ``cpu``, this process's CPU time)."""
    out = []
    for url in urls:
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        body = response.content
        out.append((time.perf_counter() - started) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - started_cpu) * 1000)
        if response.status_code != 200 or not body:
            raise RuntimeError(f"{url}: {response.status_code}")
    return out


LIST_VARIANTS = ["", "?type=threat", "?priority=3", "?page=3", "?status=", "?mine=1&status="]


def page_urls(page: str, cases: list[int], rng: random.Random, n: int) -> list[str]:
    if page == "case_list":
        return [f"/cases/{LIST_VARIANTS[i % len(LIST_VARIANTS)]}" for i in range(n)]
    suffix = "timeline/" if page == "timeline" else ""
    return [f"/cases/{rng.choice(cases)}/{suffix}" for _ in range(n)]


def child(args: argparse.Namespace) -> None:
    """Build, measure and print, in this process (the environment is already set)."""
    import django

    django.setup()
    from django.core.management import call_command

    # Not setup_test_environment(): its instrumented template rendering is a cost real requests
    # do not pay. The development settings allow the test client's host name.
    call_command("migrate", verbosity=0, skip_checks=True)
    from django.db import connection

    from haven.cases.models import Case

    rng = random.Random(5)
    world = World(rng)
    started = time.perf_counter()
    world.add_tips(args.small_tips)
    world.add_cases(args.small_cases)
    small_build = time.perf_counter() - started
    people = world.people[world.north.pk]
    viewers = {"counselor": people["counselor"], "team_member": people["team_member"]}
    clients = {name: client_for(user) for name, user in viewers.items()}

    def visible(name: str) -> list[int]:
        qs = Case.objects.filter(school=world.north)
        if name == "team_member":
            qs = qs.filter(team_members__user=viewers[name])
        return list(qs.values_list("pk", flat=True))

    pages = ("case_list", "case", "timeline")
    fixed = {name: visible(name)[0] for name in viewers}

    def fixed_url(page: str, name: str) -> str:
        return page_urls(page, [fixed[name]], rng, 1)[0]

    for page in pages:  # the first request of a session does some one-off work
        for name in viewers:
            timed(clients[name], [fixed_url(page, name)])
    small = {
        (page, name): count_queries(clients[name], fixed_url(page, name))
        for page in pages
        for name in viewers
    }
    started = time.perf_counter()
    world.add_tips(args.tips - args.small_tips)
    world.add_cases(args.cases - args.small_cases)
    full_build = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh planner statistics, as a database in use has
    lines = []
    for page in pages:
        for name in viewers:
            cases = visible(name)
            client = clients[name]
            full_fixed = count_queries(client, fixed_url(page, name))
            sampled = {count_queries(client, u) for u in page_urls(page, cases, rng, 25)}
            timed(client, page_urls(page, cases, rng, 10))  # warm-up
            cpu: list[float] = []
            load = os.getloadavg()[0]
            ms = timed(client, page_urls(page, cases, rng, args.requests), cpu)
            constant = small[(page, name)] == full_fixed and sampled == {full_fixed}
            lines.append(
                {
                    "bench": "cases",
                    "database": connection.vendor,
                    "page": page,
                    "as": name,
                    "requests": len(ms),
                    "p50_ms": round(percentile(ms, 0.50), 1),
                    "p95_ms": round(percentile(ms, 0.95), 1),
                    "max_ms": round(max(ms), 1),
                    # The machine is shared: CPU time is the figure other work skews least.
                    "cpu_p50_ms": round(percentile(cpu, 0.50), 1),
                    "cpu_p95_ms": round(percentile(cpu, 0.95), 1),
                    "load_average": round(load, 1),
                    "queries_small": small[(page, name)],
                    "queries_full": full_fixed,
                    "queries_full_sampled": sorted(sampled),
                    "queries_constant": constant,
                    "visible_cases": len(cases),
                    "meets_target": percentile(ms, 0.95) <= TARGET["p95_ms"] and constant,
                }
            )
    from haven.cases.models import CaseEvent, Note
    from haven.tips.models import Tip

    for line in lines:
        print(json.dumps(line, separators=(",", ":")), flush=True)
    print(
        json.dumps(
            {
                "bench": "cases",
                "database": connection.vendor,
                "summary": True,
                "target": TARGET,
                "tips": Tip.objects.count(),
                "cases": Case.objects.count(),
                "notes": Note.objects.count(),
                "events": CaseEvent.objects.count(),
                "small": {"tips": args.small_tips, "cases": args.small_cases},
                "build_s": {"small": round(small_build, 1), "full": round(full_build, 1)},
                "worst_p95_ms": max(line["p95_ms"] for line in lines),
                "queries_constant": all(line["queries_constant"] for line in lines),
                "meets_target": all(line["meets_target"] for line in lines),
            },
            separators=(",", ":"),
        ),
        flush=True,
    )


# --- the parent: one child per database -----------------------------------------------------------


def run_one(database_url: str, args: argparse.Namespace) -> int:
    from cryptography.fernet import Fernet

    data_dir = Path(tempfile.mkdtemp(prefix="haven-bench-cases-"))
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
        # Our own interpreter with our own arguments.
        done = subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--child", *passed], env=env, cwd=ROOT, check=False
        )
        return done.returncode
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def with_postgres(url: str, args: argparse.Namespace) -> int:
    return on_scratch_postgres(url, "haven_bench", lambda scratch: run_one(scratch, args))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tips", type=int, default=100_000)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--small-tips", type=int, default=1_000)
    parser.add_argument("--small-cases", type=int, default=100)
    parser.add_argument("--requests", type=int, default=150, help="per page and person")
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
