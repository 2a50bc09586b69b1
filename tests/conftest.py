import pytest
from django.core.cache import cache

from notifications.backends import RecordingSMSBackend


@pytest.fixture(autouse=True)
def _isolated_services(settings, tmp_path):
    # Tests record SMS instead of printing them; rate-limit counters start empty;
    # uploads land in a directory of the test's own.
    settings.MEDIA_ROOT = tmp_path / "private"
    settings.SMS_BACKEND = "notifications.backends.RecordingSMSBackend"
    settings.LANGUAGE_CODE = "zh-hans"
    RecordingSMSBackend.clear()
    cache.clear()
    yield
    RecordingSMSBackend.clear()


@pytest.fixture
def sms_outbox() -> list:
    return RecordingSMSBackend.outbox


@pytest.fixture
def celery_worker_thread(transactional_db):
    """A real Celery worker (in a thread of this process) consuming from the real Redis broker."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    with start_worker(
        app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=10
    ) as worker:
        yield worker
