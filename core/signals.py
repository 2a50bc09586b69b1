from celery.signals import worker_ready


@worker_ready.connect
def record_heartbeat_on_start(**_kwargs) -> None:
    # /healthz should see a new worker at once, not after the first beat tick.
    from core.health import record_worker_heartbeat

    record_worker_heartbeat()
