"""What the page benchmarks share (not a benchmark itself: ``make bench`` skips ``_*.py``): the
percentile they report, a client signed in as a person, the queries a page makes, and a scratch
PostgreSQL database made and dropped around a run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def client_for(user: Any) -> Any:
    """A test client signed in as ``user`` with the second factor presented (as tests do)."""
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="bench", defaults={"confirmed": True}
    )
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def count_queries(client: Any, url: str) -> int:
    """How many queries one GET of ``url`` makes (it must answer 200)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url}: {response.status_code}")
    return len(captured.captured_queries)


def on_scratch_postgres(url: str, name: str, run: Callable[[str], int]) -> int:
    """``run(url of a new, empty database called name)`` beside the one ``url`` names; the
    scratch database is dropped afterwards, whatever happens."""
    import psycopg

    parts = urlsplit(url)
    scratch = urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    try:
        return run(scratch)
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
