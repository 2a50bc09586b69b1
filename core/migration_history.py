"""A database migrated before the squashes of 2026-12-02 and 2026-12-03 cannot be migrated on:
say so, clearly.

Nothing was released before then, so every app's migrations were squashed into its initial
migration(s), twice (the list indexes, the SMS providers' receipts, the Open311 attributes and
the shared status history joined the initial migrations late on 2026-12-03). A database (a
demo's var/pgdata-18) that still records the old migrations would look migrated while missing
what came after; `migrate` stops with this check's message instead.

The same holds for a database from before deliberation left the stations app (2026-12-03): the
initial migration of stations kept its name, so the history alone may not tell; the tables of the
models that moved (stations_topic, ...) do. So do those of the points ledger, which left governance
for the points app the same day (governance_pointentry, ...).
"""

from django.core.checks import Error, Tags, register
from django.db import DatabaseError, connections
from django.db.migrations.loader import MigrationLoader

OUR_APPS = (
    "academy",
    "accounts",
    "core",
    "deliberation",
    "events",
    "governance",
    "notifications",
    "points",
    "rewards",
    "services",
    "stations",
    "subsidies",
    "volunteering",
)


# Tables of models that moved to another app after the squash; a database that has them predates the move.
MOVED_TABLES = (
    "governance_pointaccount",
    "governance_pointentry",
    "governance_pointrule",
    "stations_followupaction",
    "stations_session",
    "stations_support",
    "stations_topic",
    "stations_topicphoto",
    "stations_topicupdate",
)
RECREATE = "Recreate it: `make clean` (or delete var/pgdata-18), then `make run` seeds the demo again."


def moved_tables_present(connection) -> list[str]:
    """Tables of models that live in another app now, still in the database."""
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
    return [table for table in MOVED_TABLES if table in existing]


def unknown_applied_migrations(connection) -> list[tuple[str, str]]:
    """Migrations of our apps the database records as applied that exist on disk no more."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    return sorted(
        (app, name)
        for app, name in loader.applied_migrations
        if app in OUR_APPS and (app, name) not in loader.disk_migrations
    )


@register(Tags.database)
def migration_history_check(app_configs, databases=None, **kwargs):
    errors = []
    for alias in databases or ():
        try:
            unknown = unknown_applied_migrations(connections[alias])
            moved = moved_tables_present(connections[alias])
        except DatabaseError:  # no database yet: nothing to compare
            continue
        if unknown:
            errors.append(
                Error(
                    f"The database '{alias}' was migrated before the migrations were squashed "
                    f"(it records {', '.join(f'{app}.{name}' for app, name in unknown[:3])}"
                    f"{' …' if len(unknown) > 3 else ''}, which exist no more).",
                    hint=RECREATE,
                    id="core.E010",
                )
            )
        elif moved:
            errors.append(
                Error(
                    f"The database '{alias}' was built before these models moved to another app "
                    f"(it still has {', '.join(moved[:3])}{' …' if len(moved) > 3 else ''}).",
                    hint=RECREATE,
                    id="core.E010",
                )
            )
    return errors
