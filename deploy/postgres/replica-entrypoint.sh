#!/bin/sh
# The read replica (docker-compose.yml, profile "scale"). On its first start, with an empty
# volume, it copies the primary with pg_basebackup; -R (--write-recovery-conf) writes
# standby.signal and primary_conninfo, so PostgreSQL then starts as a hot standby streaming from
# the primary through the slot primary-init.sh made. Later starts just resume streaming.
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    until PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup --host="$PRIMARY_HOST" \
            --username=replicator --pgdata="$PGDATA" --wal-method=stream --slot=replica1 \
            --write-recovery-conf --checkpoint=fast; do
        echo "replica: the primary ($PRIMARY_HOST) is not ready for a base backup yet; retrying"
        rm -rf "${PGDATA:?}"/*
        sleep 2
    done
    chmod 0700 "$PGDATA"
fi
exec postgres -c hot_standby=on
