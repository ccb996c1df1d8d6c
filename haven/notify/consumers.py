"""The WebSocket every open staff page keeps, over which notifications (and, later, emergency
alerts) are pushed the moment they are sent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from haven.notify.services import user_group

if TYPE_CHECKING:
    from haven.accounts.models import User


@database_sync_to_async
def _allowed(user: User, session: Any) -> bool:
    from haven.accounts import second_factor

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    # The same gate as the pages: a required second factor must have been presented.
    return not second_factor.required(user) or bool(session.get("otp_device_id"))


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if not await _allowed(user, self.scope.get("session", {})):
            await self.close(code=4401)
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def notification(self, event: dict[str, Any]) -> None:
        await self.send_json(
            {
                "type": "notification",
                "id": event["id"],
                "title": event["title"],
                "url": event["url"],
                "urgent": event["urgent"],
            }
        )
