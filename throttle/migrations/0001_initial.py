from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Counter",
            fields=[
                ("key", models.CharField(max_length=200, primary_key=True, serialize=False)),
                ("window", models.BigIntegerField()),
                ("hits", models.PositiveIntegerField(default=0)),
            ],
        ),
        # Counters are cheap to lose in a crash and need not reach a replica: skip the WAL.
        migrations.RunSQL(
            "ALTER TABLE throttle_counter SET UNLOGGED",
            "ALTER TABLE throttle_counter SET LOGGED",
        ),
    ]
