from celery import shared_task


@shared_task(ignore_result=True)
def refresh_rollups() -> int:
    """Every few minutes (config/celery.py): the dashboard's rollups rebuilt from the live tables."""
    from dashboard.actions import rollups_refresh

    return rollups_refresh().rows
