from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _reinstall_triggers(sender, using, **kwargs):  # type: ignore[no-untyped-def]
    """SQLite drops a table's triggers when a migration rebuilds the table: put them back after
    every migrate (idempotent), once the migration that introduced them is applied."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from haven.audit import triggers

    connection = connections[using]
    if not triggers.tables_exist(connection):
        return
    applied = MigrationRecorder(connection).applied_migrations()
    if ("audit", "0002_append_only") in applied:
        triggers.install(connection)


class AuditConfig(AppConfig):
    name = "haven.audit"
    label = "audit"

    def ready(self) -> None:
        post_migrate.connect(_reinstall_triggers, sender=self, dispatch_uid="haven.audit.triggers")
