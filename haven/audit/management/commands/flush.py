"""Django's ``flush``, which also works on the append-only audit log: the triggers that refuse
DELETE and TRUNCATE are lifted for the flush and put back in the same transaction. Emptying the
whole database is a deliberate act, not an edit of the log (and tests flush between transactional
tests)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections, transaction

from haven.audit import triggers


class Command(FlushCommand):
    help = FlushCommand.help + " The audit log is emptied too."

    def handle(self, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("refusing to empty a production database and its audit log")
        database = options["database"]
        connection = connections[database]
        if not triggers.tables_exist(connection):
            super().handle(**options)
            return
        present = bool(triggers.installed(connection))
        with transaction.atomic(using=database):
            triggers.remove(connection)
            super().handle(**options)
            if present:
                triggers.install(connection)
