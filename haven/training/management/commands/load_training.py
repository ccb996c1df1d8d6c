"""``haven load-training [DIR]``: add or replace training modules from a content folder (default:
the modules shipped with Haven), all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from haven.training import content


class Command(BaseCommand):
    help = "Load training modules (Markdown + YAML/JSON quiz) from a folder, all or nothing."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("folder", nargs="?", default=str(content.SHIPPED))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            loaded = content.load_folder(Path(options["folder"]))
        except content.ContentError as exc:
            raise CommandError(
                "nothing was loaded:\n" + "\n".join(f"  {p}" for p in exc.problems)
            ) from None
        for module in loaded:
            self.stdout.write(f"{module.slug} {module.version} ({', '.join(module.languages)})")
        self.stdout.write(f"{len(loaded)} module(s) loaded.")
