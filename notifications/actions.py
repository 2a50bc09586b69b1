"""Writes of the notifications app: the outbox, delivery, the inbox."""

import logging
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from core import crypto
from notifications import messages as catalogue
from notifications.backends import (
    Accepted,
    ChannelUnavailable,
    DeliveryUncertain,
    Receipt,
    SMSRejected,
    deliver_sms,
    outgoing_sms,
)
from notifications.models import Message

if TYPE_CHECKING:
    # For annotations only: notifications sits beside accounts in the layers and
    # imports nothing of it at run time.
    from accounts.models import User

logger = logging.getLogger(__name__)

# A claim older than this belongs to a worker that died mid-delivery.
STALE_CLAIM = timedelta(minutes=5)

Channel = Message.Channel


def notify(
    *,
    user: "User",
    kind: str,
    params: Mapping[str, object] | None = None,
    link: str = "",
    channels: Iterable[str] = (Channel.INBOX, Channel.SMS),
) -> list[Message]:
    """Write the messages in the caller's transaction; they are enqueued only if it commits.

    `kind` names an entry of the catalogue (notifications.messages); its subject and body are
    rendered here with `params`, in the recipient's language, whatever language the acting person
    reads. Params may be lazy texts and dates: they are rendered in that language too.
    """
    if not catalogue.get(kind).via_notify:
        raise ValueError(f"message kind {kind!r} has its own send function")
    subject, body = catalogue.render(kind, params, language=catalogue.recipient_language(user))
    rows = []
    for channel in channels:
        addresses: dict[str, str] = {Channel.SMS: user.phone, Channel.EMAIL: user.email}
        address = addresses.get(channel, "")
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


# Stands for the code in the stored body of a code SMS.
REDACTED_CODE = "******"
EXPIRED_BEFORE_DELIVERY = "expired before delivery"


def sms_code_send(*, user: "User", phone: str, code: str) -> Message:
    """Queue the SMS with a sign-up or login code.

    The row keeps the text with the code only encrypted, until it is delivered (or expires
    or fails for good), then wipes it; its `body` says "******" in place of the code. So
    the outbox, the admin and a database dump never show a live or used code, while the
    worker still sends exactly the text written here, in the requester's language. (Rendering
    the text at send time from a kept code would need the code anyway, and the language.)
    """
    language = translation.get_language()
    subject, shown = catalogue.render("sms_code", {"code": REDACTED_CODE}, language=language)
    _subject, text = catalogue.render("sms_code", {"code": code}, language=language)
    message = Message.objects.create(
        recipient=user,
        channel=Channel.SMS,
        to_address=phone,
        kind="sms_code",
        subject=subject,
        body=shown,
        secret_body=crypto.encrypt(text),
        expires_at=timezone.now() + timedelta(seconds=settings.SMS_CODE_VALID_SECONDS),
    )
    transaction.on_commit(lambda: enqueue_delivery([message.pk]))
    return message


def sms_account_exists_send(*, user: "User", phone: str) -> Message:
    """Someone signed up with a registered number: tell its owner to log in instead (no code).

    In the requester's language, like the code SMS."""
    subject, body = catalogue.render("sms_account_exists", language=translation.get_language())
    message = Message.objects.create(
        recipient=user,
        channel=Channel.SMS,
        to_address=phone,
        kind="sms_account_exists",
        subject=subject,
        body=body,
        expires_at=timezone.now() + timedelta(seconds=settings.SMS_CODE_VALID_SECONDS),
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
    if message.expires_at is not None and message.expires_at <= timezone.now():
        # A code nobody can use any more is not worth an SMS.
        Message.objects.filter(pk=message_id).update(
            status=Message.Status.FAILED, secret_body="", last_error=EXPIRED_BEFORE_DELIVERY
        )
        return False
    text = crypto.decrypt(message.secret_body) if message.secret_body else message.body
    accepted: Accepted | None = None
    try:
        if message.channel == Channel.SMS:
            accepted = deliver_sms(outgoing_sms(message, text))
        elif message.channel == Channel.EMAIL:
            send_mail(message.subject, text, None, [message.to_address])
        # The inbox channel is delivered by being marked sent: the inbox shows sent rows.
    except SMSRejected as error:
        # The provider will never take it (bad number, template refused): no retry.
        Message.objects.filter(pk=message_id).update(
            status=Message.Status.FAILED, secret_body="", send_unconfirmed=False, last_error=str(error)[:300]
        )
        return False
    except ChannelUnavailable as error:
        exhausted = message.attempts >= settings.OUTBOX_MAX_ATTEMPTS
        update: dict[str, object] = {"status": Message.Status.FAILED if exhausted else Message.Status.PENDING}
        if exhausted:
            update["secret_body"] = ""
        update["send_unconfirmed"] = isinstance(error, DeliveryUncertain)
        Message.objects.filter(pk=message_id).update(last_error=str(error)[:300], **update)
        raise
    provider = (
        {"provider": accepted.provider, "provider_message_id": accepted.provider_message_id}
        if accepted
        else {}
    )
    Message.objects.filter(pk=message_id).update(
        status=Message.Status.SENT,
        sent_at=timezone.now(),
        last_error="",
        secret_body="",
        send_unconfirmed=False,
        **provider,
    )
    return True


def outbox_sweep() -> int:
    """Re-enqueue what the broker may have lost. Returns how many were re-enqueued.

    Messages past their expiry are given up instead, and their secrets wiped.
    """
    now = timezone.now()
    Message.objects.filter(expires_at__lte=now).exclude(secret_body="").update(
        status=Message.Status.FAILED, secret_body="", last_error=EXPIRED_BEFORE_DELIVERY
    )
    older_than = now - timedelta(seconds=settings.OUTBOX_SWEEP_AFTER_SECONDS)
    message_ids = list(
        Message.objects.filter(
            Q(status=Message.Status.PENDING, created_at__lt=older_than)
            | Q(status=Message.Status.SENDING, claimed_at__lt=now - STALE_CLAIM),
            attempts__lt=settings.OUTBOX_MAX_ATTEMPTS,
        )
        .exclude(expires_at__lte=now)
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )
    enqueue_delivery(message_ids)
    return len(message_ids)


def inbox_mark_read(*, user: "User", message_id: int) -> None:
    Message.objects.filter(pk=message_id, recipient=user, channel=Channel.INBOX, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def inbox_mark_all_read(*, user: "User") -> int:
    return Message.objects.filter(recipient=user, channel=Channel.INBOX, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def receipts_record(*, provider: str, receipts: Iterable[Receipt]) -> int:
    """Record a provider's delivery receipts on their outbox rows. Returns how many rows changed.

    A row takes its first receipt only: providers push a receipt again when our answer was slow,
    and a repeated or unknown one changes nothing. A row is found by the provider's id for it, or
    (Aliyun) by our own id echoed back, for a row whose provider id was never learned (accepted
    during an attempt that got no answer).
    """
    now = timezone.now()
    changed = 0
    for receipt in receipts:
        match = Q(provider_message_id=receipt.provider_message_id) if receipt.provider_message_id else Q()
        if receipt.message_id is not None:
            by_our_id = Q(pk=receipt.message_id, provider_message_id="")
            match = (match | by_our_id) if receipt.provider_message_id else by_our_id
        elif not receipt.provider_message_id:
            continue
        changed += Message.objects.filter(
            match,
            provider=provider,
            channel=Channel.SMS,
            status=Message.Status.SENT,
            delivery_status="",
        ).update(
            delivery_status=Message.Delivery.DELIVERED if receipt.delivered else Message.Delivery.UNDELIVERED,
            delivery_error=receipt.code[:64],
            delivery_reported_at=receipt.reported_at or now,
        )
    return changed
