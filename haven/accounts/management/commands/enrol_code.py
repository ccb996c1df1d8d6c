"""``haven enrol-code USERNAME`` prints a one-time code with which that person sets up their second
factor (``--reset`` first removes their authenticators: a lost or stolen device)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from haven.accounts.models import User
from haven.accounts.services import AccountError, issue_enrolment_code, reset_second_factor


class Command(BaseCommand):
    help = "Print a one-time code with which USERNAME sets up two-step sign-in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="first remove the person's authenticators (a lost or stolen device)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        person = User.objects.filter(username=options["username"]).first()
        if person is None:
            raise CommandError(f"no user named {options['username']!r}")
        try:
            if options["reset"]:
                issued = reset_second_factor(person)
            else:
                issued = issue_enrolment_code(person)
        except AccountError as exc:
            raise CommandError(str(exc)) from exc
        expires = timezone.localtime(issued.expires_at).strftime("%Y-%m-%d %H:%M")
        self.stdout.write(issued.code)
        self.stderr.write(
            f"One use, until {expires}; Haven keeps no copy. Give it to {person.username} yourself."
        )
