"""Reading SMS codes the way a worker does: from the phone (the recording SMS gateway).

The outbox never holds a code in clear, so tests deliver the pending messages, as the
Celery worker would, and read what reached the phone.
"""

import re

from notifications.actions import message_deliver
from notifications.backends import RecordingSMSBackend
from notifications.models import Message

CODE = re.compile(r"(?<![0-9])([0-9]{6})(?![0-9])")


def deliver_pending_sms() -> None:
    pending = Message.objects.filter(channel=Message.Channel.SMS, status=Message.Status.PENDING)
    for message_id in pending.order_by("id").values_list("pk", flat=True):
        message_deliver(message_id=message_id)


def texts_to(phone: str) -> list[str]:
    deliver_pending_sms()
    return [sms.text for sms in RecordingSMSBackend.outbox if sms.phone == phone]


def last_code(phone: str) -> str:
    texts = texts_to(phone)
    assert texts, f"no SMS reached {phone}"
    return CODE.search(texts[-1]).group(1)


def sms_count(phone: str) -> int:
    return Message.objects.filter(channel=Message.Channel.SMS, to_address=phone).count()
