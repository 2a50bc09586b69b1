from celery import shared_task


@shared_task
def mark_overdue_actions() -> int:
    """Hourly (config/celery.py): follow-up actions past their due date become overdue."""
    from deliberation.actions import followups_mark_overdue

    return followups_mark_overdue()
