"""Encrypt a notification's title, body and link at rest (a break-glass reason, a high suicide risk
and which case it concerns)."""

from django.db import migrations

import haven.core.fields
from haven.core.fields import encrypt_existing


class Migration(migrations.Migration):
    dependencies = [("notify", "0002_urgent")]

    operations = [
        migrations.AlterField(
            model_name="notification",
            name="body",
            field=haven.core.fields.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name="notification",
            name="title",
            field=haven.core.fields.EncryptedTextField(max_length=200),
        ),
        migrations.AlterField(
            model_name="notification",
            name="url",
            field=haven.core.fields.EncryptedTextField(blank=True, max_length=300),
        ),
        encrypt_existing("notify", "Notification", "title", "body", "url"),
    ]
