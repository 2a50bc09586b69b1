"""Channel backends. Only the SMS gateway lies outside the portal, so only it is faked.

A backend is chosen with the SMS_BACKEND setting (a dotted path). The simple ones (console,
recording) implement `send(phone, text)`; the real providers (notifications.providers: Aliyun,
Tencent Cloud) implement `deliver(sms)`, which gets the whole outgoing message (its kind, for the
provider's template, and the outbox id, which the provider echoes in its receipts) and returns
the provider's id for it. Either returns when the provider has accepted the message and raises
`ChannelUnavailable` for failures worth retrying (timeouts, 5xx, throttling), `DeliveryUncertain`
when the provider may have accepted it without saying so, and `SMSRejected` for a message the
provider will never take (a bad number, a template it refused); anything else is a bug and fails
the task.
"""

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


if TYPE_CHECKING:
    from notifications.models import Message


class ChannelUnavailable(Exception):
    """The channel could not take the message now; the task retries with backoff."""


class DeliveryUncertain(ChannelUnavailable):
    """The request went out but no answer came back (a read timeout, a dropped connection, a 5xx
    from the gateway): the provider may have accepted the message. Retried like any unavailability,
    but the retry first asks the provider whether it has the message (Message.send_unconfirmed)."""


class SMSRejected(Exception):
    """The provider refused this message for good: the row fails at once, without retries."""

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        super().__init__(f"{code}: {detail}" if detail else code)


@dataclass(frozen=True)
class OutgoingSMS:
    """One SMS as a provider backend sees it. `text` may hold a secret (a code): never log it."""

    message_id: int
    phone: str
    kind: str
    text: str
    # The stored text: with "******" in place of the code of a code SMS, else the text itself.
    shown_text: str
    subject: str
    carries_secret: bool
    # An earlier attempt may have reached the provider: look it up before sending again.
    may_have_been_sent: bool
    created_at_timestamp: float

    @property
    def out_id(self) -> str:
        """Our id for the message at the provider (Aliyun OutId, Tencent SessionContext)."""
        return f"{OUT_ID_PREFIX}{self.message_id}"


OUT_ID_PREFIX = "xg"


def message_id_of_out_id(out_id: str) -> int | None:
    number = out_id.removeprefix(OUT_ID_PREFIX)
    if out_id.startswith(OUT_ID_PREFIX) and number.isascii() and number.isdigit() and len(number) < 19:
        return int(number)
    return None


def outgoing_sms(message: "Message", text: str) -> OutgoingSMS:
    # An attempt that recorded no outcome (attempts > 1 but no error: the worker died while
    # sending) may have reached the provider as much as a timed-out one.
    died_mid_send = message.attempts > 1 and not message.last_error
    return OutgoingSMS(
        message_id=message.pk,
        phone=message.to_address,
        kind=message.kind,
        text=text,
        shown_text=message.body,
        subject=message.subject,
        carries_secret=bool(message.secret_body),
        may_have_been_sent=message.send_unconfirmed or died_mid_send,
        created_at_timestamp=message.created_at.timestamp(),
    )


@dataclass(frozen=True)
class Accepted:
    """The provider took the message: which provider, and its id for it (for the receipts)."""

    provider: str
    provider_message_id: str


@dataclass(frozen=True)
class Receipt:
    """One delivery report from a provider's receipt push."""

    provider_message_id: str
    # Our message id, when the provider echoes it (Aliyun's out_id).
    message_id: int | None
    delivered: bool
    code: str
    reported_at: datetime | None


class ReceiptInvalid(ValueError):
    """A receipt push that is not in the provider's documented shape."""


class SMSBackend:
    def send(self, *, phone: str, text: str) -> None:
        raise NotImplementedError

    def deliver(self, sms: OutgoingSMS) -> Accepted | None:
        self.send(phone=sms.phone, text=sms.text)
        return None


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


def deliver_sms(sms: OutgoingSMS) -> Accepted | None:
    """Hand one SMS to the configured backend; the provider's id when it gives one."""
    backend = get_sms_backend()
    if not isinstance(backend, SMSBackend):  # a bare object with send() only (a test's stand-in)
        backend.send(phone=sms.phone, text=sms.text)
        return None
    return backend.deliver(sms)
