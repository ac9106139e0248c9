#!/bin/sh
# The streaming replica: cloned from the primary once (pg_basebackup -R writes standby.signal and
# primary_conninfo), then a hot standby that the app's DATABASE_REPLICA_URLS reads from.
set -e
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h postgres -U chat; do sleep 1; done
  PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup -h postgres -U replicator -D "$PGDATA" -R -X stream
  chmod 700 "$PGDATA"
fi
exec postgres -c hot_standby=on
