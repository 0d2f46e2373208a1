from django.db import migrations


class Migration(migrations.Migration):
    """A sequence that moves after every committed change to community votes. Cached lists key
    on it: reading it is O(1), and bumping it takes no lock, so votes never queue on it."""

    dependencies = [("votes", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE votes_community_version",
            "DROP SEQUENCE IF EXISTS votes_community_version",
        ),
        # Every vote rewrites its tool's counts: leave room on each page for HOT updates.
        migrations.RunSQL(
            "ALTER TABLE comparisons_tool SET (fillfactor = 70)",
            "ALTER TABLE comparisons_tool RESET (fillfactor)",
        ),
    ]
