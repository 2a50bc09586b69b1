"""Writes of the notifications app: the outbox, delivery, the inbox."""

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.backends import ChannelUnavailable, get_sms_backend
from notifications.models import Message

logger = logging.getLogger(__name__)

# A claim older than this belongs to a worker that died mid-delivery.
STALE_CLAIM = timedelta(minutes=5)

Channel = Message.Channel


def notify(
    *,
    user,
    kind: str,
    subject: str,
    body: str,
    link: str = "",
    channels: Iterable[str] = (Channel.INBOX, Channel.SMS),
) -> list[Message]:
    """Write the messages in the caller's transaction; they are enqueued only if it commits."""
    rows = []
    for channel in channels:
        address = {Channel.SMS: user.phone, Channel.EMAIL: user.email}.get(channel, "")
        if channel == Channel.EMAIL and not address:
            continue
        rows.append(
            Message(
                recipient=user,
                channel=channel,
                to_address=address,
                kind=kind,
                subject=subject,
                body=body,
                link=link,
            )
        )
    messages = Message.objects.bulk_create(rows)
    message_ids = [message.pk for message in messages]
    transaction.on_commit(lambda: enqueue_delivery(message_ids))
    return messages


def sms_code_send(*, user, phone: str, code: str) -> Message:
    text = _(
        "[Courier Academy] Your verification code is %(code)s, valid for 5 minutes. Do not share it."
    ) % {"code": code}
    message = Message.objects.create(
        recipient=user,
        channel=Channel.SMS,
        to_address=phone,
        kind="sms_code",
        subject=_("Verification code"),
        body=text,
    )
    transaction.on_commit(lambda: enqueue_delivery([message.pk]))
    return message


def enqueue_delivery(message_ids: Iterable[int]) -> None:
    """Hand the ids to Celery. If the broker is down the rows stay pending and the sweep retries."""
    from notifications.tasks import deliver

    message_ids = list(message_ids)
    for position, message_id in enumerate(message_ids):
        try:
            deliver.apply_async(args=[message_id], retry=False)
        except Exception as error:  # the broker is unreachable: the outbox sweep will pick the rows up
            # Each further try would cost the person another connect timeout for the same answer.
            logger.warning("could not enqueue messages %s: %s", message_ids[position:], error)
            return


def _claim(message_id: int) -> bool:
    now = timezone.now()
    claimable = Q(status=Message.Status.PENDING) | Q(
        status=Message.Status.SENDING, claimed_at__lt=now - STALE_CLAIM
    )
    updated = (
        Message.objects.filter(claimable, pk=message_id)
        .filter(attempts__lt=settings.OUTBOX_MAX_ATTEMPTS)
        .update(status=Message.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    return updated == 1


def message_deliver(*, message_id: int) -> bool:
    """Send one message at most once. Returns whether this call sent it."""
    if not _claim(message_id):
        return False
    message = Message.objects.select_related("recipient").get(pk=message_id)
    try:
        if message.channel == Channel.SMS:
            get_sms_backend().send(phone=message.to_address, text=message.body)
        elif message.channel == Channel.EMAIL:
            send_mail(message.subject, message.body, None, [message.to_address])
        # The inbox channel is delivered by being marked sent: the inbox shows sent rows.
    except ChannelUnavailable as error:
        exhausted = message.attempts >= settings.OUTBOX_MAX_ATTEMPTS
        Message.objects.filter(pk=message_id).update(
            status=Message.Status.FAILED if exhausted else Message.Status.PENDING,
            last_error=str(error)[:300],
        )
        raise
    Message.objects.filter(pk=message_id).update(
        status=Message.Status.SENT, sent_at=timezone.now(), last_error=""
    )
    return True


def outbox_sweep() -> int:
    """Re-enqueue what the broker may have lost. Returns how many were re-enqueued."""
    now = timezone.now()
    older_than = now - timedelta(seconds=settings.OUTBOX_SWEEP_AFTER_SECONDS)
    message_ids = list(
        Message.objects.filter(
            Q(status=Message.Status.PENDING, created_at__lt=older_than)
            | Q(status=Message.Status.SENDING, claimed_at__lt=now - STALE_CLAIM),
            attempts__lt=settings.OUTBOX_MAX_ATTEMPTS,
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )
    enqueue_delivery(message_ids)
    return len(message_ids)


def inbox_mark_read(*, user, message_id: int) -> None:
    Message.objects.filter(pk=message_id, recipient=user, channel=Channel.INBOX, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def inbox_mark_all_read(*, user) -> int:
    return Message.objects.filter(recipient=user, channel=Channel.INBOX, read_at__isnull=True).update(
        read_at=timezone.now()
    )
