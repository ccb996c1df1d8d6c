"""Install the assessment models shipped in haven/cases/data (CSTAG, NTAC's themes) as rows."""

from django.db import migrations


def install(apps, schema_editor):
    from haven.cases import cstag

    cstag.install_builtin(apps=apps)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
