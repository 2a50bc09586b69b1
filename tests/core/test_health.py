import json

import pytest
import redis
from django.conf import settings

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
