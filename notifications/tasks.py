from celery import shared_task

from notifications.backends import ChannelUnavailable


@shared_task(bind=True, acks_late=True, max_retries=8, ignore_result=True)
def deliver_batch(self, message_ids: list[int]) -> None:
    """Deliver a batch of outbox rows (notifications.actions.messages_deliver)."""
    from django.conf import settings

    from notifications.actions import enqueue_delivery, messages_deliver  # the work lives in the actions

    delivery = messages_deliver(message_ids=message_ids, time_budget=settings.OUTBOX_BATCH_SECONDS)
    # The queue the batch came from (its channel's, notifications.actions.delivery_queue).
    queue = (self.request.delivery_info or {}).get("routing_key") or settings.NOTIFICATIONS_QUEUE
    if delivery.left:
        enqueue_delivery(delivery.left, queue=queue)
    if delivery.retry:
        # Only the refused messages are tried again; the rest of the batch is done.
        countdown = min(600, 2**self.request.retries * 5)
        raise self.retry(args=[delivery.retry], exc=delivery.unavailable, countdown=countdown, queue=queue)
    if delivery.error is not None:
        raise delivery.error


@shared_task(bind=True, acks_late=True, max_retries=8, ignore_result=True)
def deliver(self, message_id: int) -> None:
    """One message: the task enqueued before batches, kept for those still in a broker."""
    from notifications.actions import message_deliver

    try:
        message_deliver(message_id=message_id)
    except ChannelUnavailable as error:
        raise self.retry(exc=error, countdown=min(600, 2**self.request.retries * 5)) from error


@shared_task(ignore_result=True)
def sweep_outbox() -> None:
    from notifications.actions import outbox_sweep

    outbox_sweep()
