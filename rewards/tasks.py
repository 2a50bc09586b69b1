from celery import shared_task


@shared_task(acks_late=True)
def expire_vouchers() -> int:
    """Every 10 minutes (config/celery.py): unclaimed vouchers past their time give the points back."""
    from django.utils import timezone

    from rewards.actions import vouchers_expire

    return vouchers_expire(now=timezone.now())
