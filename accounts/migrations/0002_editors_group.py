from django.db import migrations

from accounts.editors import EDITORS_GROUP, sync_editors_group_in_migration


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

    operations = [migrations.RunPython(sync_editors_group_in_migration, remove_editors)]
