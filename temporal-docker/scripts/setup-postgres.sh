#!/bin/sh
# One-shot (service temporal-schema, admin-tools image): creates or upgrades Temporal's two
# PostgreSQL databases. Safe to rerun: existing databases are kept, only missing versions applied.
set -eu
SQL="temporal-sql-tool --plugin postgres12 --ep ${POSTGRES_SEEDS} -p ${DB_PORT} -u ${POSTGRES_USER}"
SCHEMA=/etc/temporal/schema/postgresql/v12

for db in temporal temporal_visibility; do
  echo "[schema] database ${db}"
  $SQL --db "$db" create 2>/dev/null || echo "[schema] ${db} exists"
  $SQL --db "$db" setup-schema -v 0.0
done
$SQL --db temporal update-schema -d "$SCHEMA/temporal/versioned"
$SQL --db temporal_visibility update-schema -d "$SCHEMA/visibility/versioned"
echo "[schema] done"
