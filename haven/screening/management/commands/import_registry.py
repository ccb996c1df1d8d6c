"""``haven import-registry FILE.csv``: import a sex-offender registry file.

Each jurisdiction in the file replaces that jurisdiction's records, atomically. Bad rows are left
out and listed as ``file:line: reason`` (``--strict``: any bad row stops the import before anything
is written). A file that cannot be read (missing columns, broken quoting, not UTF-8) is refused
with a non-zero exit, and nothing is written. ``--json`` prints one JSON object.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.screening import registry


class Command(BaseCommand):
    help = "Import a sex-offender registry CSV file; each jurisdiction in it is replaced."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the registry file (CSV, UTF-8)")
        parser.add_argument(
            "--strict", action="store_true", help="refuse the whole file if any row is bad"
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        as_json = options["json"]
        bar = _Bar() if sys.stderr.isatty() and not as_json else None
        try:
            result = registry.import_registry(
                options["path"],
                strict=options["strict"],
                progress=bar.update if bar else None,
            )
        except registry.RegistryError as exc:
            listed = [str(p) for p in exc.problems[: registry.MAX_LISTED]]
            if as_json:
                self.stdout.write(json.dumps({"errors": listed, "error_count": len(exc.problems)}))
            else:
                for line in listed:
                    self.stderr.write(line)
                if len(exc.problems) > len(listed):
                    self.stderr.write(f"… and {len(exc.problems) - len(listed)} more problems")
            raise CommandError("the registry was not imported; nothing was written") from exc
        finally:
            if bar:
                bar.close()
        if as_json:
            self.stdout.write(json.dumps(result.as_dict()))
            return
        for problem in result.skipped[: registry.MAX_LISTED]:
            self.stderr.write(f"{problem} (row left out)")
        if len(result.skipped) > registry.MAX_LISTED:
            self.stderr.write(
                f"… and {len(result.skipped) - registry.MAX_LISTED} more rows left out"
            )
        for code, jurisdiction in sorted(result.jurisdictions.items()):
            self.stdout.write(
                f"{code}: {jurisdiction.records} records (replacing {jurisdiction.replaced})"
            )
        message = f"{result.records} records imported from {result.file}"
        if result.skipped:
            self.stdout.write(
                self.style.WARNING(f"{message}; {len(result.skipped)} bad rows left out.")
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"{message}."))


class _Bar:
    """A tqdm bar on the terminal, one stage at a time."""

    def __init__(self) -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=0, file=sys.stderr, leave=False)
        self.stage = ""

    def update(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.stage = stage
            reading = stage == "reading"
            self.bar.unit, self.bar.unit_scale = ("B", True) if reading else (" records", False)
            self.bar.reset(total=total)
            self.bar.set_description(stage)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        self.bar.close()
