"""Beat runs once (config/beat_lock.py): a second beat waits, and takes over when the first is gone.

Against the real broker Redis; the last test runs two real `celery beat` processes.
"""

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import redis
from django.conf import settings

from config.beat_lock import LOCK_KEY, BeatLock
from tests.notifications.test_outbox import wait_until

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def broker():
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(LOCK_KEY)
    yield client
    client.delete(LOCK_KEY)


def lock(seconds: float = 5.0) -> BeatLock:
    return BeatLock(settings.CELERY_BROKER_URL, seconds=seconds)


def test_one_beat_holds_the_lock_and_the_other_gets_it_only_when_released(broker):
    first, second = lock(), lock()
    assert first.token != second.token
    assert first.try_acquire() is True
    assert second.try_acquire() is False
    assert (first.renew(), second.renew()) == (True, False)
    second.release()  # not its lock: nothing happens
    assert first.holder() == first.token
    first.release()
    assert broker.get(LOCK_KEY) is None
    assert second.try_acquire() is True
    assert first.holder() == second.token


def test_a_lock_whose_holder_stopped_renewing_expires(broker):
    frozen, standby = lock(seconds=0.3), lock(seconds=0.3)
    assert frozen.try_acquire() is True
    assert wait_until(standby.try_acquire, timeout=5)
    # The frozen beat wakes up: the lock is not its own any more.
    assert frozen.renew() is False
    assert frozen.holder() == standby.token


def test_a_beat_that_finds_its_lock_taken_stops(broker):
    holder, intruder = lock(seconds=0.6), lock(seconds=0.6)
    assert holder.try_acquire() is True
    stopped = threading.Event()
    holder.keep(on_lost=stopped.set)
    assert not stopped.wait(1.0)  # renewed twice meanwhile: still its own
    assert broker.get(LOCK_KEY) == holder.token.encode()
    broker.set(LOCK_KEY, intruder.token)  # Redis lost the key and another beat took it
    assert stopped.wait(5)
    holder.release()
    assert broker.get(LOCK_KEY) == intruder.token.encode()


def test_a_lock_that_expired_while_nobody_took_it_is_taken_again(broker):
    holder = lock(seconds=0.6)
    assert holder.try_acquire() is True
    stopped = threading.Event()
    broker.delete(LOCK_KEY)  # expired while Redis was unreachable
    holder.keep(on_lost=stopped.set)
    assert wait_until(lambda: broker.get(LOCK_KEY) == holder.token.encode(), timeout=5)
    assert not stopped.is_set()
    holder.release()
    assert broker.get(LOCK_KEY) is None


def start_beat(tmp_path: Path, name: str) -> tuple[subprocess.Popen, Path]:
    log = tmp_path / f"{name}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "--app", "config", "beat", "--loglevel", "INFO",
         "--schedule", str(tmp_path / f"{name}-schedule")],
        env={**os.environ, "CELERY_BROKER_URL": settings.CELERY_BROKER_URL, "BEAT_LOCK_SECONDS": "2"},
        cwd=BASE_DIR,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    return process, log


def holder_pid(broker) -> int | None:
    value = broker.get(LOCK_KEY)
    return int(value.decode().split(":")[1]) if value else None


@pytest.mark.integration
@pytest.mark.slow(reason="two real celery beat processes start, and one waits out the lock of the other")
def test_a_second_beat_process_waits_and_takes_over_when_the_first_dies(broker, tmp_path):
    first, first_log = start_beat(tmp_path, "first")
    second = None
    try:
        assert wait_until(lambda: holder_pid(broker) == first.pid, timeout=60)
        second, second_log = start_beat(tmp_path, "second")
        assert wait_until(lambda: "another beat holds the beat lock" in second_log.read_text(), timeout=60)
        assert holder_pid(broker) == first.pid
        assert second.poll() is None
        first.send_signal(signal.SIGKILL)  # no release: the standby waits for the lock to expire
        first.wait(10)
        assert wait_until(lambda: holder_pid(broker) == second.pid, timeout=30)
        assert wait_until(lambda: "this beat holds the beat lock" in second_log.read_text())
        assert "another beat holds" not in first_log.read_text()
        second.terminate()  # a clean stop releases the lock
        assert second.wait(30) == 0
        assert broker.get(LOCK_KEY) is None
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(10)
