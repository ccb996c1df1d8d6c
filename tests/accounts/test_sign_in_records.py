"""What a sign-in leaves behind: no network identifier of the person signing in (address, user
agent) in the database, the cache or the logs, and never the username someone typed — which is
often a password typed into the wrong box — while lock-out still works."""

from __future__ import annotations

import hashlib
import logging
import socket
import threading
import time

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils.log import configure_logging

from haven.accounts import lockout
from haven.audit.models import AuditEvent
from tests.conftest import PASSWORD, cache_text

ADDRESS = "203.0.113.77"
AGENT = "Mozilla/5.0 (X11; Test) HavenProbe/7.7"
TYPED_SECRET = "hunter2-is-my-password"


def attempt(username: str, password: str):
    client = Client(REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=AGENT)
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def _everything_written(caplog) -> str:
    events = AuditEvent.objects.order_by("seq").values_list(
        "actor_label", "object_id", "reason", "detail"
    )
    return "\n".join([repr(list(events)), cache_text(), caplog.text])


def test_sign_ins_store_and_log_no_address_user_agent_or_typed_username(settings, caplog, teacher):
    settings.AXES_FAILURE_LIMIT = 3
    caplog.set_level(logging.DEBUG)
    attempt(TYPED_SECRET, "whatever")  # a password typed into the username box
    for _ in range(3):
        attempt("teacher", "wrong-password")
    assert attempt("teacher", PASSWORD).status_code == 403  # locked out, as before
    written = _everything_written(caplog)
    for secret in (ADDRESS, AGENT, "HavenProbe", TYPED_SECRET):
        assert secret not in written
    # django-axes keeps its counts in the cache, keyed by a keyed hash: its tables stay empty.
    assert not AccessAttempt.objects.exists()
    assert not AccessLog.objects.exists()
    assert not AccessFailureLog.objects.exists()


def test_lock_out_counts_per_account_and_a_success_resets_it(settings, teacher, frontdesk):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        attempt("teacher", "wrong-password")
    assert attempt("teacher", PASSWORD).status_code == 302  # a success clears the count
    for _ in range(2):
        attempt("teacher", "wrong-password")
    assert attempt("teacher", PASSWORD).status_code == 302
    for _ in range(3):
        attempt("teacher", "wrong-password")
    assert attempt("teacher", PASSWORD).status_code == 403
    assert attempt("frontdesk", PASSWORD).status_code == 302  # someone else is not locked out


def test_a_failed_sign_in_records_whether_the_name_matched_and_a_keyed_hash(teacher):
    attempt("teacher", "wrong-password")
    attempt(TYPED_SECRET, "whatever")
    matched, unmatched = AuditEvent.objects.filter(action="sign_in_failed").order_by("seq")
    assert matched.detail == {"matched": True, "username_hash": lockout.username_hash("teacher")}
    assert (matched.object_type, matched.object_id) == ("accounts.user", str(teacher.pk))
    assert unmatched.detail == {
        "matched": False,
        "username_hash": lockout.username_hash(TYPED_SECRET),
    }
    assert unmatched.object_id == ""
    # The hash is keyed: the same name gives the same hash (repeated guessing shows), but it is
    # not a plain digest that anyone could compute from a guess.
    assert lockout.username_hash(TYPED_SECRET) == lockout.username_hash(TYPED_SECRET)
    plain = hashlib.sha256(TYPED_SECRET.encode()).hexdigest()
    assert lockout.username_hash(TYPED_SECRET) not in plain


def test_a_lock_out_is_recorded_against_the_account_without_the_typed_name(settings, teacher):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(3):
        attempt("teacher", "wrong-password")
    event = AuditEvent.objects.filter(action="locked_out").latest("seq")
    assert event.object_id == str(teacher.pk)
    assert event.detail == {"matched": True, "username_hash": lockout.username_hash("teacher")}


# --- the server's own log lines -------------------------------------------------------------------


async def _websocket_app(scope, receive, send):  # type: ignore[no-untyped-def]
    if scope["type"] == "websocket":
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": 1000})


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_servers_websocket_handshake_lines_never_reach_the_log(capfd):
    import uvicorn
    from websockets.sync.client import connect

    port = _free_port()
    config = uvicorn.Config(
        _websocket_app, host="127.0.0.1", port=port, log_level="info", lifespan="off"
    )
    # What importing haven.asgi does after the server has set up its logging (both `haven run`
    # and the deployment's uvicorn command load the app that way).
    configure_logging(django_settings.LOGGING_CONFIG, django_settings.LOGGING)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.02)
        assert server.started
        with connect(f"ws://127.0.0.1:{port}/ws/notifications/?school=northside-high") as ws:
            try:
                ws.recv(timeout=2)
            except Exception:  # noqa: S110 - the app closes at once; only the log matters
                pass
        logging.getLogger("uvicorn.error").info("a line without any address still shows")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    output = "".join(capfd.readouterr())
    assert "a line without any address still shows" in output
    assert "127.0.0.1:" not in output.replace(f"127.0.0.1:{port} ", "")
    assert '"WebSocket ' not in output
