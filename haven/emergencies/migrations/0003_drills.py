"""Drills: schedule, log and compliance."""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

KINDS = [
    ("fire", "Fire"),
    ("tornado", "Tornado / severe weather"),
    ("earthquake", "Earthquake"),
    ("hazmat", "Hazardous materials"),
    ("bus", "School bus"),
    ("reunification", "Reunification"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("emergencies", "0002_reunification"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DrillPolicy",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "jurisdiction",
                    models.CharField(
                        blank=True, help_text="State or territory code, e.g. GA", max_length=10
                    ),
                ),
                (
                    "year_starts",
                    models.PositiveSmallIntegerField(
                        default=8,
                        help_text="Month the school year starts (1 to 12).",
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(12),
                        ],
                    ),
                ),
                (
                    "district",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="drill_policy",
                        to="core.district",
                    ),
                ),
            ],
            options={"verbose_name_plural": "drill policies"},
        ),
        migrations.AddField(
            model_name="drill",
            name="kind",
            field=models.CharField(blank=True, choices=KINDS, max_length=20),
        ),
        migrations.AddField(
            model_name="drill",
            name="note",
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.AddField(
            model_name="drill",
            name="off_system",
            field=models.BooleanField(
                default=False, help_text="Run without Haven and logged here afterwards."
            ),
        ),
        migrations.AddField(
            model_name="drill",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddField(
            model_name="drill",
            name="logged_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="drill",
            name="logged_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="drill",
            index=models.Index(fields=["school", "scheduled_for"], name="drill_school_scheduled"),
        ),
        migrations.AddField(
            model_name="drillrequirement",
            name="kind",
            field=models.CharField(
                blank=True,
                choices=KINDS,
                help_text="Empty: every drill of the protocol counts.",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="drillrequirement",
            name="source",
            field=models.CharField(
                blank=True, help_text="The statute or policy that requires it.", max_length=300
            ),
        ),
    ]
