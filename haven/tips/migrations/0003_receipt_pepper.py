"""Record which pepper salted each receipt's digest; the tips stored so far were salted from the
audit key ("legacy")."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tips", "0002_school_day_times")]

    operations = [
        migrations.AddField(
            model_name="tip",
            name="receipt_pepper",
            field=models.CharField(blank=True, default="legacy", max_length=12),
            preserve_default=False,
        ),
    ]
