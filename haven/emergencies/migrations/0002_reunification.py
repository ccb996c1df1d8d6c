"""Reunification: guardians checking in and the runner's fetch."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("emergencies", "0001_initial"),
    ]

    operations: list = []
