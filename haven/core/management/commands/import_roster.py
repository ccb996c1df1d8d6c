"""``haven import-roster PATH``: import a OneRoster 1.1 or 1.2 CSV export (a folder or a .zip).

All or nothing: if any row is bad, nothing is written, every problem is listed as
``file:line: reason`` and the command exits non-zero. ``--json`` prints exactly one JSON object
(the counts, or ``{"errors": [...], "error_count": n}``); ``--dry-run`` checks and counts without
writing anything.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.core import roster


class Command(BaseCommand):
    help = "Import a OneRoster 1.1 or 1.2 CSV export (a folder or a .zip), all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the export: a folder or a .zip file")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and count, but write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_json, dry_run = options["json"], options["dry_run"]
        bar = _Bar() if sys.stderr.isatty() else None
        try:
            result = roster.import_roster(
                options["path"], dry_run=dry_run, progress=bar.update if bar else None
            )
        except roster.RosterError as exc:
            listed = [str(p) for p in exc.problems[: roster.MAX_LISTED]]
            more = len(exc.problems) - len(listed)
            if as_json:
                errors = {"errors": listed, "error_count": len(exc.problems)}
                self.stdout.write(json.dumps(errors))
            else:
                for line in listed:
                    self.stderr.write(line)
                if more:
                    self.stderr.write(f"… and {more} more problems")
            raise CommandError(
                f"the roster was not imported ({len(exc.problems)} problem"
                f"{'s' if len(exc.problems) != 1 else ''}); nothing was written"
            ) from exc
        finally:
            if bar:
                bar.close()
        if as_json:
            self.stdout.write(
                json.dumps(
                    {
                        "oneroster_version": result.version,
                        "dry_run": result.dry_run,
                        **result.as_dict(),
                    }
                )
            )
            return
        self.stdout.write(_table(result))
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
        else:
            self.stdout.write(self.style.SUCCESS(f"OneRoster {result.version} export imported."))


def _table(result: roster.ImportResult) -> str:
    columns = ("created", "updated", "unchanged", "removed")
    lines = [f"{'':<16}" + "".join(f"{c:>11}" for c in columns)]
    for kind, tally in result.counts.items():
        label = kind.replace("_", " ")
        lines.append(f"{label:<16}" + "".join(f"{getattr(tally, c):>11}" for c in columns))
    return "\n".join(lines)


class _Bar:
    """A tqdm bar on the terminal, one stage at a time."""

    def __init__(self) -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=0, file=sys.stderr, leave=False)
        self.stage = ""

    def update(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.stage = stage
            self.bar.reset(total=total)
            self.bar.set_description(stage)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        self.bar.close()
