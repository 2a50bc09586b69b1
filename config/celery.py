import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("xiaoge")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Beat schedules live in code, next to the tasks they drive.
app.conf.beat_schedule = {
    "outbox-sweep": {"task": "notifications.tasks.sweep_outbox", "schedule": 30.0},
    "worker-heartbeat": {"task": "core.tasks.record_worker_heartbeat", "schedule": 15.0},
}
