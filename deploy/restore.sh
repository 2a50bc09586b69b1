#!/bin/sh
# restore.sh DUMP [DATABASE]: a dump of backup.sh into DATABASE (default PGDATABASE), replacing
# the objects it holds, in one transaction: an error leaves the database as it was.
# Connection from libpq's variables; PG_BIN as in backup.sh. README "Backups and restore".
set -eu

dump=${1:?usage: restore.sh DUMP [DATABASE]}
target=${2:-${PGDATABASE:?set PGDATABASE or name the database}}
bin=${PG_BIN:+$PG_BIN/}

"${bin}pg_restore" --dbname="$target" --clean --if-exists --no-owner --no-privileges \
    --single-transaction --exit-on-error "$dump"
printf '{"time":"%s","level":"INFO","logger":"backup","message":"restored %s into %s"}\n' \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$dump" "$target"
