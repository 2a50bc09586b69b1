"""The test database, migrated once and cloned for every pytest process.

Migrating from zero costs about a minute (oauth2_provider's 0021 alone 15 s), and
each pytest-xdist worker needs a database of its own. So the migrated schema is
kept as a PostgreSQL template named after a hash of every migration file and of
the Django version: the first process of a run that finds no such template
builds it (under an advisory lock, so two workers never build it twice), and each
process then clones it with `CREATE DATABASE ... TEMPLATE`, which takes about a
second. A changed migration changes the hash, so a stale schema is never reused;
templates of older hashes are dropped when a new one is built.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.db import connection

# Set once this process's clone exists (tests/e2e/conftest.py empties it before browser tests).
test_database_ready = False
# The migrated rows (staff groups, ...) as Django serializes them; browser tests restore them.
snapshot: str | None = None

# Any fixed number: the key of the cluster-wide advisory lock around building a template.
BUILD_LOCK_KEY = 7_301_2026


def migrations_fingerprint() -> str:
    digest = hashlib.sha256(django.get_version().encode())
    for app_config in sorted(apps.get_app_configs(), key=lambda config: config.label):
        folder = Path(app_config.path) / "migrations"
        for path in sorted(folder.glob("*.py")) if folder.is_dir() else []:
            digest.update(f"{app_config.label}/{path.name}".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def template_name(test_name: str) -> str:
    # Worker databases are "<name>_gw0", "<name>_gw1": the template is named after the
    # base so that every worker of one run shares it.
    base = test_name.rsplit("_gw", 1)[0]
    return f"{base}_tmpl_{migrations_fingerprint()}"


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _existing_databases(cursor, prefix: str) -> set[str]:
    cursor.execute(
        "SELECT datname FROM pg_database WHERE datname LIKE %s", [prefix.replace("_", r"\_") + "%"]
    )
    return {row[0] for row in cursor.fetchall()}


def _build_template(template: str) -> None:
    """Migrate a fresh database into `template`, exactly as Django's test runner would."""
    test_settings = connection.settings_dict["TEST"]
    original_test_name, original_name = test_settings.get("NAME"), connection.settings_dict["NAME"]
    test_settings["NAME"] = template
    try:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=False)
    finally:
        connection.close()
        test_settings["NAME"] = original_test_name
        connection.settings_dict["NAME"] = original_name
        settings.DATABASES[connection.alias]["NAME"] = original_name


def ensure_template(test_name: str) -> None:
    """Build the migrated template of `test_name` unless a process already did."""
    template = template_name(test_name)
    prefix = template.rsplit("_", 1)[0] + "_"
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [BUILD_LOCK_KEY])
        try:
            existing = _existing_databases(cursor, prefix)
            if template not in existing:
                # Built under another name and renamed when complete: a run killed half-way
                # leaves no half-migrated template behind to be trusted.
                _build_template(f"{template}_new")
                cursor.execute(f"ALTER DATABASE {_quote(template + '_new')} RENAME TO {_quote(template)}")
                for stale in existing - {template + "_new"}:
                    cursor.execute(f"DROP DATABASE IF EXISTS {_quote(stale)}")
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [BUILD_LOCK_KEY])


def ensure_template_and_clone(test_name: str) -> None:
    """Leave `test_name` as a fresh copy of the migrated template (built first if needed)."""
    ensure_template(test_name)
    template = template_name(test_name)
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {_quote(test_name)}")
        # Another worker cloning the same template at this instant holds it open for a moment.
        for attempt in range(50):
            try:
                cursor.execute(f"CREATE DATABASE {_quote(test_name)} TEMPLATE {_quote(template)}")
                break
            except Exception as error:
                if "is being accessed by other users" not in str(error) or attempt == 49:
                    raise
                time.sleep(0.2)
    global test_database_ready
    test_database_ready = True
