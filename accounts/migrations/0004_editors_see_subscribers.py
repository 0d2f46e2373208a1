from django.db import migrations

from accounts.editors import sync_editors_group_in_migration


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_verdict_alerts"),
        ("newsletter", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_editors_group_in_migration, migrations.RunPython.noop)]
