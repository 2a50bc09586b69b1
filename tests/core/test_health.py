import json

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from core import health
from core.tasks import record_worker_heartbeat
from tests.notifications.test_outbox import wait_until


def clear_heartbeat():
    redis.Redis.from_url(settings.REDIS_URL).delete(health.HEARTBEAT_KEY)


@pytest.mark.django_db
def test_healthz_fails_without_a_worker(client):
    clear_heartbeat()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content) == {
        "status": "fail",
        "checks": {
            "database": {"status": "ok", "detail": "ok"},
            "redis": {"status": "ok", "detail": "ok"},
            "celery": {"status": "fail", "detail": "no heartbeat"},
        },
    }


@pytest.mark.integration
def test_healthz_is_ok_when_a_worker_answers(client, celery_worker_thread):
    clear_heartbeat()
    record_worker_heartbeat.delay()
    assert wait_until(lambda: health.check_worker()[0])
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "ok",
        "checks": {
            "database": {"status": "ok", "detail": "ok"},
            "redis": {"status": "ok", "detail": "ok"},
            "celery": {"status": "ok", "detail": "ok"},
        },
    }


@pytest.mark.django_db
def test_healthz_reports_redis_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["redis"] == {"status": "fail", "detail": "ConnectionError"}


# --- Liveness and readiness (the orchestrator's probes) ---------------------------------------


def test_livez_touches_neither_the_database_nor_redis(client, settings):
    # No django_db mark: a query would raise. Redis points nowhere: a use of it would fail.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/livez")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


@pytest.mark.django_db
def test_readyz_is_ok_with_database_redis_and_every_migration(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "ok",
        "checks": {
            "database": {"status": "ok", "detail": "ok"},
            "redis": {"status": "ok", "detail": "ok"},
            "migrations": {"status": "ok", "detail": "ok"},
        },
    }


@pytest.mark.django_db
def test_readyz_fails_while_a_migration_is_unapplied(client):
    # As on a node started from a new image before `migrate` ran (rolled back with the test).
    MigrationRecorder.Migration.objects.filter(app="core").order_by("-id").first().delete()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["migrations"] == {"status": "fail", "detail": "1 unapplied"}
    assert json.loads(response.content)["status"] == "fail"


@pytest.mark.django_db
def test_readyz_fails_while_redis_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert json.loads(response.content) == {
        "status": "fail",
        "checks": {
            "database": {"status": "ok", "detail": "ok"},
            "redis": {"status": "fail", "detail": "ConnectionError"},
            "migrations": {"status": "ok", "detail": "ok"},
        },
    }


@pytest.mark.django_db(transaction=True)
def test_readyz_fails_while_the_database_is_down_and_livez_stays_ok(client, monkeypatch):
    connection.close()
    # Nothing listens on port 1: the next connection is refused, as by a database that is down.
    monkeypatch.setitem(connection.settings_dict, "HOST", "127.0.0.1")
    monkeypatch.setitem(connection.settings_dict, "PORT", "1")
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert json.loads(response.content) == {
            "status": "fail",
            "checks": {
                "database": {"status": "fail", "detail": "OperationalError"},
                "redis": {"status": "ok", "detail": "ok"},
                "migrations": {"status": "fail", "detail": "database unavailable"},
            },
        }
        assert client.get("/livez").status_code == 200
    finally:
        connection.close()
