import atexit
import os
import signal

from celery import Celery
from celery.signals import beat_init

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
    # The district dashboard's rollups: what a change shows there lags by at most this (bench/dashboard.py).
    "dashboard-rollups": {"task": "dashboard.tasks.refresh_rollups", "schedule": 300.0},
    # Help requests nobody took within their window: closed, the helped person's details erased.
    "help-requests-expire": {"task": "voice.tasks.expire_help_requests", "schedule": 3600.0},
    # 随口说 recordings past their retention period: the file deleted, the text and summary kept.
    "voice-audio-delete": {"task": "voice.tasks.delete_old_audio", "schedule": 86400.0},
}


@beat_init.connect
def _send_the_schedule_once(sender=None, **kwargs) -> None:
    """A beat sends the schedule only while it holds the beat lock (config/beat_lock.py)."""
    from config.beat_lock import BeatLock, lock_seconds

    lock = BeatLock(app.conf.broker_url, seconds=lock_seconds())
    # Registered first: a SIGTERM right after the lock was taken still releases it (releasing a
    # lock this beat does not hold changes nothing).
    atexit.register(lock.release)
    lock.wait_and_acquire()
    # Stopping like on SIGTERM: beat saves its schedule file and exits (atexit releases nothing
    # then, the lock being another's).
    lock.keep(on_lost=lambda: os.kill(os.getpid(), signal.SIGTERM))
