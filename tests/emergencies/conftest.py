"""Fixtures for emergencies: a channel layer of the test's own (so parallel runs sharing one Redis
never hear each other's alerts), an empty Huey schedule, loopback endpoints allowed, and names
resolved from a table (no network)."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
from huey.contrib.djhuey import HUEY

from haven.emergencies.alerts import services
from tests.outbound import resolving


def _next_database(url: str) -> str:
    """The same Redis server, a neighbouring database: the suite clears the cache's database
    (FLUSHDB) before every test, and a parallel worker doing so would wipe this test's groups."""
    parts = urlsplit(url)
    number = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{number - 1 if number else 1}"))


@pytest.fixture(autouse=True)
def _own_channel_layer(settings):
    layer = dict(settings.CHANNEL_LAYERS["default"])
    if "redis" in layer["BACKEND"].lower():
        hosts = [
            {**host, "address": _next_database(host["address"])}
            if isinstance(host, dict)
            else _next_database(host)
            for host in layer["CONFIG"]["hosts"]
        ]
        layer["CONFIG"] = {**layer["CONFIG"], "hosts": hosts, "prefix": f"t{uuid.uuid4().hex[:12]}"}
    settings.CHANNEL_LAYERS = {"default": layer}  # a changed setting resets channels' layers
    settings.HAVEN_ALLOW_LOCAL_ENDPOINTS = True
    # The push services the tests start run on loopback.
    settings.HAVEN_PUSH_SERVICES = [*settings.HAVEN_PUSH_SERVICES, "127.0.0.1"]
    settings.HAVEN_BASE_URL = "https://haven.test"
    HUEY.flush()
    with resolving():
        yield
    HUEY.flush()


@pytest.fixture
def lockdown(principal, northside, django_capture_on_commit_callbacks):
    """A lockdown at Northside, raised by the principal, with its alert sent."""
    with django_capture_on_commit_callbacks(execute=True):
        return services.raise_incident(principal, northside, "lockdown", note="Intruder near gym")


def run_scheduled() -> int:
    """Run every task Huey has scheduled for later (retries with back-off), as if their time had
    come; returns how many ran."""
    tasks = HUEY.scheduled()
    HUEY.flush()
    for task in tasks:
        HUEY.execute(task, timestamp=task.eta)
    return len(tasks)
