"""Live notifications: pushed over the WebSocket every open staff page keeps, and polled."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from haven.asgi import application
from haven.notify import services as notify
from tests.conftest import signed_in


def _cookie_headers(client: Client) -> list[tuple[bytes, bytes]]:
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return [
        (b"cookie", cookie.encode()),
        (b"origin", b"http://testserver"),
        (b"host", b"testserver"),
    ]


async def _receive_push(headers, user) -> dict:  # type: ignore[no-untyped-def]
    communicator = WebsocketCommunicator(application, "/ws/notifications/", headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    from channels.db import database_sync_to_async

    await database_sync_to_async(
        lambda: notify._push([(user.pk, 7, "LIFE-SAFETY tip at Northside", "/tips/7/", True)])
    )()
    message = await communicator.receive_json_from(timeout=3)
    await communicator.disconnect()
    return message


async def _refused(headers) -> int:  # type: ignore[no-untyped-def]
    communicator = WebsocketCommunicator(application, "/ws/notifications/", headers=headers)
    connected, code = await communicator.connect()
    await communicator.disconnect()
    return code if not connected else 0


def test_notification_reaches_an_open_page_over_the_websocket(transactional_db, people):
    counselor = people["counselor"]
    message = async_to_sync(_receive_push)(_cookie_headers(signed_in(counselor)), counselor)
    assert message == {
        "type": "notification",
        "id": 7,
        "title": "LIFE-SAFETY tip at Northside",
        "url": "/tips/7/",
        "urgent": True,
    }


def test_websocket_refuses_a_session_without_its_second_factor(transactional_db, people):
    client = Client()
    client.force_login(people["counselor"], backend="django.contrib.auth.backends.ModelBackend")
    assert async_to_sync(_refused)(_cookie_headers(client)) == 4401


def test_websocket_refuses_anonymous(transactional_db):
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    assert async_to_sync(_refused)(headers) == 4401


def test_unread_count_is_polled_as_json(people):
    teacher = people["teacher"]
    notify.send([teacher], kind="test", title="Drill at 10:00", url="/")
    body = signed_in(teacher).get("/notifications/unread.json").json()
    assert body["unread"] == 1
    assert body["latest"]["title"] == "Drill at 10:00"
