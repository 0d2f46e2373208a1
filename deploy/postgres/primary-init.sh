#!/bin/sh
# The primary's first start only (the official image runs /docker-entrypoint-initdb.d/*.sh once,
# on an empty volume): a role that may stream WAL, the pg_hba.conf line that lets it in with a
# password, and a replication slot so the primary keeps the WAL the replica has not received.
# Retiring the replica for good? Drop the slot (SELECT pg_drop_replication_slot('replica1')), or
# the primary keeps WAL for it forever.
set -eu
psql -v ON_ERROR_STOP=1 -v password="$REPLICATION_PASSWORD" \
    --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
SELECT pg_create_physical_replication_slot('replica1');
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
