"""Reunification: guardians checking in and the runner's fetch."""

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import haven.core.fields


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("emergencies", "0001_initial"),
        ("screening", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ReunificationRequest",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("group", models.UUIDField(db_index=True, default=uuid.uuid4)),
                ("adult_first_name", models.CharField(max_length=100)),
                ("adult_middle_name", models.CharField(blank=True, max_length=100)),
                ("adult_last_name", models.CharField(max_length=100)),
                ("adult_date_of_birth", haven.core.fields.EncryptedTextField(blank=True)),
                (
                    "id_source",
                    models.CharField(
                        choices=[
                            ("scan", "ID barcode scanned"),
                            ("typed", "Typed from the ID"),
                            ("roster", "Guardian chosen from the roster"),
                        ],
                        max_length=10,
                    ),
                ),
                ("id_jurisdiction", models.CharField(blank=True, max_length=10)),
                ("id_last4", models.CharField(blank=True, max_length=4)),
                ("id_hash", models.CharField(blank=True, max_length=64)),
                (
                    "decision",
                    models.CharField(
                        choices=[
                            ("authorised", "Authorised to pick up"),
                            ("not_listed", "Not on the student's list"),
                            ("not_allowed", "Listed, but may not pick up"),
                            ("custody_restriction", "Custody restriction"),
                            ("already_released", "Already released"),
                            ("not_here", "Student not at this school"),
                            ("watchlist", "Screening match"),
                            ("review", "Possible screening match"),
                            ("staff", "Refused by staff"),
                        ],
                        max_length=30,
                    ),
                ),
                ("screening_outcome", models.CharField(blank=True, max_length=8)),
                ("watchlist_matches", haven.core.fields.EncryptedJSONField(default=list)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("waiting", "Waiting"),
                            ("held", "Held for an administrator"),
                            ("runner_sent", "Runner sent"),
                            ("released", "Released"),
                            ("refused", "Refused"),
                        ],
                        default="waiting",
                        max_length=20,
                    ),
                ),
                ("checked_in_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("runner_sent_at", models.DateTimeField(blank=True, null=True)),
                ("closed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "checked_in_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "guardian",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="core.guardian",
                    ),
                ),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reunification_requests",
                        to="emergencies.incident",
                    ),
                ),
                (
                    "release",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="request",
                        to="emergencies.release",
                    ),
                ),
                (
                    "runner",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "screening",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="screening.screening",
                    ),
                ),
                (
                    "student",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.student",
                    ),
                ),
            ],
            options={
                "ordering": ["checked_in_at", "pk"],
                "indexes": [
                    models.Index(fields=["incident", "status"], name="reunification_queue")
                ],
            },
        ),
    ]
