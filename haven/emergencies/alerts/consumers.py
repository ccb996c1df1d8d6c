"""The same alerts as the SSE stream, over a WebSocket at ``/ws/alerts/<school slug>/`` (for
clients that prefer one; the pages use the stream). Messages are JSON: ``{"type": "alert", "id",
"data"}`` for each alert and one ``{"type": "position", "id"}`` after the catch-up;
``?last_event_id=`` asks for what was missed since."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from haven.emergencies.alerts import stream
from haven.emergencies.alerts.fanout import school_group
from haven.emergencies.models import Delivery

if TYPE_CHECKING:
    from haven.accounts.models import User


@database_sync_to_async
def _allowed_school(user: User, session: Any, slug: str) -> Any:
    from haven.accounts import second_factor

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if second_factor.required(user) and not session.get("otp_device_id"):
        return None
    return stream._school(user, slug)


class AlertConsumer(AsyncJsonWebsocketConsumer):
    """Listens through the process's hub (:func:`haven.emergencies.alerts.stream.hub`), as the SSE
    stream does, not on a channel-layer channel of its own: one listener per process, and with the
    channel layer down (Redis unreachable) the socket stays open and alerts come from the
    database within the poll interval."""

    channel_layer_alias = "haven.alerts.hub"  # no such layer: the hub listens for this socket
    current = 0
    group = ""
    queue: asyncio.Queue | None = None
    pump: asyncio.Task | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        slug = self.scope["url_route"]["kwargs"]["school"]
        school = await _allowed_school(user, self.scope.get("session") or {}, slug)
        if school is None:
            await self.close(code=4404 if getattr(user, "is_authenticated", False) else 4401)
            return
        self.user_pk = user.pk
        self.group = school_group(school.pk)
        self.listener = stream.hub()
        self.queue = await self.listener.subscribe(self.group)
        await self.accept()
        query = parse_qs(self.scope.get("query_string", b"").decode())
        raw = (query.get("last_event_id") or [""])[0]
        last = int(raw) if raw.isdigit() and len(raw) <= 18 else None
        self.current, replay = await database_sync_to_async(stream.catch_up)(user, school, last)
        self.listener.saw(school.pk, self.current)
        for alert_pk, sequence, data in replay:
            await self.send_json({"type": "alert", "id": sequence, "data": data})
            self.listener.delivered_to(alert_pk, user.pk, Delivery.Channel.WEBSOCKET)
        await self.send_json({"type": "position", "id": self.current})
        self.pump = asyncio.get_running_loop().create_task(self._pump(self.queue))

    async def _pump(self, queue: asyncio.Queue) -> None:
        while True:
            message = await queue.get()
            if message is stream._TICK:
                continue
            if message is stream._OVERFLOW:  # too far behind: it reconnects and catches up
                await self.close(code=4408)
                return
            await self.emergency_alert(message)

    async def disconnect(self, code: int) -> None:
        if self.pump is not None:
            self.pump.cancel()
        if self.queue is not None:
            self.listener.unsubscribe(self.group, self.queue)
            self.queue = None

    async def emergency_alert(self, message: dict[str, Any]) -> None:
        if message["id"] <= self.current:
            return
        self.current = message["id"]
        await self.send_json({"type": "alert", "id": message["id"], "data": message["data"]})
        self.listener.delivered_to(message["alert"], self.user_pk, Delivery.Channel.WEBSOCKET)
