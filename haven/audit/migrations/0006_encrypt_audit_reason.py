"""Encrypt the audit log's ``reason`` at rest (break-glass reasons, why a step was reopened).

The log is append-only: its triggers refuse UPDATE, so this migration lifts them, rewrites the
column and puts them back, all in the migration's transaction. Each event's digest covers the
plain reason (an empty one and NULL alike), so every event, old or new, still verifies. An event
without a reason now stores NULL instead of an empty string.
"""

from django.db import migrations

import haven.core.fields
from haven.core.fields import encrypt_existing


def lift_triggers(apps, schema_editor):
    from haven.audit import triggers

    triggers.remove(schema_editor.connection)


def restore_triggers(apps, schema_editor):
    from haven.audit import triggers

    triggers.install(schema_editor.connection)


def empty_to_null(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET reason = NULL WHERE reason = ''")


def null_to_empty(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET reason = '' WHERE reason IS NULL")


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_fill_audit_districts")]

    operations = [
        migrations.RunPython(lift_triggers, restore_triggers, elidable=False),
        migrations.AlterField(
            model_name="auditevent",
            name="reason",
            field=haven.core.fields.EncryptedTextField(blank=True, null=True),
        ),
        migrations.RunPython(empty_to_null, null_to_empty, elidable=False),
        encrypt_existing("audit", "AuditEvent", "reason"),
        migrations.RunPython(restore_triggers, lift_triggers, elidable=False),
    ]
