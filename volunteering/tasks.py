from celery import shared_task


@shared_task
def expire_unconfirmed_tasks() -> int:
    """Daily: live tasks left unconfirmed 7 days after their day are closed and their details erased."""
    from volunteering.actions import tasks_expire_unconfirmed

    return tasks_expire_unconfirmed()
