"""A database that records migrations from before the squash is refused with a clear message."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from core.migration_history import migration_history_check


def test_a_database_migrated_from_these_files_passes(db):
    assert migration_history_check(None, databases=["default"]) == []


def test_a_database_from_before_the_squash_stops_migrate_with_what_to_do(db):
    recorder = MigrationRecorder(connection)
    for name in (
        "0002_staff_permissions",
        "0003_creditrecord",
        "0004_api_client",
        "0005_api_client_permissions",
    ):
        recorder.record_applied("academy", name)

    (error,) = migration_history_check(None, databases=["default"])

    assert (error.id, error.msg, error.hint) == (
        "core.E010",
        "The database 'default' was migrated before the migrations were squashed (it records "
        "academy.0002_staff_permissions, academy.0003_creditrecord, academy.0004_api_client …, "
        "which exist no more).",
        "Recreate it: `make clean` (or delete var/pgdata-18), then `make run` seeds the demo again.",
    )
    with pytest.raises(SystemCheckError, match=r"core\.E010"):
        call_command("migrate", verbosity=0, skip_checks=False)


def test_a_database_from_before_deliberation_moved_is_told_to_recreate(db):
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE stations_topic (id bigint)")
        cursor.execute("CREATE TABLE stations_session (id bigint)")

    (error,) = migration_history_check(None, databases=["default"])

    assert (error.id, error.msg, error.hint) == (
        "core.E010",
        "The database 'default' was built before these models moved to another app "
        "(it still has stations_session, stations_topic).",
        "Recreate it: `make clean` (or delete var/pgdata-18), then `make run` seeds the demo again.",
    )


def test_a_database_from_before_the_points_ledger_moved_is_told_to_recreate(db):
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE governance_pointentry (id bigint)")

    (error,) = migration_history_check(None, databases=["default"])

    assert (error.id, error.msg, error.hint) == (
        "core.E010",
        "The database 'default' was built before these models moved to another app "
        "(it still has governance_pointentry).",
        "Recreate it: `make clean` (or delete var/pgdata-18), then `make run` seeds the demo again.",
    )


def test_other_apps_history_is_not_ours_to_judge(db):
    MigrationRecorder(connection).record_applied("oauth2_provider", "0099_from_a_newer_release")
    assert migration_history_check(None, databases=["default"]) == []
