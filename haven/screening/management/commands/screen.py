"""``haven screen --first NAME --last NAME --dob YYYY-MM-DD``: screen one person against the
registry and print the result as one JSON object (``{"outcome", "matches"}``). The screening is
stored and audited as any other (actor: the system)."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.screening import services

OPTIONS = {
    "first_name": "--first",
    "last_name": "--last",
    "middle_name": "--middle",
    "date_of_birth": "--dob",
}


class Command(BaseCommand):
    help = "Screen a person against the sex-offender registry; prints JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--first", required=True, help="first name")
        parser.add_argument("--last", required=True, help="last name")
        parser.add_argument("--dob", required=True, help="date of birth, YYYY-MM-DD")
        parser.add_argument("--middle", default="", help="middle name")
        parser.add_argument(
            "--dob-typed-by-hand",
            action="store_true",
            help="the date was typed in, not read from an ID: compare within ± 5 years",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            screening = services.screen(
                options["first"],
                options["last"],
                options["dob"],
                options["middle"],
                options["dob_typed_by_hand"],
            )
        except ValidationError as exc:
            problems = "; ".join(
                f"{OPTIONS.get(field, field)}: {message}"
                for field, messages in exc.message_dict.items()
                for message in messages
            )
            raise CommandError(problems) from exc
        self.stdout.write(
            json.dumps(
                {
                    "outcome": screening.outcome,
                    "matches": [
                        {
                            key: match[key]
                            for key in ("source", "record_id", "name", "date_of_birth", "score")
                        }
                        for match in screening.matches
                    ],
                }
            )
        )
