"""Settings for the test suite only: config.settings with what makes tests fast and isolated.

pytest loads this module (pyproject.toml); development and production never do.
"""

import os

from config.settings import *  # noqa: F403
from config.settings import REDIS_URL, redis_db, redis_url_with_db

# Factories give every user a password, and tests log in with force_login: Django's
# default PBKDF2 (1,000,000 iterations) cost ~1 s a user and most of the suite's time.
# The strong hasher stays for development and production (tests/core/test_settings.py).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Under pytest-xdist each worker ("gw0", "gw1", ...) has its own database (pytest-django
# adds the suffix) and its own pair of Redis databases: a worker's cache.clear() (FLUSHDB)
# must not wipe another's rate-limit counters, and a worker's Celery thread must not take
# a task another worker enqueued for its own database. Without xdist the index is 0.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw-1")
_index = int(_worker.removeprefix("gw")) + 1
_base = redis_db(REDIS_URL)
REDIS_URL = redis_url_with_db(REDIS_URL, _base + 2 * _index)
CACHES = {"default": {**CACHES["default"], "LOCATION": REDIS_URL, "KEY_PREFIX": "xiaoge-test"}}  # noqa: F405
CELERY_BROKER_URL = redis_url_with_db(REDIS_URL, _base + 2 * _index + 1)
