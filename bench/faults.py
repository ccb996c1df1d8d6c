"""Fault benchmark: what reaches people when a part fails. Not a timed test: it prints JSON lines.

Everything runs on this machine's loopback: a Redis of its own (``redis-server`` on a free port),
a loopback SMTP server that counts each message per recipient, Haven's server (uvicorn serving
``haven.asgi``, ``--processes`` of them on one port) and its worker (``haven worker``), on SQLite by
default, or on PostgreSQL with ``--postgres`` (a fresh database ``haven_faults_bench`` next to
``DATABASE_URL``'s, dropped after).

1. **redis_outage**: reporters send tips at ``--tip-rate`` all along; Redis is killed for
   ``--outage-seconds`` (default 20). During the outage a page (an SSE stream) is opened, then a
   lockdown is raised through the API, then declared all clear; Redis is started again. Figures:
   tips sent / accepted (201) / stored, answers by status; the raise's and the all clear's status;
   the alert's delay to the page opened during the outage and to one opened before it; the e-mails
   owed (two broadcasts, each to every recipient) against those delivered, and any sent twice.
2. **worker_kill9**: a lockdown with Redis up; the mail server stalls the worker's first e-mail, the
   worker is killed (SIGKILL) in the middle of it and started again (as systemd or ``haven run``
   would). Figures: e-mails owed, delivered, sent twice, seconds until all were delivered.
3. **server_kill9**: reporters send tips all along; a shelter is raised through the API and, the
   moment its 201 arrives, every server process is killed (SIGKILL to the process group, as a
   power cut or the OOM killer would) and started again after ``--down-seconds``. Figures: tips
   sent / accepted (201) / stored (every 201 must be stored; a request cut off by the kill may or
   may not be, and its reporter saw no receipt), the e-mails owed for the shelter against those
   delivered and any sent twice, seconds from the restart until all were delivered.

    python bench/faults.py [--outage-seconds 20] [--down-seconds 3] [--processes 2] [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import http.client
import json
import os
import secrets
import shutil
import signal
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
REDIS_ARGS = ["--appendonly", "no"]
RECIPIENTS = 12
SETUP = f"""
import json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from haven.accounts.models import ApiToken, Role, RoleAssignment, User
from haven.core.models import District, School
district = District.objects.create(name="Bench District", slug="bench")
school = School.objects.create(district=district, name="Bench High", slug="bench-high")
tokens = {{}}
for i in range({RECIPIENTS}):
    role = Role.SCHOOL_ADMIN if i == 0 else Role.STAFF
    user = User.objects.create_user(username=f"staff{{i}}", email=f"staff{{i}}@bench.invalid")
    RoleAssignment.objects.create(user=user, role=role, school=school, district=district)
    if i < 2:
        tokens[user.username] = ApiToken.issue(user)[1]
print(json.dumps(tokens))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Inbox:
    """A loopback SMTP server's handler: counts each message per (subject, recipient)."""

    def __init__(self) -> None:
        self.count: collections.Counter[tuple[str, str]] = collections.Counter()
        self.lock = threading.Lock()
        self.stall_next = 0.0
        self.stalled = threading.Event()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options):  # type: ignore[no-untyped-def]
        if self.stall_next:
            hold, self.stall_next = self.stall_next, 0.0
            self.stalled.set()
            await asyncio.sleep(hold)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        import email
        from email.policy import default

        message = email.message_from_bytes(envelope.content, policy=default)
        with self.lock:
            for to in envelope.rcpt_tos:
                self.count[(str(message["Subject"]), to)] += 1
        return "250 OK"

    def total(self, prefix: str = "") -> tuple[int, int]:
        """(distinct messages delivered, messages delivered more than once) for subjects with
        this prefix."""
        with self.lock:
            mine = [n for (subject, _), n in self.count.items() if subject.startswith(prefix)]
        return len(mine), sum(n - 1 for n in mine)


class Redis:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if not binary:
            raise SystemExit("redis-server is not installed: the fault benchmark needs one")
        self.process = subprocess.Popen(  # noqa: S603 - the machine's redis-server
            [
                *(binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""),
                *(*REDIS_ARGS, "--dir", str(self.workdir)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.3)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()


class Haven:
    """The server and the worker, on one data directory and database."""

    def __init__(self, data_dir: Path, database_url: str, redis_url: str, smtp_port: int) -> None:
        from cryptography.fernet import Fernet

        self.port = free_port()
        self.data_dir = data_dir
        self.database_url = database_url
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "haven.settings",
            "HAVEN_ENV": "development",
            "DEBUG": "false",
            "HAVEN_DATA_DIR": str(data_dir),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "EMAIL_USE_TLS": "false",
            "HAVEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "HAVEN_AUDIT_KEY": "bench-audit-key-" + secrets.token_hex(16),
            "HAVEN_TIP_THROTTLE_SCALE": "1000",  # every reporter comes from one address
            "HAVEN_SWEEP_SECONDS": "2",
            "HAVEN_DELIVERY_LEASE_SECONDS": "10",
            "HAVEN_DELIVERY_RETRY_SECONDS": "2",
            "HAVEN_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        self.server: subprocess.Popen[bytes] | None = None
        self.processes = 1
        self.worker: subprocess.Popen[bytes] | None = None
        self.log = (data_dir / "haven.log").open("ab")

    def setup(self) -> dict[str, str]:
        out = subprocess.run(  # noqa: S603 - our interpreter, our script
            [sys.executable, "-c", SETUP], env=self.env, cwd=ROOT, check=True, capture_output=True
        )
        return json.loads(out.stdout.decode().strip().splitlines()[-1])

    def start_server(self, processes: int) -> None:
        self.processes = processes
        self.server = subprocess.Popen(  # noqa: S603
            [
                *(sys.executable, "-m", "uvicorn", "haven.asgi:application"),
                *("--host", "127.0.0.1", "--port", str(self.port)),
                *("--workers", str(processes), "--no-access-log"),
                *("--lifespan", "off", "--log-level", "warning"),
            ],
            env=self.env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a process group of its own: kill_server reaches all
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                request(self.port, "GET", "/healthz")
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the server did not start")

    def kill_server(self) -> None:
        """SIGKILL to the server's every process at once: no shutdown, no on-commit left to run."""
        if self.server is not None:
            os.killpg(self.server.pid, signal.SIGKILL)
            self.server.wait()

    def start_worker(self) -> None:
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "haven.cli", "worker", "--workers", "2"],
            env=self.env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def stop(self) -> None:
        for process in (self.worker, self.server):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()

    def query(self, sql: str) -> list[tuple]:
        if self.database_url:
            import psycopg

            with psycopg.connect(self.database_url) as db:
                return list(db.execute(sql).fetchall())
        with sqlite3.connect(self.data_dir / "haven.sqlite3", timeout=30) as db:
            return list(db.execute(sql).fetchall())

    def undelivered(self) -> int:
        return int(
            self.query("SELECT count(*) FROM notify_outbox WHERE status IN ('pending','sending')")[
                0
            ][0]
        )


def request(
    port: int, method: str, path: str, body: Any = None, token: str = ""
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class Page:
    """An open alert stream (SSE): notes when each alert event arrives."""

    def __init__(self, port: int, token: str) -> None:
        self.alerts: list[float] = []
        self.status = 0
        self.error = ""
        self.opened = threading.Event()
        threading.Thread(target=self._read, args=(port, token), daemon=True).start()

    def _read(self, port: int, token: str) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            conn.request(
                "GET",
                "/api/v1/alerts/stream?school=bench-high",
                headers={"Authorization": f"Bearer {token}"},
            )
            response = conn.getresponse()
            self.status = response.status
            self.opened.set()
            while line := response.fp.readline():
                if line.startswith(b"event: alert"):
                    self.alerts.append(time.monotonic())
        except Exception as exc:
            self.error = type(exc).__name__
        finally:
            self.opened.set()
            conn.close()


class Reporters:
    """Tips at a steady rate from a few threads, counting the answers."""

    def __init__(self, port: int, rate: float) -> None:
        self.port = port
        self.rate = rate
        self.statuses: collections.Counter[int] = collections.Counter()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._send, daemon=True) for _ in range(4)]

    def start(self) -> Reporters:
        for thread in self.threads:
            thread.start()
        return self

    def _send(self) -> None:
        pause = len(self.threads) / max(self.rate, 0.1)
        while not self.stop.is_set():
            body = {
                "category": "bullying",
                "description": "Someone is being pushed around at the lockers every morning.",
                "school": "bench-high",
            }
            try:
                status, _ = request(self.port, "POST", "/api/v1/public/tips", body)
            except OSError:
                status = 0
            with self.lock:
                self.statuses[status] += 1
            self.stop.wait(pause)

    def finish(self) -> dict[str, Any]:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=40)
        return {
            "sent": sum(self.statuses.values()),
            "accepted": self.statuses.get(201, 0),
            "answers": {str(k): v for k, v in sorted(self.statuses.items())},
        }


def wait_until(condition: Any, seconds: float) -> float | None:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > seconds:
            return None
        time.sleep(0.2)
    return round(time.monotonic() - started, 2)


def redis_outage(haven: Haven, redis: Redis, inbox: Inbox, tokens: dict, args: Any) -> dict:
    chief = tokens["staff0"]
    reader = tokens["staff1"]
    before = Page(haven.port, reader)
    before.opened.wait(10)
    reporters = Reporters(haven.port, args.tip_rate).start()
    time.sleep(3)
    redis.kill()
    outage_started = time.monotonic()
    time.sleep(min(2, args.outage_seconds / 4))
    during = Page(haven.port, reader)
    during.opened.wait(10)
    time.sleep(1)
    raised_at = time.monotonic()
    raised, body = request(
        haven.port,
        "POST",
        "/api/v1/incidents",
        {"school": "bench-high", "protocol": "lockdown"},
        chief,
    )
    incident = json.loads(body).get("id") if raised == 201 else None
    wait_until(lambda: during.alerts and before.alerts, max(5, args.outage_seconds / 2))
    cleared = 0
    if incident:
        time.sleep(max(0, args.outage_seconds / 2 - (time.monotonic() - outage_started)))
        cleared, _ = request(
            haven.port, "POST", f"/api/v1/incidents/{incident}/all-clear", {"message": "ok"}, chief
        )
    time.sleep(max(0, args.outage_seconds - (time.monotonic() - outage_started)))
    redis.start()
    outage = round(time.monotonic() - outage_started, 1)
    time.sleep(3)
    tips = reporters.finish()
    settle = wait_until(lambda: haven.undelivered() == 0, 90)
    time.sleep(3)
    lockdown, lockdown_twice = inbox.total("LOCKDOWN")
    clear, clear_twice = inbox.total("ALL CLEAR")
    delivered, twice = lockdown + clear, lockdown_twice + clear_twice
    stored = haven.query("SELECT count(*) FROM tips_tip")[0][0]

    def delay(page: Page) -> float | None:
        return round(page.alerts[0] - raised_at, 2) if page.alerts else None

    return {
        "bench": "faults",
        "scenario": "redis_outage",
        "database": "postgresql" if haven.database_url else "sqlite",
        "processes": args.processes,
        "outage_seconds": outage,
        "tips": {**tips, "stored": stored},
        "raise_status": raised,
        "all_clear_status": cleared,
        "page_opened_during_outage": {"status": during.status, "error": during.error},
        "alert_delay_s_page_opened_during_outage": delay(during),
        "alert_delay_s_page_opened_before_outage": delay(before),
        "emails_owed": 2 * RECIPIENTS if cleared == 200 else RECIPIENTS,
        "emails_delivered": delivered,
        "emails_sent_twice": twice,
        "seconds_after_recovery_until_all_delivered": settle,
        "target": {"tips_refused_or_lost": 0, "alert_delay_s": 5, "emails_sent_twice": 0},
    }


def worker_kill9(haven: Haven, inbox: Inbox, tokens: dict, args: Any) -> dict:
    inbox.stall_next = 120
    inbox.stalled.clear()
    status, _ = request(
        haven.port,
        "POST",
        "/api/v1/incidents",
        {"school": "bench-high", "protocol": "evacuate", "drill": True},
        tokens["staff0"],
    )
    stalled = inbox.stalled.wait(60)
    if haven.worker is not None:
        os.kill(haven.worker.pid, signal.SIGKILL)
        haven.worker.wait()
    killed_at = time.monotonic()
    haven.start_worker()  # as systemd (Restart=always) or `haven run` would
    settle = wait_until(lambda: haven.undelivered() == 0, 120)
    time.sleep(4)
    delivered, twice = inbox.total("DRILL")
    return {
        "bench": "faults",
        "scenario": "worker_kill9",
        "database": "postgresql" if haven.database_url else "sqlite",
        "raise_status": status,
        "killed_mid_send": stalled,
        "emails_owed": RECIPIENTS,
        "emails_delivered": delivered,
        "emails_sent_twice": twice,
        "seconds_after_kill_until_all_delivered": None
        if settle is None
        else round(time.monotonic() - killed_at - 4, 1),
    }


def server_kill9(haven: Haven, inbox: Inbox, tokens: dict, args: Any) -> dict:
    stored_before = haven.query("SELECT count(*) FROM tips_tip")[0][0]
    reporters = Reporters(haven.port, args.tip_rate).start()
    time.sleep(3)
    raised, _ = request(
        haven.port,
        "POST",
        "/api/v1/incidents",
        {"school": "bench-high", "protocol": "shelter"},
        tokens["staff0"],
    )
    haven.kill_server()
    time.sleep(args.down_seconds)
    started = time.monotonic()
    haven.start_server(haven.processes)
    restart = round(time.monotonic() - started, 1)
    time.sleep(3)
    tips = reporters.finish()
    settle = wait_until(lambda: haven.undelivered() == 0, 90)
    time.sleep(3)
    delivered, twice = inbox.total("SHELTER")
    stored = haven.query("SELECT count(*) FROM tips_tip")[0][0] - stored_before
    return {
        "bench": "faults",
        "scenario": "server_kill9",
        "database": "postgresql" if haven.database_url else "sqlite",
        "processes": args.processes,
        "tips": {
            **tips,
            "stored": stored,
            "accepted_but_not_stored": max(0, tips["accepted"] - stored),
        },
        "raise_status": raised,
        "seconds_to_restart_server": restart,
        "emails_owed": RECIPIENTS if raised == 201 else 0,
        "emails_delivered": delivered,
        "emails_sent_twice": twice,
        "seconds_after_restart_until_all_delivered": settle,
        "target": {"accepted_but_not_stored": 0, "emails_sent_twice": 0},
    }


def postgres_database() -> tuple[str, str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("--postgres needs DATABASE_URL pointing at a PostgreSQL server")
    parts = urlsplit(url)
    return url, urlunsplit(parts._replace(path="/haven_faults_bench"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outage-seconds", type=float, default=20)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--tip-rate", type=float, default=5)
    parser.add_argument("--down-seconds", type=float, default=3)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    smtp_port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    workdir = Path(tempfile.mkdtemp(prefix="haven-faults-"))
    admin_url = database_url = ""
    if args.postgres:
        import psycopg

        admin_url, database_url = postgres_database()
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute("DROP DATABASE IF EXISTS haven_faults_bench WITH (FORCE)")
            admin.execute("CREATE DATABASE haven_faults_bench")
    redis = Redis(workdir)
    redis.start()
    data_dir = workdir / "data"
    data_dir.mkdir()
    haven = Haven(data_dir, database_url, f"redis://127.0.0.1:{redis.port}/0", smtp_port)
    try:
        tokens = haven.setup()
        haven.start_server(args.processes)
        haven.start_worker()
        time.sleep(2)
        print(json.dumps(redis_outage(haven, redis, inbox, tokens, args)), flush=True)
        print(json.dumps(worker_kill9(haven, inbox, tokens, args)), flush=True)
        print(json.dumps(server_kill9(haven, inbox, tokens, args)), flush=True)
    finally:
        haven.stop()
        redis.kill()
        controller.stop()
        if admin_url:
            import psycopg

            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute("DROP DATABASE IF EXISTS haven_faults_bench WITH (FORCE)")
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
