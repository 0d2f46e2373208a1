"""Every committed catalog or community change is announced with NOTIFY, so each web worker can
keep the versions its page cache keys on in memory (comparisons/changefeed.py) instead of asking
PostgreSQL on every request. NOTIFY is transactional: a worker hears of a change only once it is
committed and visible."""

from django.db import migrations

NOTIFY_SQL = """
CREATE OR REPLACE FUNCTION comparisons_bump_catalog_version() RETURNS trigger AS $$
DECLARE
    current bigint;
BEGIN
    INSERT INTO comparisons_catalogversion (id, version) VALUES (1, 1)
    ON CONFLICT (id) DO UPDATE SET version = comparisons_catalogversion.version + 1
    RETURNING version INTO current;
    PERFORM pg_notify('shipskip_catalog', current::text);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

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

UNDO_SQL = """
DROP TRIGGER IF EXISTS comparisons_tool_community_notify ON comparisons_tool;
DROP FUNCTION IF EXISTS comparisons_notify_community();
CREATE OR REPLACE FUNCTION comparisons_bump_catalog_version() RETURNS trigger AS $$
BEGIN
    INSERT INTO comparisons_catalogversion (id, version) VALUES (1, 1)
    ON CONFLICT (id) DO UPDATE SET version = comparisons_catalogversion.version + 1;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("comparisons", "0006_catalog_version")]

    operations = [migrations.RunSQL(NOTIFY_SQL, UNDO_SQL)]
