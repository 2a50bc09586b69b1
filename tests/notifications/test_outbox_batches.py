"""Delivery in batches (issue 23): a burst is a few tasks, one claim per batch, exactly once."""

import time
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from notifications import messages
from notifications.actions import (
    MARK_SENT_EVERY,
    enqueue_delivery,
    messages_deliver,
    notify,
    outbox_sweep,
    sms_code_send,
)
from notifications.backends import ChannelUnavailable, RecordingSMSBackend
from notifications.models import Message
from notifications.tasks import deliver_batch
from tests.factories import UserFactory
from tests.notifications.test_outbox import wait_until

SMS = Message.Channel.SMS
Status = Message.Status


@pytest.fixture(autouse=True)
def _a_test_kind(monkeypatch):
    monkeypatch.setitem(messages._KINDS, "test", messages.Kind("test", "测试", "%(text)s"))


class FailsForOnePhone:
    """The gateway refuses one number (throttled) and takes every other."""

    phone = "+8613900000002"

    def send(self, *, phone: str, text: str) -> None:
        if phone == self.phone:
            raise ChannelUnavailable("throttled")
        RecordingSMSBackend().send(phone=phone, text=text)


class BreaksForOnePhone(FailsForOnePhone):
    def send(self, *, phone: str, text: str) -> None:
        if phone == self.phone:
            raise KeyError("a bug in the backend")
        RecordingSMSBackend().send(phone=phone, text=text)


def statuses(ids: list[int]) -> list[tuple[str, int]]:
    return [
        tuple(row)
        for row in Message.objects.filter(pk__in=ids).order_by("pk").values_list("status", "attempts")
    ]


def sms_rows(count: int, *, prefix: str = "批量", channel: str = SMS) -> list[int]:
    user = UserFactory(phone="+8613800000201")
    rows = [
        Message(
            recipient=user,
            channel=channel,
            to_address=f"+86139{n:08d}" if channel == SMS else "",
            kind="test",
            subject="s",
            body=f"{prefix}{n}",
        )
        for n in range(count)
    ]
    return [message.pk for message in Message.objects.bulk_create(rows)]


@pytest.mark.django_db
def test_inbox_rows_of_a_batch_are_claimed_once_and_marked_sent_in_a_few_statements():
    ids = sms_rows(2 * MARK_SENT_EVERY, channel=Message.Channel.INBOX)
    with CaptureQueriesContext(connection) as queries:
        delivery = messages_deliver(message_ids=ids)
    assert delivery.sent == ids
    assert statuses(ids) == [(Status.SENT, 1)] * len(ids)
    # SAVEPOINT, SELECT ... FOR UPDATE SKIP LOCKED, UPDATE (claim), RELEASE; two UPDATEs (sent).
    assert len(queries) == 6
    assert messages_deliver(message_ids=ids).sent == []


class CountsTheSentBeforeEach(RecordingSMSBackend):
    """Records, as each SMS goes, how many SMS rows are already marked sent."""

    sent_before: list[int] = []

    def send(self, *, phone: str, text: str) -> None:
        self.sent_before.append(Message.objects.filter(channel=SMS, status=Status.SENT).count())
        super().send(phone=phone, text=text)


@pytest.mark.django_db
def test_an_sms_of_a_batch_is_marked_sent_right_after_it_went(settings, sms_outbox, monkeypatch):
    settings.SMS_BACKEND = "tests.notifications.test_outbox_batches.CountsTheSentBeforeEach"
    monkeypatch.setattr(CountsTheSentBeforeEach, "sent_before", [])
    ids = sms_rows(2 * MARK_SENT_EVERY)
    with CaptureQueriesContext(connection) as queries:
        delivery = messages_deliver(message_ids=ids)
    assert delivery.sent == ids
    # Every earlier SMS of the batch is SENT when the next one goes: a worker killed now would
    # send only the one in hand again.
    assert CountsTheSentBeforeEach.sent_before == list(range(2 * MARK_SENT_EVERY))
    assert [sms.text for sms in sms_outbox] == [f"批量{n}" for n in range(2 * MARK_SENT_EVERY)]
    assert statuses(ids) == [(Status.SENT, 1)] * len(ids)
    # The claim's four statements, then per SMS the backend's own count and one UPDATE (sent).
    assert len(queries) == 4 + 2 * 2 * MARK_SENT_EVERY
    # Delivered again (the broker redelivers a task): nothing is sent twice.
    assert messages_deliver(message_ids=ids).sent == []
    assert len(sms_outbox) == 2 * MARK_SENT_EVERY


@pytest.mark.django_db
def test_a_message_refused_in_the_middle_of_a_batch_is_retried_alone(settings, sms_outbox):
    settings.SMS_BACKEND = "tests.notifications.test_outbox_batches.FailsForOnePhone"
    ids = sms_rows(5)
    delivery = messages_deliver(message_ids=ids)
    assert (delivery.sent, delivery.retry, str(delivery.unavailable)) == (
        [ids[0], ids[1], ids[3], ids[4]],
        [ids[2]],
        "throttled",
    )
    assert [sms.phone for sms in sms_outbox] == [
        "+8613900000000",
        "+8613900000001",
        "+8613900000003",
        "+8613900000004",
    ]
    assert statuses(ids) == [
        (Status.SENT, 1),
        (Status.SENT, 1),
        (Status.PENDING, 1),
        (Status.SENT, 1),
        (Status.SENT, 1),
    ]
    assert Message.objects.get(pk=ids[2]).last_error == "throttled"
    # The retry takes the refused one only (now accepted); the others are not sent again.
    settings.SMS_BACKEND = "notifications.backends.RecordingSMSBackend"
    assert messages_deliver(message_ids=ids).sent == [ids[2]]
    assert [sms.phone for sms in sms_outbox][-1] == "+8613900000002"
    assert len(sms_outbox) == 5
    assert statuses(ids) == [
        (Status.SENT, 1),
        (Status.SENT, 1),
        (Status.SENT, 2),
        (Status.SENT, 1),
        (Status.SENT, 1),
    ]


@pytest.mark.django_db
def test_a_bug_in_the_middle_of_a_batch_leaves_that_row_claimed_and_delivers_the_rest(settings, sms_outbox):
    settings.SMS_BACKEND = "tests.notifications.test_outbox_batches.BreaksForOnePhone"
    ids = sms_rows(4)
    delivery = messages_deliver(message_ids=ids)
    assert delivery.sent == [ids[0], ids[1], ids[3]]
    assert isinstance(delivery.error, KeyError)
    assert len(sms_outbox) == 3
    # The stale-claim sweep takes the broken row up again later; nothing else is sent twice.
    assert statuses(ids) == [(Status.SENT, 1), (Status.SENT, 1), (Status.SENDING, 1), (Status.SENT, 1)]


@pytest.mark.django_db
def test_the_task_retries_only_the_refused_messages(settings, sms_outbox):
    settings.SMS_BACKEND = "tests.notifications.test_outbox_batches.FailsForOnePhone"
    ids = sms_rows(3)
    retrying = mock.patch.object(deliver_batch, "retry", side_effect=RuntimeError("retry"))
    with retrying as retry, pytest.raises(RuntimeError):
        deliver_batch.apply(args=[ids], throw=True)
    assert retry.call_args.kwargs["args"] == [[ids[2]]]
    assert str(retry.call_args.kwargs["exc"]) == "throttled"
    assert len(sms_outbox) == 2


@pytest.mark.django_db
def test_what_the_time_budget_leaves_is_given_back_unclaimed(sms_outbox):
    ids = sms_rows(3)
    with mock.patch("notifications.actions.time.monotonic", side_effect=[0.0, 0.0, 5.0]):
        delivery = messages_deliver(message_ids=ids, time_budget=1.0)
    assert (delivery.sent, delivery.left) == ([ids[0]], [ids[1], ids[2]])
    assert statuses(ids) == [(Status.SENT, 1), (Status.PENDING, 0), (Status.PENDING, 0)]
    assert messages_deliver(message_ids=delivery.left).sent == [ids[1], ids[2]]
    assert len(sms_outbox) == 3


@pytest.mark.django_db
def test_a_burst_is_enqueued_as_a_few_tasks(settings):
    settings.OUTBOX_BATCH_SIZE = 500
    with mock.patch.object(deliver_batch, "apply_async") as apply_async:
        enqueue_delivery(range(1, 1201), queue="sms")
    assert [
        (call.kwargs["args"][0][0], len(call.kwargs["args"][0]), call.kwargs["queue"])
        for call in apply_async.call_args_list
    ] == [
        (1, 500, "sms"),
        (501, 500, "sms"),
        (1001, 200, "sms"),
    ]


@pytest.mark.django_db(transaction=True)
def test_the_notices_of_one_transaction_are_enqueued_together_after_it_commits():
    users = UserFactory.create_batch(3)
    with mock.patch.object(deliver_batch, "apply_async") as apply_async:
        with transaction.atomic():
            for user in users:
                notify(user=user, kind="test", params={"text": "公告"}, channels=[Message.Channel.INBOX])
            assert apply_async.call_count == 0
        (call,) = apply_async.call_args_list
        assert call.kwargs["args"] == [list(Message.objects.order_by("pk").values_list("pk", flat=True))]
        # A rolled-back transaction enqueues nothing, and the next one starts its own list.
        with pytest.raises(RuntimeError), transaction.atomic():
            notify(user=users[0], kind="test", params={"text": "撤回"}, channels=[Message.Channel.INBOX])
            raise RuntimeError
        with transaction.atomic():
            (later,) = notify(
                user=users[1], kind="test", params={"text": "之后"}, channels=[Message.Channel.INBOX]
            )
        assert apply_async.call_args_list[1].kwargs["args"] == [[later.pk]]
        # So does one whose first notice was in a savepoint that was rolled back.
        with transaction.atomic():
            with pytest.raises(RuntimeError), transaction.atomic():
                notify(user=users[0], kind="test", params={"text": "撤回"}, channels=[Message.Channel.INBOX])
                raise RuntimeError
            (kept,) = notify(
                user=users[2], kind="test", params={"text": "保留"}, channels=[Message.Channel.INBOX]
            )
        assert apply_async.call_args_list[2].kwargs["args"] == [[kept.pk]]
        assert apply_async.call_count == 3


@pytest.mark.django_db(transaction=True)
def test_notices_whose_last_one_was_rolled_back_go_with_the_next_commit():
    users = UserFactory.create_batch(2)
    with mock.patch.object(deliver_batch, "apply_async") as apply_async:
        with transaction.atomic():
            (kept,) = notify(
                user=users[0], kind="test", params={"text": "保留"}, channels=[Message.Channel.INBOX]
            )
            with pytest.raises(RuntimeError), transaction.atomic():
                notify(user=users[1], kind="test", params={"text": "撤回"}, channels=[Message.Channel.INBOX])
                raise RuntimeError
        # The hook of the last notice was rolled back: nothing is enqueued yet (the sweep would send it) …
        assert apply_async.call_count == 0
        assert Message.objects.get().pk == kept.pk
        # … and the next commit on this connection takes it along.
        (later,) = notify(
            user=users[1], kind="test", params={"text": "之后"}, channels=[Message.Channel.INBOX]
        )
        (call,) = apply_async.call_args_list
        assert call.kwargs["args"] == [[kept.pk, later.pk]]


@pytest.mark.django_db(transaction=True)
def test_a_code_goes_on_its_own_queue():
    user = UserFactory(phone="+8613800000202")
    with mock.patch.object(deliver_batch, "apply_async") as apply_async, transaction.atomic():
        message = sms_code_send(user=user, phone=user.phone, code="135790")
    apply_async.assert_called_once_with(
        args=[[message.pk]], queue="sms_codes", retry=False, argsrepr=f"[1 ids {message.pk}..{message.pk}]"
    )


class SlowSMSBackend:
    """A gateway that takes 5 ms a message: a burst of 600 keeps two worker threads busy for 1.5 s."""

    def send(self, *, phone: str, text: str) -> None:
        time.sleep(0.005)
        RecordingSMSBackend().send(phone=phone, text=text)


@pytest.mark.integration
@pytest.mark.slow(
    reason="a real Celery worker delivers a 600-message burst at 5 ms a message, and a code beside it"
)
def test_a_code_is_delivered_while_a_burst_is_still_pending(celery_worker_thread, settings, sms_outbox):
    settings.SMS_BACKEND = "tests.notifications.test_outbox_batches.SlowSMSBackend"
    settings.OUTBOX_BATCH_SIZE = 20
    burst = sms_rows(600, prefix="通知")
    enqueue_delivery(burst, queue="sms")  # 30 tasks on the queue of the other SMS
    user = UserFactory(phone="+8613800000203")
    with transaction.atomic():
        code = sms_code_send(user=user, phone=user.phone, code="246810")
    assert wait_until(lambda: Message.objects.get(pk=code.pk).status == Status.SENT, timeout=10)
    assert Message.objects.filter(pk__in=burst).exclude(status=Status.SENT).count() > 300
    texts = [sms.text for sms in sms_outbox]
    # Behind at most the batches the two threads had already taken (one queue would put it last).
    assert texts.index("【小哥学院】你的验证码是246810，5分钟内有效，请勿告诉他人。") <= 4 * 20
    # The burst is delivered too, each message once.
    assert wait_until(lambda: Message.objects.filter(pk__in=burst, status=Status.SENT).count() == 600)
    assert len(sms_outbox) == 601
    assert len({sms.text for sms in sms_outbox}) == 601


@pytest.mark.django_db
def test_the_sweep_puts_a_lost_code_back_on_its_own_queue(settings):
    settings.OUTBOX_SWEEP_AFTER_SECONDS = 0
    user = UserFactory(phone="+8613800000204")
    with mock.patch.object(deliver_batch, "apply_async"):
        code = sms_code_send(user=user, phone=user.phone, code="112233")
        (notice,) = notify(user=user, kind="test", params={"text": "通知"}, channels=[SMS])
    with mock.patch.object(deliver_batch, "apply_async") as apply_async:
        assert outbox_sweep() == 2
    assert [(call.kwargs["args"], call.kwargs["queue"]) for call in apply_async.call_args_list] == [
        ([[code.pk]], "sms_codes"),
        ([[notice.pk]], "sms"),
    ]
