"""The ``haven`` command: Django's management commands under one name, with dashes allowed
(``haven import-roster`` runs the ``import_roster`` command). ``haven help`` lists them."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")
    from django.core.management import execute_from_command_line

    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")
    execute_from_command_line(["haven", *args])


if __name__ == "__main__":
    main()
