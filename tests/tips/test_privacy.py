"""Nothing identifies the reporter: after a submission and a follow-up (through the API and the
public pages), neither the caller's address nor their browser's user agent is anywhere in the
database (every table, every column), in the cache (the throttles), or in the log output."""

from __future__ import annotations

import json
import logging

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from haven.tips import services
from haven.tips.models import Tip
from tests.conftest import cache_text, signed_in
from tests.tips import jpeg_bytes, upload

ADDRESS = "203.0.113.77"
AGENT = "Reporter-UA/1.0"
MARKERS = (ADDRESS, AGENT, "203.0.113", "Reporter-UA")


@pytest.fixture
def all_logs(caplog):
    """Capture every logger at DEBUG, including those that do not propagate to the root."""
    handler = caplog.handler
    changed = []
    for logger in [
        logging.getLogger(),
        *map(logging.getLogger, list(logging.root.manager.loggerDict)),
    ]:
        changed.append((logger, logger.level, logger.disabled))
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
        if not logger.propagate and handler not in logger.handlers:
            logger.addHandler(handler)
    caplog.set_level(logging.DEBUG)
    yield caplog
    for logger, level, disabled in changed:
        logger.setLevel(level)
        logger.disabled = disabled
        if handler in logger.handlers and logger is not logging.getLogger():
            logger.removeHandler(handler)


def _tables() -> set[str]:
    return set(connection.introspection.table_names())


def _raw_database_text() -> str:
    """Every value of every row of every table, as stored."""
    parts = []
    with connection.cursor() as cursor:
        for table in sorted(_tables()):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                parts.append(repr(row))
                parts.extend(
                    bytes(v).decode("latin-1") for v in row if isinstance(v, bytes | memoryview)
                )
    return "\n".join(parts)


def _model_text() -> str:
    """Every field of every row of every model, read through the ORM, so that encrypted columns
    are searched decrypted too."""
    parts = []
    tables = _tables()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.db_table not in tables:  # an app whose migrations another change adds
            continue
        fields = [f.attname for f in model._meta.concrete_fields]
        for values in model._default_manager.values_list(*fields):
            parts.append(json.dumps(values, default=str))
    return "\n".join(parts)


def _database_text() -> str:
    return _raw_database_text() + "\n" + _model_text()


def test_no_trace_of_the_reporters_address_or_browser_anywhere(
    people, all_logs, django_capture_on_commit_callbacks
):
    reporter = Client(REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=AGENT)
    with django_capture_on_commit_callbacks(execute=True):
        # Through the API: a life-safety tip with a photo, so that every path runs.
        submitted = reporter.post(
            "/api/v1/public/tips",
            {
                "data": json.dumps(
                    {
                        "school": "northside-high",
                        "category": "violence_threat",
                        "description": "A student said he would bring a gun tomorrow.",
                        "danger_now": True,
                        "contact": {"name": "", "email": ""},
                    }
                ),
                "files": [upload("photo.jpg", jpeg_bytes(gps=True))],
            },
        )
        assert submitted.status_code == 201
        receipt = submitted.json()["receipt"]
        tip = Tip.objects.get()
        services.staff_message(people["counselor"], tip, "Which student? Which class?")
        assert (
            reporter.get("/api/v1/public/tips/mine", HTTP_X_HAVEN_RECEIPT=receipt).status_code
            == 200
        )
        answered = reporter.post(
            "/api/v1/public/tips/mine/messages",
            json.dumps({"body": "Third period chemistry."}),
            content_type="application/json",
            HTTP_X_HAVEN_RECEIPT=receipt,
        )
        assert answered.status_code == 201
        # A mistyped receipt (a throttled guess) and bad input (a 422) leave no trace either.
        assert (
            reporter.get(
                "/api/v1/public/tips/mine", HTTP_X_HAVEN_RECEIPT="0000 0000 0000 0001"
            ).status_code
            == 404
        )
        assert (
            reporter.post("/api/v1/public/tips", "{}", content_type="application/json").status_code
            == 422
        )
        # Through the public pages.
        assert reporter.get("/report/northside-high/").status_code == 200
        page = reporter.post(
            "/report/northside-high/",
            {
                "description": "Someone is selling vapes in the bathroom.",
                "category": "drugs_alcohol",
                "danger_now": "no",
            },
        )
        assert page.status_code == 200, page.content[:500]
        assert Tip.objects.count() == 2
        assert (
            reporter.post("/report/follow-up/", {"receipt": receipt, "action": "open"}).status_code
            == 200
        )
        # The responders' side of the same tip.
        staff = signed_in(people["counselor"])
        assert staff.get(f"/api/v1/tips/{tip.pk}").status_code == 200
    assert Tip.objects.get(pk=tip.pk).messages.count() == 2

    assert all_logs.records, "the log capture caught nothing: it would prove nothing either"
    logged = all_logs.text + "\n".join(
        f"{r.getMessage()} {r.args!r} {getattr(r, 'request', '')!r}" for r in all_logs.records
    )
    # Controls: the raw dump sees what is stored (encrypted), the model dump the plain text.
    assert "Third period chemistry" not in _raw_database_text()
    assert "Third period chemistry" in _model_text()
    stored = _database_text()
    cached = cache_text()
    for marker in MARKERS:
        assert marker not in stored, f"{marker!r} is in the database"
        assert marker not in logged, f"{marker!r} is in the log output"
        assert marker not in cached, f"{marker!r} is in the cache"


def test_the_database_dump_would_find_an_address_if_one_were_stored(people):
    """The search above can fail: plant the address in an ordinary column and it is found."""
    from haven.notify.models import Notification

    Notification.objects.create(user=people["teacher"], kind="x", title=f"from {ADDRESS}")
    assert ADDRESS in _database_text()


def test_the_log_capture_would_find_an_address_if_one_were_logged(all_logs):
    logging.getLogger("huey").debug("request from %s", ADDRESS)  # a logger that does not propagate
    assert ADDRESS in all_logs.text
