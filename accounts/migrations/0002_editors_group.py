from django.contrib.auth.management import create_permissions
from django.db import migrations

from accounts.editors import EDITORS_GROUP, sync_editors_group


def create_editors(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    sync_editors_group(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def remove_editors(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=EDITORS_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("comparisons", "0004_deferred_positions_and_score_messages"),
        ("votes", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_editors, remove_editors)]
