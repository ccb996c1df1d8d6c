"""Roll call and accountability: the office's account of visitors on site, and the timeline's
"staff need help" and "every student accounted for" events."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("emergencies", "0003_drills"),
        ("visitors", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="VisitorAccount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("accounted", "Accounted for"), ("missing", "Missing")],
                        max_length=20,
                    ),
                ),
                ("reported_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="visitor_accounts",
                        to="emergencies.incident",
                    ),
                ),
                (
                    "reported_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "visit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="visitors.visit",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("incident", "visit"), name="unique_visitor_account"
                    )
                ],
            },
        ),
        migrations.AlterField(
            model_name="incidentevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("raised", "Raised"),
                    ("protocol_changed", "Protocol changed"),
                    ("update", "Update"),
                    ("ack", "Acknowledged"),
                    ("all_clear", "All clear"),
                    ("roll_call", "Roll call"),
                    ("need_help", "Staff need help"),
                    ("accounted", "Every student accounted for"),
                    ("release", "Release"),
                ],
                max_length=30,
            ),
        ),
    ]
