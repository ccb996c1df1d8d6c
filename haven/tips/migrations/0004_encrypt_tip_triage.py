"""Encrypt a tip's triage reading at rest (its categories say "self-harm")."""

from django.db import migrations

import haven.core.fields
from haven.core.fields import encrypt_existing


class Migration(migrations.Migration):
    dependencies = [("tips", "0003_receipt_pepper")]

    operations = [
        migrations.AlterField(
            model_name="tip",
            name="triage",
            field=haven.core.fields.EncryptedJSONField(
                blank=True, default=dict, help_text="The classifier's reading."
            ),
        ),
        encrypt_existing("tips", "Tip", "triage"),
    ]
