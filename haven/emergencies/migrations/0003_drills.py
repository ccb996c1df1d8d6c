"""Drills: schedule, log and compliance."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("emergencies", "0002_reunification"),
    ]

    operations: list = []
