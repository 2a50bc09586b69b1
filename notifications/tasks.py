from celery import shared_task

from notifications.backends import ChannelUnavailable


@shared_task(bind=True, acks_late=True, max_retries=8, ignore_result=True)
def deliver(self, message_id: int) -> None:
    from notifications.actions import message_deliver  # the work lives in the action

    try:
        message_deliver(message_id=message_id)
    except ChannelUnavailable as error:
        raise self.retry(exc=error, countdown=min(600, 2**self.request.retries * 5)) from error


@shared_task(ignore_result=True)
def sweep_outbox() -> None:
    from notifications.actions import outbox_sweep

    outbox_sweep()
