"""Health of the three things the portal needs: PostgreSQL, Redis and a Celery worker."""

import time
from typing import cast

import redis
from django.conf import settings
from django.db import connection

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


def report() -> tuple[bool, dict[str, dict[str, str]]]:
    checks = {"database": check_database(), "redis": check_redis(), "celery": check_worker()}
    healthy = all(ok for ok, _detail in checks.values())
    return healthy, {
        name: {"status": "ok" if ok else "fail", "detail": detail} for name, (ok, detail) in checks.items()
    }
