"""A real SMTP server on loopback (aiosmtpd) that counts what it receives, for tests and the
fault benchmark."""

from __future__ import annotations

import email
import socket
import threading
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller


class Inbox:
    """Every message accepted, with its envelope recipients in ``X-Envelope-To``. ``hold`` makes
    the server wait before answering the end of a message (a slow mail server: a process can be
    killed while it is sending); ``refuse`` answers 451 (try again later)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.hold = 0.0
        self.hold_first_recipient = 0.0
        self.refuse = False
        self.receiving = threading.Event()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        import asyncio

        if self.hold_first_recipient:
            # The sender is now in the middle of a message: a good moment to kill it.
            hold, self.hold_first_recipient = self.hold_first_recipient, 0.0
            self.receiving.set()
            await asyncio.sleep(hold)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        import asyncio

        if self.hold:
            await asyncio.sleep(self.hold)
        if self.refuse:
            return "451 Try again later"
        message = email.message_from_bytes(envelope.content, policy=default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"

    def count(self, **where: str) -> int:
        with self.lock:
            return sum(all(m[k] == v for k, v in where.items()) for m in self.messages)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(handler: Inbox, port: int | None = None) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=port or free_port())
    controller.start()
    return controller


def use(settings: Any, port: int) -> None:
    """Point Django's e-mail at the loopback server."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
