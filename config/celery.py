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
    # Deliberation follow-up actions past their due date become overdue (and their owners are told).
    "station-actions-overdue": {"task": "deliberation.tasks.mark_overdue_actions", "schedule": 3600.0},
    # Unclaimed vouchers expire and their points go back to the worker.
    "vouchers-expire": {"task": "rewards.tasks.expire_vouchers", "schedule": 600.0},
    # Volunteer tasks nobody confirmed a week after their day: closed, the elderly person's details erased.
    "volunteer-tasks-expire": {"task": "volunteering.tasks.expire_unconfirmed_tasks", "schedule": 86400.0},
}
