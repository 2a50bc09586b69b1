"""The cache and the Celery broker never share a Redis database."""

import redis
from django.conf import settings
from django.core.cache import cache

from config.celery import app as celery_app


def test_clearing_the_cache_never_drops_a_queued_task():
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("maintenance")
    cache.set("something", "cached")
    celery_app.send_task("core.tasks.record_worker_heartbeat")  # no worker runs: it waits in its queue

    cache.clear()

    assert cache.get("something") is None
    assert broker.llen("maintenance") == 1
    broker.delete("maintenance")
