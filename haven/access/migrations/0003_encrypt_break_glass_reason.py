"""Encrypt the reason given for a break-glass grant at rest."""

from django.db import migrations

import haven.core.fields
from haven.core.fields import encrypt_existing


class Migration(migrations.Migration):
    dependencies = [("access", "0002_initial")]

    operations = [
        migrations.AlterField(
            model_name="breakglassgrant",
            name="reason",
            field=haven.core.fields.EncryptedTextField(),
        ),
        encrypt_existing("access", "BreakGlassGrant", "reason"),
    ]
