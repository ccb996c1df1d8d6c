"""The same alerts as the SSE stream, over a WebSocket at ``/ws/alerts/<school slug>/`` (for
clients that prefer one; the pages use the stream). Messages are JSON: ``{"type": "alert", "id",
"data"}`` for each alert and one ``{"type": "position", "id"}`` after the catch-up;
``?last_event_id=`` asks for what was missed since."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from haven.emergencies import stream
from haven.emergencies.alerts import school_group
from haven.emergencies.models import Delivery


@database_sync_to_async
def _allowed_school(user: Any, session: Any, slug: str) -> Any:
    from haven.accounts import second_factor

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if second_factor.required(user) and not session.get("otp_device_id"):
        return None
    return stream._school(user, slug)


class AlertConsumer(AsyncJsonWebsocketConsumer):
    current = 0
    group = ""

    async def connect(self) -> None:
        user = self.scope.get("user")
        slug = self.scope["url_route"]["kwargs"]["school"]
        school = await _allowed_school(user, self.scope.get("session") or {}, slug)
        if school is None:
            await self.close(code=4404 if getattr(user, "is_authenticated", False) else 4401)
            return
        self.user_pk = user.pk
        self.group = school_group(school.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        query = parse_qs(self.scope.get("query_string", b"").decode())
        raw = (query.get("last_event_id") or [""])[0]
        last = int(raw) if raw.isdigit() and len(raw) <= 18 else None
        self.current, replay = await database_sync_to_async(stream.catch_up)(user, school, last)
        for alert_pk, sequence, data in replay:
            await self.send_json({"type": "alert", "id": sequence, "data": data})
            stream.hub().delivered_to(alert_pk, user.pk, Delivery.Channel.WEBSOCKET)
        await self.send_json({"type": "position", "id": self.current})

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def emergency_alert(self, message: dict[str, Any]) -> None:
        if message["id"] <= self.current:
            return
        self.current = message["id"]
        await self.send_json({"type": "alert", "id": message["id"], "data": message["data"]})
        stream.hub().delivered_to(message["alert"], self.user_pk, Delivery.Channel.WEBSOCKET)
