"""A database migrated before the squash of 2026-12-02 cannot be migrated on: say so, clearly.

Nothing was released before that day, so every app's migrations were squashed into its initial
migration(s). A database (a demo's var/pgdata) that still records the old migrations would look
migrated while missing what came after; `migrate` stops with this check's message instead.
"""

from django.core.checks import Error, Tags, register
from django.db import DatabaseError, connections
from django.db.migrations.loader import MigrationLoader

OUR_APPS = (
    "academy",
    "accounts",
    "core",
    "events",
    "governance",
    "notifications",
    "rewards",
    "services",
    "stations",
    "subsidies",
    "volunteering",
)


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
        except DatabaseError:  # no database yet: nothing to compare
            continue
        if unknown:
            errors.append(
                Error(
                    f"The database '{alias}' was migrated before the migrations were squashed "
                    f"(it records {', '.join(f'{app}.{name}' for app, name in unknown[:3])}"
                    f"{' …' if len(unknown) > 3 else ''}, which exist no more).",
                    hint="Recreate it: `make clean` (or delete var/pgdata), then `make run` seeds the demo again.",
                    id="core.E010",
                )
            )
    return errors
