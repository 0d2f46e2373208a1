from django.db import migrations

from comparisons.panel import PANEL


def create_panel(apps, schema_editor):
    Persona = apps.get_model("comparisons", "Persona")
    for persona in PANEL:
        Persona.objects.update_or_create(slug=persona["slug"], defaults=persona)


class Migration(migrations.Migration):
    dependencies = [("comparisons", "0001_initial")]

    operations = [migrations.RunPython(create_panel, migrations.RunPython.noop)]
