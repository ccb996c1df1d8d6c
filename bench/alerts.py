"""Alert fan-out: N staff clients hold the alert stream of one school open; a lockdown is raised
through the API; how long from the API call until each client has the alert?

Four runs, each printing p50/p99/max (ms) and how many clients received the alert:

* ``haven_memory``: one Haven process (uvicorn), the in-memory channel layer;
* ``haven_redis``: two Haven processes with Redis, clients split across both, raised on one;
* ``floor_memory`` / ``floor_redis``: the same transport with no Haven code — a bare ASGI app
  (below) on uvicorn that streams server-sent events from a channel-layer group, one listener per
  process fanning out to its clients, and broadcasts one message.

Clients are raw asyncio sockets in this process (no dependency beyond the standard library).
Prints one JSON line. ``BENCH_ALERT_CLIENTS`` (default 2000) and ``BENCH_REDIS_URL`` (default
``redis://127.0.0.1:6379/13``; the Redis runs are skipped when it cannot be reached).

Run: ``python bench/alerts.py`` (``make bench`` runs every benchmark).
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = int(os.environ.get("BENCH_ALERT_CLIENTS", "2000"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
SCHOOL = "northside-high"
CONNECT_BATCH = 100
WAIT_SECONDS = 30
HEALTH_CHECK = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"

SETUP = r"""
import json, sys
import django
django.setup()
from django.core.management import call_command
from django.db import transaction
call_command("migrate", skip_checks=True, verbosity=0)
from haven.accounts.models import ApiToken, Role, RoleAssignment, User
from haven.core.models import District, School
count = int(sys.argv[1])
with transaction.atomic():
    district = District.objects.create(name="Bench District", slug="bench")
    school = School.objects.create(district=district, name="Northside High", slug=sys.argv[2])
    users = User.objects.bulk_create(
        [User(username=f"staff{i:05d}", password="!") for i in range(count)]
        + [User(username="principal", password="!")]
    )
    where = {"school": school, "district": district}
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=u, role=Role.STAFF, **where) for u in users[:-1]]
        + [RoleAssignment(user=users[-1], role=Role.SCHOOL_ADMIN, **where)]
    )
    tokens = [ApiToken.issue(u)[1] for u in users]
print(json.dumps({"clients": tokens[:-1], "raiser": tokens[-1]}))
"""


# --- the floor: a bare ASGI app, no Haven code ----------------------------------------------------

_floor: dict[str, Any] = {}


async def _floor_listener() -> None:
    layer = _floor["layer"]
    channel = await layer.new_channel()
    await layer.group_add("floor", channel)
    _floor["ready"].set()
    while True:
        message = await layer.receive(channel)
        for queue in list(_floor["queues"]):
            queue.put_nowait(message["data"])


async def floor_app(scope: dict, receive: Any, send: Any) -> None:
    """SSE from one channel-layer group; POST /fire broadcasts one message."""
    if scope["type"] != "http":
        return
    if "layer" not in _floor:
        if os.environ.get("BENCH_FLOOR_REDIS"):
            from channels_redis.core import RedisChannelLayer

            _floor["layer"] = RedisChannelLayer(hosts=[os.environ["BENCH_FLOOR_REDIS"]])
        else:
            from channels.layers import InMemoryChannelLayer

            _floor["layer"] = InMemoryChannelLayer()
        _floor["queues"] = set()
        _floor["ready"] = asyncio.Event()
        _floor["task"] = asyncio.get_running_loop().create_task(_floor_listener())
    await _floor["ready"].wait()
    headers = [(b"content-type", b"text/event-stream")]
    if scope["path"] == "/fire":
        message = {"type": "alert", "data": {"protocol": "lockdown"}}
        await _floor["layer"].group_send("floor", message)
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})
        return
    if scope["path"] == "/healthz":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})
        return
    queue: asyncio.Queue = asyncio.Queue()
    _floor["queues"].add(queue)
    try:
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        body = b": connected\n\nid: 0\nevent: position\ndata: {}\n\n"
        await send({"type": "http.response.body", "body": body, "more_body": True})
        data = await queue.get()
        text = f"id: 1\nevent: alert\ndata: {json.dumps(data)}\n\n"
        await send({"type": "http.response.body", "body": text.encode(), "more_body": True})
        await receive()  # until the client goes
    finally:
        _floor["queues"].discard(queue)


# --- servers --------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _uvicorn(app: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "uvicorn",
            app,
            "--app-dir",
            str(ROOT / "bench") if app.startswith("alerts:") else str(ROOT),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--lifespan",
            "off",
            "--no-access-log",
            "--log-level",
            "warning",
            "--backlog",
            "4096",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log.open("a"),
    )


def _wait_up(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 180  # a cold start on a busy machine is slow
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(log.read_text()[-2000:])
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                probe.sendall(HEALTH_CHECK)
                if probe.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server on {port} did not start")


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _redis_up() -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(REDIS_URL)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 2) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


# --- clients --------------------------------------------------------------------------------------


class Client:
    def __init__(self, port: int, token: str | None) -> None:
        self.port = port
        self.token = token
        self.writer: asyncio.StreamWriter | None = None
        self.received_at: float | None = None
        self.task: asyncio.Task | None = None

    async def connect(self) -> None:
        reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        auth = f"Authorization: Bearer {self.token}\r\n" if self.token else ""
        self.writer.write(
            (
                f"GET /api/v1/alerts/stream?school={SCHOOL} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"{auth}Accept: text/event-stream\r\n\r\n"
            ).encode()
        )
        buffer = b""
        while b"event: position" not in buffer:
            chunk = await reader.read(65536)
            if not chunk:
                raise ConnectionError(buffer[:300])
            buffer += chunk
        self.task = asyncio.get_running_loop().create_task(self._wait_alert(reader))

    async def _wait_alert(self, reader: asyncio.StreamReader) -> None:
        buffer = b""
        while b"event: alert" not in buffer:
            chunk = await reader.read(65536)
            if not chunk:
                return
            buffer = buffer[-32:] + chunk
        self.received_at = time.perf_counter()

    def close(self) -> None:
        if self.task:
            self.task.cancel()
        if self.writer:
            self.writer.close()


async def _post(port: int, path: str, body: bytes, token: str | None) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    writer.write(
        (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        + body
    )
    answer = await reader.read()
    writer.close()
    return answer


async def _measure(ports: list[int], tokens: list[str | None], fire: Any) -> dict[str, Any]:
    clients = [Client(ports[i % len(ports)], tokens[i]) for i in range(len(tokens))]
    started = time.perf_counter()
    for first in range(0, len(clients), CONNECT_BATCH):
        await asyncio.gather(*(c.connect() for c in clients[first : first + CONNECT_BATCH]))
    connect_seconds = time.perf_counter() - started
    await asyncio.sleep(1)  # let the servers settle (delivery records, idle threads)
    sent = time.perf_counter()
    answer = await fire()
    api_ms = (time.perf_counter() - sent) * 1000
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline and any(c.received_at is None for c in clients):
        await asyncio.sleep(0.05)
    latencies = sorted((c.received_at - sent) * 1000 for c in clients if c.received_at)
    for client in clients:
        client.close()
    result: dict[str, Any] = {
        "clients": len(clients),
        "received": len(latencies),
        "connect_s": round(connect_seconds, 1),
        "fire_ms": round(api_ms, 1),
        "fire_status": answer.split(b" ", 2)[1].decode() if answer else "",
    }
    if latencies:
        result.update(
            p50_ms=round(statistics.median(latencies), 1),
            p99_ms=round(latencies[max(0, int(len(latencies) * 0.99) - 1)], 1),
            max_ms=round(latencies[-1], 1),
        )
    return result


# --- the runs -------------------------------------------------------------------------------------


def _haven(data_dir: Path, processes: int, redis: bool) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="haven.settings",
        HAVEN_DATA_DIR=str(data_dir),
        HAVEN_AUDIT_KEY="bench-audit-key-0123456789abcdef0123456789",
        DEBUG="false",
        PYTHONPATH=str(ROOT),
    )
    if redis:
        env["REDIS_URL"] = REDIS_URL
    made = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SETUP, str(CLIENTS), SCHOOL],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    people = json.loads(made.stdout.strip().splitlines()[-1])
    ports = [_free_port() for _ in range(processes)]
    log = data_dir / "server.log"
    servers = [_uvicorn("haven.asgi:application", port, env, log) for port in ports]
    try:
        for port, server in zip(ports, servers, strict=True):
            _wait_up(port, server, log)
        body = json.dumps(
            {"school": SCHOOL, "protocol": "lockdown", "drill": False, "note": "bench"}
        ).encode()
        return asyncio.run(
            _measure(
                ports,
                people["clients"],
                lambda: _post(ports[0], "/api/v1/incidents", body, people["raiser"]),
            )
        )
    finally:
        _stop(servers)


def _floor_run(processes: int, redis: bool, log: Path) -> dict[str, Any]:
    env = dict(os.environ)
    env.pop("BENCH_FLOOR_REDIS", None)
    if redis:
        env["BENCH_FLOOR_REDIS"] = REDIS_URL
    ports = [_free_port() for _ in range(processes)]
    servers = [_uvicorn("alerts:floor_app", port, env, log) for port in ports]
    try:
        for port, server in zip(ports, servers, strict=True):
            _wait_up(port, server, log)
        return asyncio.run(
            _measure(ports, [None] * CLIENTS, lambda: _post(ports[0], "/fire", b"{}", None))
        )
    finally:
        _stop(servers)


def _raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = CLIENTS * 4 + 1024  # clients here, their server ends, database and log files
    if soft < wanted:
        soft = min(hard, wanted) if hard != resource.RLIM_INFINITY else wanted
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return soft


def main() -> None:
    limit = _raise_fd_limit()
    figures: dict[str, Any] = {"bench": "alerts", "clients": CLIENTS, "fd_limit": limit}
    # These machines are shared: the load says how much CPU the servers and clients really had.
    figures["cpus"] = os.cpu_count()
    figures["load_before"] = round(os.getloadavg()[0], 1)
    with tempfile.TemporaryDirectory(prefix="haven-bench-alerts-") as tmp:
        base = Path(tmp)
        runs = {
            "floor_memory": lambda: _floor_run(1, False, base / "floor.log"),
            "haven_memory": lambda: _haven(base / "memory", 1, False),
        }
        if _redis_up():
            runs["floor_redis"] = lambda: _floor_run(2, True, base / "floor.log")
            runs["haven_redis"] = lambda: _haven(base / "redis", 2, True)
        else:
            figures["redis"] = f"skipped: no Redis at {REDIS_URL}"
        for name, run in runs.items():
            try:
                figures[name] = run()
            except Exception as exc:  # one JSON line whatever happens
                figures[name] = {"error": f"{type(exc).__name__}: {str(exc)[-300:]}"}
    for name in ("memory", "redis"):
        haven, floor = figures.get(f"haven_{name}"), figures.get(f"floor_{name}")
        if haven and floor and haven.get("p99_ms") and floor.get("p99_ms"):
            figures[f"p99_ratio_{name}"] = round(haven["p99_ms"] / floor["p99_ms"], 2)
    figures["load_after"] = round(os.getloadavg()[0], 1)
    targets = [figures.get(f"haven_{n}") for n in ("memory", "redis")]
    figures["target_met"] = all(
        t is not None and t.get("received") == t.get("clients") and t.get("p99_ms", 1e9) <= 1000
        for t in targets
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
