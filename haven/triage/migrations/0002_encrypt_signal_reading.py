"""Encrypt a signal's reading, flagged categories and sensitive reasons at rest (they say "self-harm"
beside a student)."""

from django.db import migrations

import haven.core.fields
from haven.core.fields import encrypt_existing


class Migration(migrations.Migration):
    dependencies = [("triage", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="signal",
            name="flagged",
            field=haven.core.fields.EncryptedJSONField(blank=True, default=list),
        ),
        migrations.AlterField(
            model_name="signal",
            name="reading",
            field=haven.core.fields.EncryptedJSONField(blank=True, default=dict),
        ),
        migrations.AlterField(
            model_name="signal",
            name="sensitive_reasons",
            field=haven.core.fields.EncryptedJSONField(blank=True, default=list),
        ),
        encrypt_existing("triage", "Signal", "flagged", "reading", "sensitive_reasons"),
    ]
