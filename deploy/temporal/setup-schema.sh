#!/bin/sh
# One-shot job of docker-compose.yml (service temporal-schema, image temporalio/admin-tools):
# creates Temporal's two PostgreSQL databases and brings their schemas to the version the
# admin-tools image ships, the way Temporal's own compose examples do (samples-server/compose,
# scripts/setup-postgres.sh). Every step is idempotent, so it runs on every `docker compose up`:
# `create` ignores an existing database, `setup-schema -v 0.0` skips a database already past 0.0,
# and `update-schema` applies only the versions not applied yet, which is also how a newer
# server image (bump both image tags together) gets its schema upgrades.
# temporal-sql-tool reads SQL_PLUGIN, SQL_HOST, SQL_PORT, SQL_USER and SQL_PASSWORD from the
# environment, so the password never appears on a command line.
set -eu

: "${SQL_HOST:?SQL_HOST is required (the PostgreSQL host of Temporal)}"
: "${SQL_USER:?SQL_USER is required}"
: "${SQL_PASSWORD:?SQL_PASSWORD is required (TEMPORAL_DB_PASSWORD in .env)}"
SCHEMA_DIR=/etc/temporal/schema/postgresql/v12

# The database container reports healthy before it accepts connections from other
# containers on some restarts; wait up to a minute for the port.
attempt=1
until nc -z -w 5 "$SQL_HOST" "${SQL_PORT:-5432}"; do
  if [ "$attempt" -ge 30 ]; then
    echo "PostgreSQL at $SQL_HOST:${SQL_PORT:-5432} did not accept connections within 60 s: check the temporal-db service (docker compose logs temporal-db)." >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep 2
done

for db in temporal:temporal temporal_visibility:visibility; do
  name=${db%%:*}
  dir=${db#*:}
  echo "Temporal schema: database $name"
  temporal-sql-tool --db "$name" create
  temporal-sql-tool --db "$name" setup-schema -v 0.0
  temporal-sql-tool --db "$name" update-schema -d "$SCHEMA_DIR/$dir/versioned"
done
echo 'Temporal schema is up to date.'
