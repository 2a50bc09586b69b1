"""Writes of the notifications app: the outbox, delivery, the inbox."""

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
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
    _enqueue_on_commit([(message.pk, message.channel, message.kind) for message in messages])
    return messages


# Stands for the code in the stored body of a code SMS.
REDACTED_CODE = "******"
EXPIRED_BEFORE_DELIVERY = "expired before delivery"
# The SMS a person waits for on a login or sign-up form: sent on settings.SMS_CODE_QUEUE.
CODE_KINDS = frozenset({"sms_code", "sms_account_exists"})


def delivery_queue(*, channel: str, kind: str) -> str:
    """The Celery queue of a message (config/settings.py): codes, other SMS, or inbox and e-mail.

    One task delivers every channel, so the queue is chosen here, by the message, not by the
    task's name: a slow SMS gateway then holds up only the SMS worker, never the inbox.
    """
    if kind in CODE_KINDS:
        return settings.SMS_CODE_QUEUE
    if channel == Channel.SMS:
        return settings.SMS_QUEUE
    return settings.NOTIFICATIONS_QUEUE


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
    transaction.on_commit(lambda: enqueue_delivery([message.pk], queue=settings.SMS_CODE_QUEUE))
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
    transaction.on_commit(lambda: enqueue_delivery([message.pk], queue=settings.SMS_CODE_QUEUE))
    return message


def enqueue_delivery(message_ids: Iterable[int], *, queue: str) -> None:
    """Hand the ids to Celery, OUTBOX_BATCH_SIZE to a task, on `queue` (delivery_queue of the
    messages). If the broker is down the rows stay pending and the sweep retries.
    """
    from notifications.tasks import deliver_batch

    message_ids = list(message_ids)
    size = settings.OUTBOX_BATCH_SIZE
    for start in range(0, len(message_ids), size):
        try:
            batch = message_ids[start : start + size]
            # A short argsrepr: Celery's own repr of 1,000 ids cost as much as sending them.
            argsrepr = f"[{len(batch)} ids {batch[0]}..{batch[-1]}]"
            deliver_batch.apply_async(args=[batch], queue=queue, retry=False, argsrepr=argsrepr)
        except Exception as error:  # the broker is unreachable: the outbox sweep will pick the rows up
            # Each further try would cost the person another connect timeout for the same answer.
            logger.warning("could not enqueue messages %s: %s", message_ids[start:], error)
            return


def enqueue_by_channel(rows: Iterable[tuple[int, str, str]]) -> None:
    """Enqueue (id, channel, kind) rows, each on its delivery_queue."""
    ids_by_queue: dict[str, list[int]] = {}
    for message_id, channel, kind in rows:
        ids_by_queue.setdefault(delivery_queue(channel=channel, kind=kind), []).append(message_id)
    for queue, message_ids in ids_by_queue.items():
        enqueue_delivery(message_ids, queue=queue)


class _PendingEnqueue:
    """The (id, channel, kind) rows of one connection's committed notices not enqueued yet, and
    the number of the last notice registered (each notice's commit hook knows its own number)."""

    def __init__(self) -> None:
        self.ready: list[tuple[int, str, str]] = []
        self.last = 0


def _enqueue_on_commit(rows: list[tuple[int, str, str]]) -> None:
    """Like on_commit(enqueue_delivery), but a transaction that notifies 50,000 people hands
    Celery 50 tasks of 1,000 ids, not 50,000 tasks (one apply_async costs a broker round trip).

    Each notice registers its own commit hook (transaction.on_commit, so a rollback of the
    transaction or of the savepoint it was made in drops it with its ids). The hooks run in order
    once the transaction commits: each adds its ids to the ready list, and the hook of the last
    notice enqueues the list at once. Outside a transaction the hook runs at once. Should the last
    notice itself have been rolled back with a savepoint, the ids of the others wait for the next
    commit on this connection (or the outbox sweep, which sends every pending row).
    """
    connection = transaction.get_connection()
    pending: _PendingEnqueue | None = getattr(connection, "_outbox_pending", None)
    if pending is None:
        pending = _PendingEnqueue()
        connection._outbox_pending = pending
    pending.last += 1
    number = pending.last

    def flush() -> None:
        pending.ready.extend(rows)
        if number == pending.last:
            ready, pending.ready = pending.ready, []
            enqueue_by_channel(ready)

    # robust: the rows are committed whatever happens here (the sweep sends what is not enqueued).
    transaction.on_commit(flush, robust=True)


@dataclass
class Delivery:
    """What one delivery call did with the ids it was given."""

    sent: list[int] = field(default_factory=list)
    # Refused by the channel for now (ChannelUnavailable) with attempts left: pending again.
    retry: list[int] = field(default_factory=list)
    unavailable: ChannelUnavailable | None = None
    # Claimed but not tried within the time budget: given back, for another task.
    left: list[int] = field(default_factory=list)
    # A bug while sending one message: that row stays claimed (the sweep takes it up again after
    # STALE_CLAIM); the others are delivered and the error is raised afterwards.
    error: Exception | None = None


_CLAIMED_FIELDS = (
    "id",
    "channel",
    "to_address",
    "kind",
    "subject",
    "body",
    "secret_body",
    "expires_at",
    "attempts",
    "last_error",
    "send_unconfirmed",
    "created_at",
)


def _claim(message_ids: list[int]) -> list[Message]:
    """Claim every deliverable row among the ids: one transaction for the whole batch.

    FOR UPDATE SKIP LOCKED leaves a row another worker is claiming at this moment to it; a row
    it has claimed already no longer matches (SENDING with a fresh claim).
    """
    now = timezone.now()
    claimable = Q(status=Message.Status.PENDING) | Q(
        status=Message.Status.SENDING, claimed_at__lt=now - STALE_CLAIM
    )
    with transaction.atomic():
        claimed = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(claimable, pk__in=message_ids, attempts__lt=settings.OUTBOX_MAX_ATTEMPTS)
            .only(*_CLAIMED_FIELDS)
            .order_by("pk")
        )
        Message.objects.filter(pk__in=[message.pk for message in claimed]).update(
            status=Message.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    for message in claimed:
        message.attempts += 1
    return claimed


def _send(message: Message) -> Accepted | None:
    """Send one message; an SMS provider's id for it when the provider gives one."""
    text = crypto.decrypt(message.secret_body) if message.secret_body else message.body
    if message.channel == Channel.SMS:
        return deliver_sms(outgoing_sms(message, text))
    if message.channel == Channel.EMAIL:
        send_mail(message.subject, text, None, [message.to_address])
    # The inbox channel is delivered by being marked sent: the inbox shows sent rows.
    return None


# Inbox rows are marked sent in groups of this many: a batch of 500 costs a handful of commits,
# not 500, and a worker killed mid-batch only marks them again (nothing left the portal). A row
# that leaves the portal (SMS, e-mail) is marked at once after its send, so such a worker sends
# at most one message again after STALE_CLAIM, as before batching.
MARK_SENT_EVERY = 50
LEAVES_THE_PORTAL = frozenset({Channel.SMS, Channel.EMAIL})


def _mark_sent(message_ids: list[int], accepted: Accepted | None = None) -> None:
    if message_ids:
        provider = (
            {"provider": accepted.provider, "provider_message_id": accepted.provider_message_id}
            if accepted
            else {}
        )
        Message.objects.filter(pk__in=message_ids).update(
            status=Message.Status.SENT,
            sent_at=timezone.now(),
            last_error="",
            secret_body="",
            send_unconfirmed=False,
            **provider,
        )
        message_ids.clear()


def messages_deliver(*, message_ids: Iterable[int], time_budget: float | None = None) -> Delivery:
    """Send each of the messages at most once, a batch at a time (see Delivery for the outcome).

    One claim for the batch, then the sends: an SMS or e-mail marked sent right after it went,
    inbox rows every MARK_SENT_EVERY. A message the
    channel refuses does not hold up the others. After `time_budget` seconds the rest is given
    back unclaimed (`left`), so a task never runs into its time limit mid-batch.
    """
    delivery = Delivery()
    claimed = _claim(list(message_ids))
    now = timezone.now()
    # A code nobody can use any more is not worth an SMS.
    expired = [
        message.pk for message in claimed if message.expires_at is not None and message.expires_at <= now
    ]
    if expired:
        Message.objects.filter(pk__in=expired).update(
            status=Message.Status.FAILED, secret_body="", last_error=EXPIRED_BEFORE_DELIVERY
        )
    deadline = None if time_budget is None else time.monotonic() + time_budget
    to_mark: list[int] = []
    for position, message in enumerate(claimed):
        if message.pk in expired:
            continue
        if deadline is not None and time.monotonic() > deadline:
            delivery.left = [later.pk for later in claimed[position:] if later.pk not in expired]
            Message.objects.filter(pk__in=delivery.left).update(
                status=Message.Status.PENDING, claimed_at=None, attempts=F("attempts") - 1
            )
            break
        try:
            accepted = _send(message)
        except SMSRejected as error:
            # The provider will never take it (bad number, template refused): no retry.
            Message.objects.filter(pk=message.pk).update(
                status=Message.Status.FAILED,
                secret_body="",
                send_unconfirmed=False,
                last_error=str(error)[:300],
            )
            continue
        except ChannelUnavailable as error:
            exhausted = message.attempts >= settings.OUTBOX_MAX_ATTEMPTS
            update: dict[str, object] = {
                "status": Message.Status.FAILED if exhausted else Message.Status.PENDING,
                # The provider may have the message: the retry asks it first (a code is never sent twice).
                "send_unconfirmed": isinstance(error, DeliveryUncertain),
            }
            if exhausted:
                update["secret_body"] = ""
            else:
                delivery.retry.append(message.pk)
            Message.objects.filter(pk=message.pk).update(last_error=str(error)[:300], **update)
            delivery.unavailable = delivery.unavailable or error
            continue
        except Exception as error:
            logger.exception("message %s could not be sent", message.pk)
            delivery.error = delivery.error or error
            continue
        delivery.sent.append(message.pk)
        if message.channel in LEAVES_THE_PORTAL:
            _mark_sent([message.pk], accepted)
            continue
        to_mark.append(message.pk)
        if len(to_mark) >= MARK_SENT_EVERY:
            _mark_sent(to_mark)
    _mark_sent(to_mark)
    return delivery


def message_deliver(*, message_id: int) -> bool:
    """Send one message at most once. Returns whether this call sent it; raises what sending raised."""
    delivery = messages_deliver(message_ids=[message_id])
    if delivery.error is not None:
        raise delivery.error
    if delivery.unavailable is not None:
        raise delivery.unavailable
    return message_id in delivery.sent


def outbox_sweep() -> int:
    """Re-enqueue what the broker may have lost. Returns how many were re-enqueued.

    Messages past their expiry are given up instead, and their secrets wiped.
    """
    now = timezone.now()
    Message.objects.filter(expires_at__lte=now).exclude(secret_body="").update(
        status=Message.Status.FAILED, secret_body="", last_error=EXPIRED_BEFORE_DELIVERY
    )
    older_than = now - timedelta(seconds=settings.OUTBOX_SWEEP_AFTER_SECONDS)
    rows = list(
        Message.objects.filter(
            Q(status=Message.Status.PENDING, created_at__lt=older_than)
            | Q(status=Message.Status.SENDING, claimed_at__lt=now - STALE_CLAIM),
            attempts__lt=settings.OUTBOX_MAX_ATTEMPTS,
        )
        .exclude(expires_at__lte=now)
        .order_by("created_at")
        .values_list("pk", "channel", "kind")[:500]
    )
    enqueue_by_channel(rows)
    return len(rows)


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
