"""Channel backends. Only the SMS gateway lies outside the portal, so only it is faked.

A real provider implements `SMSBackend.send` and is chosen with the SMS_BACKEND
setting (a dotted path). `send` returns when the provider has accepted the
message and raises `ChannelUnavailable` for failures worth retrying
(timeouts, 5xx, throttling); anything else is a bug and fails the task.
"""

import logging
import threading
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class ChannelUnavailable(Exception):
    """The channel could not take the message now; the task retries with backoff."""


class SMSBackend:
    def send(self, *, phone: str, text: str) -> None:
        raise NotImplementedError


class ConsoleSMSBackend(SMSBackend):
    """Development: the SMS appears in the worker's log."""

    def send(self, *, phone: str, text: str) -> None:
        logger.warning("SMS to %s: %s", phone, text)


@dataclass(frozen=True)
class RecordedSMS:
    phone: str
    text: str


class RecordingSMSBackend(SMSBackend):
    """Tests: keeps every SMS in memory (the test's Celery worker runs in the same process)."""

    outbox: list[RecordedSMS] = []
    _lock = threading.Lock()

    def send(self, *, phone: str, text: str) -> None:
        with self._lock:
            type(self).outbox.append(RecordedSMS(phone=phone, text=text))

    @classmethod
    def clear(cls) -> None:
        with cls._lock:
            cls.outbox.clear()


@lru_cache(maxsize=4)
def _sms_backend(path: str) -> SMSBackend:
    return import_string(path)()


def get_sms_backend() -> SMSBackend:
    return _sms_backend(settings.SMS_BACKEND)
