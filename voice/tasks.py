from celery import shared_task


@shared_task
def expire_help_requests() -> int:
    """Hourly: open help requests whose time window is over are closed and their details erased."""
    from voice.actions import requests_expire

    return requests_expire()
