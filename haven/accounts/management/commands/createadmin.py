"""``haven createadmin USERNAME``: the first administrator of a production installation (the demo
district, with its known passwords, never loads there). The password is typed twice at a prompt;
the enrolment code for the second factor is printed."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from haven.accounts.services import AccountError, create_admin


class Command(BaseCommand):
    help = "Create a district administrator (the first one of a new installation)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        where = parser.add_mutually_exclusive_group()
        where.add_argument("--district", default="", help="the slug of an existing district")
        where.add_argument(
            "--district-name",
            default="",
            help="make the district now (a roster import adopts it by this name)",
        )
        parser.add_argument("--email", default="")
        parser.add_argument("--name", default="", help="the name shown in Haven")

    def handle(self, *args: Any, **options: Any) -> None:
        password = getpass.getpass("Password: ")
        if not password:
            raise CommandError("no password given")
        if getpass.getpass("Password (again): ") != password:
            raise CommandError("the two passwords differ; nothing was created")
        try:
            user, issued = create_admin(
                options["username"],
                password,
                district_slug=options["district"],
                district_name=options["district_name"],
                email=options["email"],
                display_name=options["name"],
            )
        except AccountError as exc:
            raise CommandError(f"{exc}; nothing was created") from exc
        expires = timezone.localtime(issued.expires_at).strftime("%Y-%m-%d %H:%M")
        district = user.role_assignments.get().district
        self.stdout.write(
            self.style.SUCCESS(f"Created {user.username}, district administrator of {district}.")
        )
        self.stdout.write(
            f"Enrolment code for two-step sign-in (one use, until {expires}): {issued.code}\n"
            "Sign in with the password, type this code, then scan the QR code with an "
            "authenticator app."
        )
