"""A burst of 50,000 notifications through a real Celery worker (issue 23).

Starts `celery worker` (prefork, concurrency 2, as `make run` does) on the bench database with
the console SMS backend, then, in interleaved rounds:

- baseline: a bare no-op task (bench.noop_task), 3,000 of them, tasks per second;
- measured: 50,000 SMS outbox rows handed to `enqueue_delivery`, messages per second until the
  broker holds none of their tasks, all rows then checked sent exactly once.

Prints the delivery rate over the no-op rate (goal >= 0.9) and the time `enqueue_delivery`
took for the 50,000 ids over 2 s (goal <= 1), each min / median / max over the rounds. A round ends when
the queue is empty and no task is unacknowledged (acks_late), the same test for both sides.
"""

import os
import statistics
import subprocess
import sys
import time

import redis
from django.conf import settings

from accounts.models import User
from bench.noop_task import noop
from bench.upload_memory import _database_url
from notifications.actions import enqueue_delivery
from notifications.models import Message

BURST = int(os.environ.get("BENCH_OUTBOX_BURST", "50000"))
NOOPS = int(os.environ.get("BENCH_OUTBOX_NOOPS", "3000"))
ROUNDS = 3


def _broker() -> redis.Redis:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


def _drained(broker: redis.Redis) -> bool:
    # kombu's Redis transport: a list per queue, and the "unacked" hash for reserved tasks.
    queues = [queue.name for queue in settings.CELERY_TASK_QUEUES]
    return sum(broker.llen(name) for name in queues) == 0 and broker.hlen("unacked") == 0


def _wait_drained(broker: redis.Redis, timeout: float = 1800) -> float:
    deadline = time.monotonic() + timeout
    while not _drained(broker):
        if time.monotonic() > deadline:
            raise RuntimeError("the worker did not drain the queue")
        time.sleep(0.005)
    return time.perf_counter()


def _burst_rows(user: User) -> list[int]:
    Message.objects.all().delete()
    rows = [
        Message(
            recipient=user,
            channel=Message.Channel.SMS,
            to_address=f"+86139{n:08d}",
            kind="bench",
            subject="通知",
            body=f"【小哥学院】第{n}条通知：本周六驿站开放日，欢迎参加。",
        )
        for n in range(BURST)
    ]
    return [message.pk for message in Message.objects.bulk_create(rows, batch_size=5000)]


ENQUEUE_GOAL_SECONDS = 2.0


def _summary(values: list[float]) -> str:
    return f"min {min(values):.2f} / median {statistics.median(values):.2f} / max {max(values):.2f}"


def run(*, best_of):
    user = User.objects.create_user("13700009999")
    broker = _broker()
    broker.delete(*(queue.name for queue in settings.CELERY_TASK_QUEUES), "unacked", "unacked_index")
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "config.settings"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "prefork", "--concurrency", "2",
         "--include", "bench.noop_task", "--without-heartbeat", "--without-gossip", "--without-mingle",
         "-l", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # the console backend logs every SMS there
    )  # fmt: skip
    ratios, enqueue_seconds, rates = [], [], []
    try:
        # Warm-up: the worker is up and both tasks are imported in its children.
        noop.apply_async()
        enqueue_delivery(_burst_rows(user)[:10], queue=settings.SMS_QUEUE)
        time.sleep(3)
        _wait_drained(broker)
        for _ in range(ROUNDS):
            with noop.app.producer_or_acquire() as producer:
                started = time.perf_counter()
                for _ in range(NOOPS):
                    noop.apply_async(producer=producer)
            noop_rate = NOOPS / (_wait_drained(broker) - started)

            ids = _burst_rows(user)
            started = time.perf_counter()
            enqueue_delivery(ids, queue=settings.SMS_QUEUE)
            enqueued = time.perf_counter()
            delivery_rate = BURST / (_wait_drained(broker) - started)
            sent = Message.objects.filter(status=Message.Status.SENT, attempts=1).count()
            assert sent == BURST, (sent, BURST)

            ratios.append(delivery_rate / noop_rate)
            enqueue_seconds.append((enqueued - started) / ENQUEUE_GOAL_SECONDS)
            rates.append((delivery_rate, noop_rate))
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    median_rates = min(rates, key=lambda pair: abs(pair[0] / pair[1] - statistics.median(ratios)))
    return [
        (
            f"outbox burst delivery rate over a no-op task's rate (goal >= 0.9; {_summary(ratios)})",
            statistics.median(ratios),
            f"{BURST} SMS, console backend, celery prefork x2; median round {median_rates[0]:.0f} messages/s "
            f"vs {median_rates[1]:.0f} no-op tasks/s",
        ),
        (
            f"outbox burst enqueue time over {ENQUEUE_GOAL_SECONDS:.0f} s (goal <= 1; {_summary(enqueue_seconds)})",
            statistics.median(enqueue_seconds),
            f"enqueue_delivery of {BURST} ids, {settings.OUTBOX_BATCH_SIZE} to a task",
        ),
    ]
