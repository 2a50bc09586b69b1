"""gunicorn in the web containers (deploy/Dockerfile); tests/deploy/test_nginx.py runs it too.

Sync workers: every view is short (slow work goes to Celery) and nginx buffers slow clients'
uploads and downloads, so a worker is never held by a slow phone connection.
"""

import os
import shutil

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Two or three per core is gunicorn's advice; the web containers' CPU limit sets the core count.
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Longer than nginx's upstream keepalive, so gunicorn never closes a connection nginx reuses.
keepalive = 75
# A worker that decoded many photos gives its memory back to the system by being replaced.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# Heartbeat files in memory, not on the container's overlay filesystem.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 (gunicorn's own advice)
# nginx writes the access log (deploy/nginx/nginx.conf); gunicorn's own messages as JSON lines.
accesslog = None
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "core.logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "loggers": {"gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}


def on_starting(server):
    # django-prometheus under several worker processes: each writes its figures to this folder
    # and /metrics adds them up (prometheus_client's multiprocess mode). Stale files from an
    # earlier run would be counted again.
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
