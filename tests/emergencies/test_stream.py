"""The alert stream (server-sent events) and its WebSocket twin, driven through Haven's real ASGI
application: live delivery, catch-up with Last-Event-ID, heartbeats, the end of a stream."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from haven.accounts.models import ApiToken
from haven.asgi import application
from haven.emergencies.alerts import fanout, services, stream
from haven.emergencies.models import Delivery
from tests.conftest import signed_in

URL = "/api/v1/alerts/stream"


def _cookie(user: Any) -> bytes:
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={signed_in(user).cookies[name].value}".encode()


def _scope(query: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": URL,
        "raw_path": URL.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


class Stream:
    """One open stream: read its bytes as they come, parse its events."""

    def __init__(self, communicator: ApplicationCommunicator) -> None:
        self.communicator = communicator
        self.buffer = b""
        self.ended = False
        self.status = 0
        self.headers: dict[bytes, bytes] = {}

    @classmethod
    async def open(cls, query: str = "school=northside-high", headers=()) -> Stream:
        communicator = ApplicationCommunicator(application, _scope(query, list(headers)))
        await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
        opened = cls(communicator)
        start = await communicator.receive_output(timeout=10)
        assert start["type"] == "http.response.start"
        opened.status = start["status"]
        opened.headers = {name.lower(): value for name, value in start["headers"]}
        return opened

    async def read_until(self, marker: bytes, timeout: float = 10) -> bytes:
        deadline = time.monotonic() + timeout
        while marker not in self.buffer:
            if self.ended:
                raise AssertionError(f"stream ended before {marker!r}: {self.buffer!r}")
            message = await self.communicator.receive_output(
                timeout=max(deadline - time.monotonic(), 0.01)
            )
            self.buffer += message.get("body", b"")
            self.ended = not message.get("more_body", False)
        return self.buffer

    async def read_to_end(self, timeout: float = 10) -> bytes:
        while not self.ended:
            message = await self.communicator.receive_output(timeout=timeout)
            self.buffer += message.get("body", b"")
            self.ended = not message.get("more_body", False)
        return self.buffer

    def events(self, name: str = "alert") -> list[tuple[int, dict]]:
        found = []
        for block in self.buffer.decode().split("\n\n"):
            fields = dict(
                line.split(": ", 1)
                for line in block.splitlines()
                if ": " in line and line[0] != ":"
            )
            if fields.get("event") == name:
                found.append((int(fields["id"]), json.loads(fields["data"])))
        return found

    async def close(self) -> None:
        await self.communicator.send_input({"type": "http.disconnect"})
        await self.communicator.wait(timeout=5)


def _raise(user, school, protocol="lockdown", **kwargs):
    return database_sync_to_async(services.raise_incident)(user, school, protocol, **kwargs)


@pytest.fixture
def cookie(transactional_db, people):
    return [(b"cookie", _cookie(people["teacher"]))]


def test_open_page_receives_an_alert_the_moment_it_is_raised(people, northside, cookie):
    async def scenario():
        opened = await Stream.open(headers=cookie)
        assert opened.status == 200
        assert opened.headers[b"content-type"] == b"text/event-stream; charset=utf-8"
        await opened.read_until(b"event: position")
        assert opened.events("position") == [(0, {"alert": 0, "school": "northside-high"})]
        started = time.monotonic()
        incident = await _raise(people["principal"], northside, note="Intruder near gym")
        await opened.read_until(b"event: alert")
        elapsed = time.monotonic() - started
        await opened.close()
        return incident, opened.events(), elapsed

    incident, alerts, elapsed = async_to_sync(scenario)()
    [(sequence, data)] = alerts
    assert sequence == 1
    assert data["incident"] == incident.pk
    assert (data["protocol"], data["school"], data["drill"]) == (
        "lockdown",
        "northside-high",
        False,
    )
    assert data["note"] == "Intruder near gym"
    assert data["url"] == f"/emergencies/{incident.pk}/"
    assert data["sent_at"].startswith(str(incident.raised_at.year))
    assert elapsed < 5


def test_reconnecting_with_last_event_id_receives_what_was_missed_then_live(
    people, northside, cookie
):
    principal = people["principal"]
    first = services.raise_incident(principal, northside, "hold")
    services.update_incident(principal, first, message="Stay in rooms")
    services.declare_all_clear(principal, first)

    async def scenario():
        opened = await Stream.open(headers=[*cookie, (b"last-event-id", b"1")])
        await opened.read_until(b"event: position")
        caught_up = opened.events()
        await _raise(principal, northside, "secure")
        await opened.read_until(b"id: 4\n")
        await opened.close()
        return caught_up, opened.events(), opened.events("position")

    caught_up, everything, position = async_to_sync(scenario)()
    assert [(s, d["kind"]) for s, d in caught_up] == [(2, "update"), (3, "all_clear")]
    assert all(d["replayed"] for _, d in caught_up)
    assert caught_up[0][1]["message"] == "Stay in rooms"
    assert position == [(3, {"alert": 3, "school": "northside-high"})]
    assert [s for s, _ in everything] == [2, 3, 4]
    assert "replayed" not in everything[-1][1]


def test_query_parameter_stands_in_for_the_header_on_a_first_connection(people, northside, cookie):
    services.raise_incident(people["principal"], northside, "hold")
    services.raise_incident(people["principal"], northside, "secure")

    async def scenario():
        opened = await Stream.open("school=northside-high&last_event_id=1", headers=cookie)
        await opened.read_until(b"event: position")
        await opened.close()
        return opened.events()

    assert [s for s, _ in async_to_sync(scenario)()] == [2]


def test_a_fresh_page_is_shown_the_incidents_still_in_effect(people, northside, cookie):
    principal, teacher = people["principal"], people["teacher"]
    ended = services.raise_incident(principal, northside, "hold")
    services.declare_all_clear(principal, ended)
    current = services.raise_incident(principal, northside, "lockdown")
    services.update_incident(principal, current, protocol="evacuate")
    services.acknowledge(teacher, current)

    async def scenario():
        opened = await Stream.open(headers=cookie)
        await opened.read_until(b"event: position")
        await opened.close()
        return opened.events(), opened.events("position")

    alerts, position = async_to_sync(scenario)()
    # Only the latest alert of the incident in effect; the teacher already acknowledged it.
    [(sequence, data)] = alerts
    assert (sequence, data["protocol"], data["status"]) == (4, "evacuate", "active")
    assert data["acknowledged"] is True
    assert position[0][0] == 4


def test_heartbeats_then_the_stream_ends_and_the_listener_is_released(settings, northside, cookie):
    settings.HAVEN_ALERT_HEARTBEAT_SECONDS = 0.1
    settings.HAVEN_ALERT_STREAM_MAX_SECONDS = 0.5

    async def scenario():
        opened = await Stream.open(headers=cookie)
        body = await opened.read_to_end(timeout=5)
        await opened.communicator.wait(timeout=5)
        await asyncio.sleep(0)  # let the hub leave the group
        return body, dict(stream.hub().queues)

    body, listeners = async_to_sync(scenario)()
    retry = int(body.split(b"\n", 1)[0].removeprefix(b"retry: "))
    assert 3000 <= retry < 7000
    assert body.split(b"\n", 1)[1].startswith(b": connected\n\n")
    assert body.count(b": keepalive\n\n") >= 2
    assert listeners == {}


def test_a_closed_connection_releases_its_listener(northside, cookie):
    async def scenario():
        opened = await Stream.open(headers=cookie)
        await opened.read_until(b"event: position")
        listening = sum(len(q) for q in stream.hub().queues.values())
        await opened.close()
        await asyncio.sleep(0)
        return listening, dict(stream.hub().queues)

    listening, after = async_to_sync(scenario)()
    assert listening == 1 and after == {}


def test_two_pages_in_one_process_share_one_listener(people, northside, transactional_db):
    cookies = [_cookie(people[name]) for name in ("teacher", "counselor")]

    async def scenario():
        pages = [await Stream.open(headers=[(b"cookie", cookie)]) for cookie in cookies]
        for page in pages:
            await page.read_until(b"event: position")
        listener = stream.hub()
        await _raise(people["principal"], northside)
        for page in pages:
            await page.read_until(b"event: alert")
            await page.close()
        return listener.channel, [p.events() for p in pages]

    channel, received = async_to_sync(scenario)()
    assert channel is not None
    assert [[s for s, _ in events] for events in received] == [[1], [1]]


def test_open_pages_are_recorded_as_deliveries(people, northside, cookie):
    async def scenario():
        opened = await Stream.open(headers=cookie)
        await opened.read_until(b"event: position")
        incident = await _raise(people["principal"], northside)
        await opened.read_until(b"event: alert")
        await opened.close()
        for _ in range(100):  # the hub stores deliveries in one insert, half a second later
            if await database_sync_to_async(
                Delivery.objects.filter(channel="stream", user=people["teacher"]).exists
            )():
                break
            await asyncio.sleep(0.05)
        return incident

    incident = async_to_sync(scenario)()
    delivery = Delivery.objects.get(channel="stream", user=people["teacher"])
    assert delivery.alert.incident == incident
    assert delivery.status == "delivered" and delivery.delivered_at


def test_an_alert_the_channel_layer_lost_still_arrives_from_the_database(
    settings, monkeypatch, people, northside, cookie
):
    settings.HAVEN_ALERT_POLL_SECONDS = 0.2
    monkeypatch.setattr(fanout, "publish", lambda created: None)  # the broadcast is lost

    async def scenario():
        opened = await Stream.open(headers=cookie)
        await opened.read_until(b"event: position")
        incident = await _raise(people["principal"], northside, note="lost in transit")
        await opened.read_until(b"event: alert", timeout=5)
        await opened.close()
        return incident, opened.events()

    incident, received = async_to_sync(scenario)()
    [(sequence, data)] = received
    assert (sequence, data["incident"], data["note"]) == (1, incident.pk, "lost in transit")


def test_a_bearer_token_opens_the_stream(people, northside, transactional_db):
    _, secret = ApiToken.issue(people["sro"])

    async def scenario():
        opened = await Stream.open(headers=[(b"authorization", f"Bearer {secret}".encode())])
        await opened.read_until(b"event: position")
        await opened.close()
        return opened.status

    assert async_to_sync(scenario)() == 200


@pytest.mark.parametrize(
    ("query", "who", "status"),
    [
        ("school=northside-high", None, 401),
        ("school=northside-high", "outsider", 404),
        ("school=northside-high", "auditor", 404),
        ("school=nowhere", "teacher", 404),
        ("", "teacher", 422),
    ],
)
def test_refusals_are_json(people, northside, transactional_db, query, who, status):
    headers = [(b"cookie", _cookie(people[who]))] if who else []

    async def scenario():
        opened = await Stream.open(query, headers=headers)
        body = await opened.read_to_end()
        return opened.status, json.loads(body)

    got, body = async_to_sync(scenario)()
    assert got == status
    assert "detail" in body


def test_without_asgi_the_response_is_the_catch_up_and_ends(people, northside):
    services.raise_incident(people["principal"], northside, "hold")
    response = signed_in(people["teacher"]).get(f"{URL}?school=northside-high")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith("retry: 3000\n\n")
    assert "id: 1\nevent: alert\n" in body and "id: 1\nevent: position\n" in body
    assert Delivery.objects.filter(channel="stream", user=people["teacher"]).count() == 1


def test_second_factor_is_required_for_a_session(people, northside):
    client = Client()
    client.force_login(people["counselor"], backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(f"{URL}?school=northside-high")
    assert response.status_code == 401


# --- the WebSocket twin ---------------------------------------------------------------------------


def test_websocket_receives_catch_up_and_live_alerts(people, northside, transactional_db):
    services.raise_incident(people["principal"], northside, "hold")
    headers = [
        (b"cookie", _cookie(people["teacher"])),
        (b"origin", b"http://testserver"),
        (b"host", b"testserver"),
    ]

    async def scenario():
        socket = WebsocketCommunicator(
            application, "/ws/alerts/northside-high/?last_event_id=0", headers
        )
        connected, _ = await socket.connect()
        assert connected
        first = await socket.receive_json_from(timeout=5)
        position = await socket.receive_json_from(timeout=5)
        await _raise(people["principal"], northside, "secure", drill=True)
        live = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return first, position, live

    first, position, live = async_to_sync(scenario)()
    assert (first["type"], first["id"], first["data"]["protocol"]) == ("alert", 1, "hold")
    assert position == {"type": "position", "id": 1}
    assert (live["id"], live["data"]["protocol"], live["data"]["drill"]) == (2, "secure", True)


def test_websocket_refuses_an_outsider(people, northside, transactional_db):
    headers = [
        (b"cookie", _cookie(people["outsider"])),
        (b"origin", b"http://testserver"),
        (b"host", b"testserver"),
    ]

    async def scenario():
        socket = WebsocketCommunicator(application, "/ws/alerts/northside-high/", headers)
        connected, code = await socket.connect()
        return connected, code

    assert async_to_sync(scenario)() == (False, 4404)


@pytest.mark.skipif(
    "redis" not in settings.CHANNEL_LAYERS["default"]["BACKEND"].lower(),
    reason="the Redis channel layer's idle read timeout",
)
def test_listeners_outlive_the_redis_layers_idle_read(people, northside, cookie):
    """channels-redis blocks 5 s per read; an idle listener must not fail when one ends empty
    (a real wait on a real socket, so a real sleep)."""
    headers = [*cookie, (b"origin", b"http://testserver"), (b"host", b"testserver")]

    async def scenario():
        opened = await Stream.open(headers=cookie)
        await opened.read_until(b"event: position")
        socket = WebsocketCommunicator(application, "/ws/alerts/northside-high/", headers)
        assert (await socket.connect())[0]
        await socket.receive_json_from(timeout=5)  # position
        await asyncio.sleep(6.5)
        await _raise(people["principal"], northside)
        # Within the promise (5 s), by the channel layer or else by the database's safety net.
        await opened.read_until(b"event: alert", timeout=5)
        live = await socket.receive_json_from(timeout=3)
        await socket.disconnect()
        await opened.close()
        return live

    assert async_to_sync(scenario)()["data"]["protocol"] == "lockdown"
