"""Fill the figures of the tips that existed before the table did."""

from django.db import migrations


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    # The live code, not the historical models: the rows must be computed exactly as the report's
    # signals compute them. Later schema changes rebuild with ``haven report_figures``.
    # A new database has no tips: nothing to read, whatever later migrations add to the tables.
    from haven.reports import figures

    if apps.get_model("tips", "Tip").objects.exists():
        figures.rebuild()


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
