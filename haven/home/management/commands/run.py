"""``haven run``: migrate, load the demo district into an empty database (never in production), then
serve Haven and its background worker in one foreground command; Ctrl-C stops both. The worker
(``haven worker``) runs under a supervisor: if it dies, it is started again and the log says so
(:class:`haven.notify.worker.Supervisor`)."""

from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from haven.env import env_int


class Command(BaseCommand):
    help = "Serve Haven (HTTP + WebSockets) with its background worker."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--host", default=os.environ.get("HAVEN_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=env_int("HAVEN_PORT", 8000))
        parser.add_argument(
            "--no-demo",
            action="store_true",
            help="do not load the demo district (it never loads in production)",
        )
        parser.add_argument(
            "--no-worker", action="store_true", help="do not start the background worker"
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        import uvicorn

        from haven.accounts.models import User
        from haven.core.models import School

        call_command("migrate", interactive=False, verbosity=0)
        if settings.PRODUCTION:
            call_command("collectstatic", interactive=False, verbosity=0)
        demo_loaded = False
        if settings.PRODUCTION:
            if not User.objects.filter(role_assignments__isnull=False).exists():
                self.stdout.write(
                    "No administrator yet: create the first one with `haven createadmin USERNAME`."
                )
        elif not options["no_demo"] and not School.objects.exists():
            self.stdout.write("Empty database: loading the demo district …")
            call_command("demo", verbosity=0)
            demo_loaded = True
        worker = None
        if not options["no_worker"]:
            from haven.notify.worker import Supervisor

            worker = Supervisor(
                [sys.executable, "-m", "haven.cli", "worker", "--workers", "2"]
            ).start()
        url = f"http://{options['host']}:{options['port']}"
        self.stdout.write(self.style.SUCCESS(f"\nHaven is at {url}/  (Ctrl-C stops it)"))
        self.stdout.write(f"Data: {settings.DATA_DIR}")
        from haven.core.demo import PASSWORD, SIGN_INS

        if not settings.PRODUCTION and (
            demo_loaded or School.objects.filter(slug="northside-high").exists()
        ):
            from haven.tips.demo import DEMO_RECEIPT

            self.stdout.write(f"Demo sign-ins (password '{PASSWORD}'): {', '.join(SIGN_INS)}")
            self.stdout.write(f"Demo tip receipt for /report/follow-up/: {DEMO_RECEIPT}\n")
        try:
            uvicorn.run(
                "haven.asgi:application",
                host=options["host"],
                port=options["port"],
                access_log=False,  # an access log would hold client addresses
                lifespan="off",
                log_level="info",
            )
        finally:
            if worker is not None:
                worker.stop()
