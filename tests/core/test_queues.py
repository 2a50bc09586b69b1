"""Celery queues per channel (issue 16): every task has its queue, and a slow export never delays a code.

The delivery tests run real Celery workers (threads of this process) on the real Redis broker,
each consuming the queues a production worker of that kind consumes (deploy/compose.yaml).
"""

import base64
import json
import threading
from contextlib import contextmanager

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import transaction

from config.celery import app as celery_app
from notifications import messages
from notifications.actions import delivery_queue, notify, sms_code_send
from notifications.backends import RecordingSMSBackend
from notifications.models import Message
from tests.factories import UserFactory
from tests.notifications.test_outbox import wait_until

Channel = Message.Channel
CODE_TEXT = "【小哥学院】你的验证码是{code}，5分钟内有效，请勿告诉他人。"

# What happened, in order, across the worker threads.
EVENTS: list[str] = []
EXPORT_MAY_FINISH = threading.Event()


@celery_app.task(name="tests.tasks.export_slow_roster", ignore_result=True)
def export_slow_roster(number: int) -> None:
    """A partner export that takes as long as the test wants: until EXPORT_MAY_FINISH is set."""
    EVENTS.append(f"export {number} started")
    EXPORT_MAY_FINISH.wait(timeout=60)
    EVENTS.append(f"export {number} finished")


class CodeOnTheEventList:
    """The recording SMS backend, which also notes on EVENTS when a code went out."""

    def send(self, *, phone: str, text: str) -> None:
        EVENTS.append("code sent")
        RecordingSMSBackend().send(phone=phone, text=text)


def broker() -> redis.Redis:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


def queue_of(task_name: str) -> str:
    return celery_app.amqp.router.route({}, task_name)["queue"].name


@pytest.fixture
def queues():
    """Empty queues, and the export gate closed, before and after the test."""
    names = [queue.name for queue in settings.CELERY_TASK_QUEUES]
    broker().delete(*names)
    EVENTS.clear()
    EXPORT_MAY_FINISH.clear()
    yield names
    EXPORT_MAY_FINISH.set()  # a failed assertion must not leave a worker thread waiting
    broker().delete(*names)


@contextmanager
def worker(name: str, queues: list[str], concurrency: int):
    """A real worker consuming `queues`, as `celery worker -Q` does.

    -Q selects the queues on the app (app.amqp.queues.select), which the worker's consumer reads
    when it starts: the next worker of this process may select others once this one is running,
    and afterwards every queue is selected again, for the workers of other tests.
    """
    try:
        with start_worker(
            celery_app,
            pool="threads",
            concurrency=concurrency,
            queues=queues,
            hostname=f"{name}@test",
            perform_ping_check=False,
            shutdown_timeout=10,
        ) as running:
            yield running
    finally:
        celery_app.amqp.queues.select([queue.name for queue in settings.CELERY_TASK_QUEUES])


# --- Routing ----------------------------------------------------------------------------------


def test_every_task_of_the_portal_has_its_queue():
    celery_app.loader.import_default_modules()
    portal_tasks = sorted(name for name in celery_app.tasks if not name.startswith(("celery.", "tests.")))
    assert {name: queue_of(name) for name in portal_tasks} == {
        "core.tasks.record_worker_heartbeat": "maintenance",
        "dashboard.tasks.refresh_rollups": "maintenance",
        "deliberation.tasks.mark_overdue_actions": "maintenance",
        "notifications.tasks.deliver": "notifications",
        "notifications.tasks.deliver_batch": "notifications",
        "notifications.tasks.sweep_outbox": "maintenance",
        "rewards.tasks.expire_vouchers": "maintenance",
        "volunteering.tasks.expire_unconfirmed_tasks": "maintenance",
        "voice.tasks.expire_help_requests": "maintenance",
        "voice.tasks.delete_old_audio": "maintenance",
    }
    # Every scheduled task too (beat sends them by name).
    scheduled = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    assert {queue_of(name) for name in scheduled} == {"maintenance"}


def test_export_and_import_tasks_are_routed_by_their_names():
    assert queue_of("tests.tasks.export_slow_roster") == "exports"
    assert queue_of("academy.tasks.export_roster_csv") == "exports"
    assert queue_of("services.tasks.import_hsds_directory") == "exports"
    # A task nobody routed lands on the default queue, which the maintenance worker also consumes.
    assert queue_of("academy.tasks.exported_something") == "celery"
    assert queue_of("academy.tasks.rebuild_index") == "celery"


def test_every_queue_is_consumed_by_a_worker_without_q():
    assert [queue.name for queue in settings.CELERY_TASK_QUEUES] == [
        "sms_codes",
        "sms",
        "notifications",
        "exports",
        "maintenance",
        "celery",
    ]


@pytest.mark.parametrize(
    "channel, kind, queue",
    [
        (Channel.SMS, "sms_code", "sms_codes"),
        (Channel.SMS, "sms_account_exists", "sms_codes"),
        (Channel.SMS, "subsidy_approved", "sms"),
        (Channel.INBOX, "subsidy_approved", "notifications"),
        (Channel.EMAIL, "subsidy_approved", "notifications"),
    ],
)
def test_a_message_goes_on_its_channels_queue(channel, kind, queue):
    assert delivery_queue(channel=channel, kind=kind) == queue


def waiting_batches(name: str) -> list[tuple[str, list[int]]]:
    """The tasks waiting in one queue of the real broker: (task name, message ids)."""
    batches = []
    for raw in broker().lrange(name, 0, -1):
        envelope = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
        batches.append((envelope["headers"]["task"], args[0]))
    return batches


@pytest.mark.django_db
def test_one_notice_on_three_channels_waits_on_two_queues(
    queues, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setitem(messages._KINDS, "test", messages.Kind("test", "测试", "%(text)s"))
    user = UserFactory(phone="+8613800000301", email="rider@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        inbox, sms, email = notify(
            user=user,
            kind="test",
            params={"text": "通知"},
            channels=[Channel.INBOX, Channel.SMS, Channel.EMAIL],
        )
    assert waiting_batches("sms") == [("notifications.tasks.deliver_batch", [sms.pk])]
    assert waiting_batches("notifications") == [("notifications.tasks.deliver_batch", [inbox.pk, email.pk])]
    assert {name: broker().llen(name) for name in queues if name not in {"sms", "notifications"}} == {
        "sms_codes": 0,
        "exports": 0,
        "maintenance": 0,
        "celery": 0,
    }


# --- A slow export never delays an SMS code ----------------------------------------------------


def send_code(phone: str, code: str) -> Message:
    user = UserFactory(phone=phone)
    with transaction.atomic():
        return sms_code_send(user=user, phone=phone, code=code)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_slow_export_never_delays_an_sms_code(queues, settings, sms_outbox):
    settings.SMS_BACKEND = "tests.core.test_queues.CodeOnTheEventList"
    with (
        worker("exports", ["exports"], concurrency=1),
        worker("sms", ["sms_codes", "sms"], concurrency=2),
    ):
        export_slow_roster.delay(1)
        export_slow_roster.delay(2)
        assert wait_until(lambda: EVENTS == ["export 1 started"])
        code = send_code("+8613800000302", "246810")

        assert wait_until(lambda: Message.objects.get(pk=code.pk).status == Message.Status.SENT)
        # The code went out while the export worker was still busy with the first export and
        # the second still waited in its queue.
        assert EVENTS == ["export 1 started", "code sent"]
        assert [task for task, _args in waiting_batches("exports")] == ["tests.tasks.export_slow_roster"]
        assert [sms.text for sms in sms_outbox] == [CODE_TEXT.format(code="246810")]

        EXPORT_MAY_FINISH.set()
        assert wait_until(lambda: EVENTS[-1:] == ["export 2 finished"])
    assert EVENTS == [
        "export 1 started",
        "code sent",
        "export 1 finished",
        "export 2 started",
        "export 2 finished",
    ]


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_on_one_worker_with_one_slot_the_code_waits_for_the_export(queues, settings, sms_outbox):
    """The case the separate export worker prevents: what the test above would see without it."""
    settings.SMS_BACKEND = "tests.core.test_queues.CodeOnTheEventList"
    with worker("everything", ["sms_codes", "exports"], concurrency=1):
        export_slow_roster.delay(1)
        assert wait_until(lambda: EVENTS == ["export 1 started"])
        code = send_code("+8613800000303", "135790")
        EXPORT_MAY_FINISH.set()
        assert wait_until(lambda: Message.objects.get(pk=code.pk).status == Message.Status.SENT)
    assert EVENTS == ["export 1 started", "export 1 finished", "code sent"]
    assert [sms.text for sms in sms_outbox] == [CODE_TEXT.format(code="135790")]
