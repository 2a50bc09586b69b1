"""Health of the three things the portal needs: PostgreSQL, Redis and a Celery worker.

Three questions, three endpoints (config/urls.py): /livez "is this process alive" answers without
touching anything, so an orchestrator restarts only a process that is really stuck, never every
web node at once because the database blinked; /readyz "may this node take traffic" checks the
database, Redis and that every migration is applied (a node started on a new image before
`migrate` ran stays out of the load balancer); /healthz adds the Celery worker heartbeat, for
monitoring the whole system.
"""

import time
from typing import cast

import redis
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.migrations.executor import MigrationExecutor

HEARTBEAT_KEY = "xiaoge:celery:heartbeat"
# Beat asks a worker to record a heartbeat every 15 s; allow a few missed ticks.
HEARTBEAT_MAX_AGE_SECONDS = 60


def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)


def record_worker_heartbeat() -> None:
    _redis().set(HEARTBEAT_KEY, str(time.time()), ex=HEARTBEAT_MAX_AGE_SECONDS * 2)


def check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        return False, type(error).__name__
    return True, "ok"


def check_redis() -> tuple[bool, str]:
    try:
        _redis().ping()
    except Exception as error:
        return False, type(error).__name__
    return True, "ok"


def check_worker() -> tuple[bool, str]:
    try:
        # redis-py types the sync and asyncio clients' replies alike; this one is sync.
        value = cast("bytes | None", _redis().get(HEARTBEAT_KEY))
    except Exception as error:
        return False, type(error).__name__
    if value is None:
        return False, "no heartbeat"
    age = time.time() - float(value)
    if age > HEARTBEAT_MAX_AGE_SECONDS:
        return False, f"last heartbeat {int(age)} s ago"
    return True, "ok"


def check_migrations() -> tuple[bool, str]:
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as error:
        return False, type(error).__name__
    if plan:
        return False, f"{len(plan)} unapplied"
    return True, "ok"


def _summary(checks: dict[str, tuple[bool, str]]) -> tuple[bool, dict[str, dict[str, str]]]:
    healthy = all(ok for ok, _detail in checks.values())
    return healthy, {
        name: {"status": "ok" if ok else "fail", "detail": detail} for name, (ok, detail) in checks.items()
    }


def report() -> tuple[bool, dict[str, dict[str, str]]]:
    return _summary({"database": check_database(), "redis": check_redis(), "celery": check_worker()})


def readiness() -> tuple[bool, dict[str, dict[str, str]]]:
    # The migration check needs the database: without it, say so once rather than twice.
    database = check_database()
    migrations = check_migrations() if database[0] else (False, "database unavailable")
    return _summary({"database": database, "redis": check_redis(), "migrations": migrations})
