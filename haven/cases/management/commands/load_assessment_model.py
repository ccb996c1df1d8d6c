"""``haven load-assessment-model FILE [--district SLUG] [--replace]``: install an assessment model
(a district's or a state's) from a JSON file in the format of haven/cases/data/cstag.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.cases import cstag
from haven.core.models import District


class Command(BaseCommand):
    help = "Install an assessment model from a JSON file (idempotent per slug and version)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--district", help="offer it to this district only (its slug)")
        parser.add_argument(
            "--replace", action="store_true", help="replace this version if no case uses it yet"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        district = None
        if options["district"]:
            district = District.objects.filter(slug=options["district"]).first()
            if district is None:
                raise CommandError(f"no district {options['district']!r}")
        try:
            definition = cstag.read(options["path"])
            model, created = cstag.install(
                definition, district=district, replace=options["replace"]
            )
        except cstag.DefinitionError as exc:
            raise CommandError("\n".join(f"{options['path']}: {p}" for p in exc.problems)) from exc
        verb = "Installed" if created else "Already installed"
        self.stdout.write(f"{verb}: {model} ({model.steps.count()} steps).")
