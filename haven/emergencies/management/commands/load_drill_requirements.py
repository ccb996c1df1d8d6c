"""``haven load-drill-requirements [FILE] [--district SLUG]``: load drill requirement rows from a
data file (default: the one shipped with Haven), all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from haven.core.models import District
from haven.emergencies.drills import compliance


class Command(BaseCommand):
    help = "Load drill requirements (state law rows with their statute, district policy rows)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", nargs="?", default=str(compliance.DATA_FILE))
        parser.add_argument("--district", help="slug of the district whose own rows these are")

    def handle(self, *args: Any, **options: Any) -> None:
        district = None
        if options["district"]:
            district = District.objects.filter(slug=options["district"]).first()
            if district is None:
                raise CommandError(f"--district: no district {options['district']!r}")
        try:
            count = compliance.load_requirements_file(Path(options["file"]), district=district)
        except ValidationError as exc:
            reasons = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            raise CommandError(f"{options['file']}: {reasons}") from None
        self.stdout.write(f"{count} drill requirement(s) loaded.")
