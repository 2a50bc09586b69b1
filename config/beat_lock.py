"""Beat runs once: a lock in the broker's Redis that the running beat holds (config/celery.py).

Two beats would send every scheduled task twice. The deployment runs one (deploy/compose.yaml),
and this lock makes a second one harmless: a standby beat on another node, or one started by
mistake, waits for the lock instead of sending, and takes over once the holder has been gone for
BEAT_LOCK_SECONDS. The holder renews the lock every third of that; a holder that finds the lock
held by another beat (Redis lost the key, or this process was frozen longer than the lock lives)
stops itself, so that the schedule is never sent by two at once for longer than a renewal.
"""

import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable

import redis

LOCK_KEY = "xiaoge:celery:beat-lock"
# Renew and release only the lock this beat holds: never one that another beat took meanwhile.
_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"

logger = logging.getLogger(__name__)


def lock_seconds() -> float:
    return float(os.environ.get("BEAT_LOCK_SECONDS", "60"))


class BeatLock:
    def __init__(self, url: str, *, seconds: float) -> None:
        self.client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self.seconds = seconds
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.released = threading.Event()

    @property
    def _milliseconds(self) -> int:
        return max(1, int(self.seconds * 1000))

    def holder(self) -> str | None:
        value = self.client.get(LOCK_KEY)
        return value.decode() if isinstance(value, bytes) else None

    def try_acquire(self) -> bool:
        return bool(self.client.set(LOCK_KEY, self.token, nx=True, px=self._milliseconds))

    def renew(self) -> bool:
        """True while the lock is this beat's (and now lives another BEAT_LOCK_SECONDS)."""
        return bool(self.client.eval(_RENEW, 1, LOCK_KEY, self.token, str(self._milliseconds)))

    def release(self) -> None:
        self.released.set()
        with contextlib.suppress(redis.RedisError):  # the lock then expires by itself
            self.client.eval(_RELEASE, 1, LOCK_KEY, self.token)

    def wait_and_acquire(self) -> None:
        """Block until this beat holds the lock, saying once per holder whom it waits for."""
        announced: str | None = None
        while True:
            try:
                if self.try_acquire():
                    break
                holder = self.holder()
            except redis.RedisError as error:  # nothing can be sent without the broker either
                holder = f"unknown: {error}"
            if holder != announced:
                logger.warning("another beat holds the beat lock (%s): waiting to take over", holder)
                announced = holder
            time.sleep(self.seconds / 6)
        logger.info("this beat holds the beat lock (%s)", self.token)

    def keep(self, *, on_lost: Callable[[], None]) -> threading.Thread:
        """Renew the lock in a thread; call on_lost (once) when another beat holds it."""

        def renew_until_released() -> None:
            while not self.released.wait(self.seconds / 3):
                try:
                    # A key that expired while Redis was unreachable is taken again if still free.
                    if self.renew() or self.try_acquire():
                        continue
                    holder = self.holder()
                except redis.RedisError as error:
                    logger.warning("could not renew the beat lock: %s", error)
                    continue
                logger.error("the beat lock is held by another beat (%s): this beat stops", holder)
                on_lost()
                return

        thread = threading.Thread(target=renew_until_released, name="beat-lock", daemon=True)
        thread.start()
        return thread
