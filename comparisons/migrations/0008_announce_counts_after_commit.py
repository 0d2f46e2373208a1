"""Community counts are announced by the code that changes them, after it commits
(``comparisons.changefeed.announce_counts``), no longer by a trigger inside the vote's
transaction.

PostgreSQL lets one notifying transaction commit at a time: NOTIFY takes a database-wide lock
at commit and holds it through the WAL flush. With the trigger, every vote queued behind the
previous vote's disk flush (measured with pgbench on the benchmark machine: a count update with
the trigger ran 1,840 a second, without it 6,000, at 0.69 vs 0.27 ms of CPU each). The catalog
trigger stays: editorial writes are rare.
"""

from django.db import migrations

DROP_SQL = """
DROP TRIGGER IF EXISTS comparisons_tool_community_notify ON comparisons_tool;
DROP FUNCTION IF EXISTS comparisons_notify_community();
"""


RESTORE_SQL = """
CREATE FUNCTION comparisons_notify_community() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('shipskip_community', NEW.slug);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER comparisons_tool_community_notify
AFTER UPDATE OF community_ships, community_skips ON comparisons_tool
FOR EACH ROW
WHEN (OLD.community_ships IS DISTINCT FROM NEW.community_ships
      OR OLD.community_skips IS DISTINCT FROM NEW.community_skips)
EXECUTE FUNCTION comparisons_notify_community();
"""


class Migration(migrations.Migration):
    dependencies = [("comparisons", "0007_change_notifications")]

    operations = [migrations.RunSQL(DROP_SQL, RESTORE_SQL)]
