"""ASGI entry point: HTTP through Django (the alert stream too), WebSockets through Channels (live
notifications, emergency alerts)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402 - needs the apps loaded
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from haven.emergencies.alerts.consumers import AlertConsumer  # noqa: E402
from haven.notify.consumers import NotificationConsumer  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(
                URLRouter(
                    [
                        path("ws/notifications/", NotificationConsumer.as_asgi()),
                        path("ws/alerts/<slug:school>/", AlertConsumer.as_asgi()),
                    ]
                )
            )
        ),
    }
)
