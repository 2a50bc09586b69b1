#!/bin/sh
# pg_dump of the portal's database in PostgreSQL's custom format, with retention.
#   backup.sh            one backup now
#   backup.sh --daily    one every day at BACKUP_TIME (HH:MM in the container's TZ), for ever
# The database from libpq's variables (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD).
# BACKUP_DIR (default /backups) holds xiaoge-YYYYmmddTHHMMSSZ.dump; dumps older than
# BACKUP_KEEP_DAYS days (default 14) are deleted after a good new one is written.
# PG_BIN: the folder of pg_dump and pg_restore if they are not on PATH.
# Restore: deploy/restore.sh (README "Backups and restore"). Tested by tests/deploy/test_backup.py.
set -eu

BACKUP_DIR=${BACKUP_DIR:-/backups}
KEEP_DAYS=${BACKUP_KEEP_DAYS:-14}
BACKUP_TIME=${BACKUP_TIME:-02:30}
bin=${PG_BIN:+$PG_BIN/}

log() {
    # The same JSON lines as the app's logs (core.logs).
    printf '{"time":"%s","level":"%s","logger":"backup","message":"%s"}\n' \
        "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" "$2"
}

backup_once() {
    # Explicit checks, not set -e: this runs as `backup_once || ...` too, where sh ignores set -e.
    final="$BACKUP_DIR/xiaoge-$(date -u +%Y%m%dT%H%M%SZ).dump"
    partial="$final.partial"
    if ! "${bin}pg_dump" --format=custom --compress=6 --file="$partial"; then
        rm -f "$partial"
        log ERROR "pg_dump failed; the old backups are kept"
        return 1
    fi
    # A dump that pg_restore cannot read is no backup: it never gets the final name.
    if ! "${bin}pg_restore" --list "$partial" >/dev/null; then
        rm -f "$partial"
        log ERROR "pg_restore cannot read the new dump; the old backups are kept"
        return 1
    fi
    mv "$partial" "$final" || return 1
    log INFO "wrote $final ($(wc -c <"$final") bytes)"
    # Only after a good dump: old ones go, and leftovers of runs that were killed.
    find "$BACKUP_DIR" -maxdepth 1 -type f -name 'xiaoge-*.dump' -mmin +$((KEEP_DAYS * 1440)) \
        -print -delete | while read -r old; do log INFO "deleted $old (older than $KEEP_DAYS days)"; done
    find "$BACKUP_DIR" -maxdepth 1 -type f -name 'xiaoge-*.dump.partial' -mmin +1440 -delete
}

seconds_until_next() {
    now=$(date +%s)
    next=$(date -d "today $BACKUP_TIME" +%s)
    [ "$next" -gt "$now" ] || next=$(date -d "tomorrow $BACKUP_TIME" +%s)
    echo $((next - now))
}

mkdir -p "$BACKUP_DIR"
if [ "${1:-}" = "--daily" ]; then
    log INFO "daily backups at $BACKUP_TIME, kept $KEEP_DAYS days"
    while :; do
        sleep "$(seconds_until_next)"
        # A failed night is logged and tried again the next night; the loop goes on.
        backup_once || true
    done
else
    backup_once
fi
