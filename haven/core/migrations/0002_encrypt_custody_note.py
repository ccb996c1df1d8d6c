"""Encrypt a guardian link's custody note at rest (it names a court order beside a student)."""

from django.db import migrations

import haven.core.fields
from haven.core.fields import encrypt_existing


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="guardianlink",
            name="custody_note",
            field=haven.core.fields.EncryptedTextField(blank=True, max_length=500),
        ),
        encrypt_existing("core", "GuardianLink", "custody_note"),
    ]
