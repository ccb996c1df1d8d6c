"""Roll call and accountability."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("emergencies", "0003_drills"),
    ]

    operations: list = []
