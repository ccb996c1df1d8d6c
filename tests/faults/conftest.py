"""Faults as an operator meets them: a real Redis (``redis-server`` on a free loopback port, started
and stopped by the test) that goes away in the middle of a flow, a worker killed mid-send.

Where ``redis-server`` is not installed the Redis tests are skipped, saying so (under CI they fail:
CI must have it). Nothing here reaches beyond this machine's loopback."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from axes.handlers.proxy import AxesProxyHandler
from huey.contrib.djhuey import HUEY
from huey.storage import RedisStorage

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """One ``redis-server`` of the test's own: no file written, loopback only."""

    def __init__(self, workdir: Path) -> None:
        self.binary = shutil.which("redis-server") or ""
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - the machine's redis-server, our arguments
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
                "--protected-mode",
                "yes",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self.up():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop it outright (SIGKILL: as a crash or a network cut looks to its clients)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def up(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    if not server.binary:
        if os.environ.get("CI"):
            pytest.fail("redis-server is required in CI for the fault tests")
        pytest.skip("redis-server is not installed: the Redis fault tests need a real one")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def on_redis(redis_server, settings) -> Iterator[RedisServer]:
    """Haven's cache, channel layer and task queue on the test's own Redis (as in production),
    with tasks queued for a worker (not run at once, as elsewhere in the tests)."""
    url = redis_server.url
    settings.REDIS_URL = url
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    }
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [{"address": url, "socket_timeout": 15}],
                "prefix": f"t{uuid.uuid4().hex[:12]}",
            },
        }
    }
    settings.HAVEN_ALLOW_LOCAL_ENDPOINTS = True
    settings.HAVEN_BASE_URL = "https://haven.test"
    storage, immediate = HUEY.storage, HUEY._immediate
    HUEY.storage = RedisStorage(f"haven-faults-{uuid.uuid4().hex[:8]}", url=url)
    HUEY._immediate = False
    AxesProxyHandler.implementation = None  # it keeps the cache it was first given
    try:
        yield redis_server
    finally:
        HUEY.storage, HUEY._immediate = storage, immediate
        AxesProxyHandler.implementation = None


def run_worker_once() -> int:
    """What a worker does with the queue: run every task waiting in Redis; returns how many."""
    ran = 0
    while (task := HUEY.dequeue()) is not None:
        HUEY.execute(task)
        ran += 1
    return ran


class ProcessDatabase:
    """The database of the Haven processes a test starts: when the suite runs on SQLite, a SQLite
    file in their data directory; on PostgreSQL, a scratch database of their own beside the
    suite's (dropped afterwards), so that what production runs on is what a crash is tried on."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        suite = os.environ.get("DATABASE_URL", "")
        self.admin_url = suite if suite.startswith("postgres") else ""
        self.url = ""
        if self.admin_url:
            import psycopg

            self.name = f"haven_faults_{uuid.uuid4().hex[:12]}"
            self.url = urlunsplit(urlsplit(self.admin_url)._replace(path=f"/{self.name}"))
            with psycopg.connect(self.admin_url, autocommit=True) as admin:
                admin.execute(f"CREATE DATABASE {self.name}")

    def query(self, sql: str) -> list[tuple]:
        if self.url:
            import psycopg

            with psycopg.connect(self.url) as db:
                return list(db.execute(sql).fetchall())
        with sqlite3.connect(self.data_dir / "haven.sqlite3", timeout=20) as db:
            return list(db.execute(sql).fetchall())

    def drop(self) -> None:
        if self.url:
            import psycopg

            with psycopg.connect(self.admin_url, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


@pytest.fixture
def process_database(tmp_path: Path) -> Iterator[ProcessDatabase]:
    database = ProcessDatabase(tmp_path / "data")
    yield database
    database.drop()


def haven_env(data_dir: Path, database_url: str = "", **extra: Any) -> dict[str, str]:
    """The environment of a Haven process the test starts: its own data directory, the database
    given (else a SQLite file in that directory), no Redis."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(
        DJANGO_SETTINGS_MODULE="haven.settings",
        HAVEN_DATA_DIR=str(data_dir),
        HAVEN_AUDIT_KEY="faults-audit-key-0123456789abcdef0123456789",
        PYTHONPATH=str(ROOT),
        **{k: str(v) for k, v in extra.items()},
    )
    return env
