"""Django gives a text primary key a second index for LIKE searches. Counters are only ever
found by their whole key, and every new key (each first-time voter) was written to both."""

from django.db import migrations

DROP_SQL = """
DO $$
DECLARE
    name text;
BEGIN
    FOR name IN
        SELECT indexname FROM pg_indexes
         WHERE tablename = 'throttle_counter' AND indexname LIKE 'throttle_counter_key_%_like'
    LOOP
        EXECUTE format('DROP INDEX %I', name);
    END LOOP;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("throttle", "0002_counter_expiry")]

    operations = [
        migrations.RunSQL(
            DROP_SQL,
            "CREATE INDEX IF NOT EXISTS throttle_counter_key_like "
            "ON throttle_counter (key varchar_pattern_ops)",
        )
    ]
