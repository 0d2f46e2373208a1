from django.db import migrations


class Migration(migrations.Migration):
    """Cached lists now key on the change feed's counters (comparisons/changefeed.py), which
    hear of every committed count change from a trigger; the sequence every vote bumped after
    its commit, one more round trip a vote, has no reader left."""

    dependencies = [("votes", "0002_community_version")]

    operations = [
        migrations.RunSQL(
            "DROP SEQUENCE IF EXISTS votes_community_version",
            "CREATE SEQUENCE IF NOT EXISTS votes_community_version",
        )
    ]
