from celery import shared_task

from core.health import record_worker_heartbeat as _record


@shared_task(ignore_result=True)
def record_worker_heartbeat() -> None:
    _record()
