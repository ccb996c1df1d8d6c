"""Alerts by e-mail, through a real SMTP server on loopback."""

from __future__ import annotations

import email
import socket
from email.policy import default

import pytest
from aiosmtpd.controller import Controller

from haven.emergencies.alerts import services
from haven.emergencies.models import Delivery
from haven.notify.models import Notification


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"


@pytest.fixture
def inbox(settings):
    handler = Inbox()
    with socket.socket() as probe:  # a free port (the controller checks it can connect)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield handler
    controller.stop()


def test_every_recipient_gets_an_urgent_email(
    inbox, people, northside, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = services.raise_incident(
            people["teacher"], northside, "evacuate", note="Gas leak", evacuate_location="Field"
        )
    recipients = {m["X-Envelope-To"] for m in inbox.messages}
    assert recipients == {
        f"{name}@example.org"
        for name in (
            "principal",
            "counselor",
            "sro",
            "teacher",
            "frontdesk",
            "coordinator",
            "team_member",
            "admin",
        )
    }
    message = inbox.messages[0]
    assert message["Subject"] == "EVACUATE — Northside High School"
    body = message.get_content()
    assert "To the announced location." in body
    assert "Note: Gas leak" in body and "Evacuate to: Field" in body
    assert f"https://haven.test/emergencies/{incident.pk}/" in body
    # Recorded: an urgent notification in the app and a delivered e-mail for each person.
    assert Notification.objects.filter(kind="emergency", urgent=True).count() == 8
    deliveries = Delivery.objects.filter(channel="email")
    assert deliveries.count() == 8
    assert set(deliveries.values_list("status", flat=True)) == {"delivered"}


def test_a_drill_email_says_drill(inbox, people, northside, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.raise_incident(people["teacher"], northside, "lockdown", drill=True)
    message = inbox.messages[0]
    assert message["Subject"] == "DRILL: LOCKDOWN — Northside High School"
    assert "*** DRILL — this is an exercise ***" in message.get_content()
