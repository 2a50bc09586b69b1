"""Outbox delivery cost per message against the cheapest possible per-row write.

Baseline: one `UPDATE ... SET status = 'sent'` per row by primary key.
Measured: `message_deliver` (conditional claim, load, channel, mark sent) per row
through the in-app inbox channel, so only our own code and PostgreSQL count.
"""

from django.db import connection

from accounts.models import User
from notifications.actions import message_deliver
from notifications.models import Message

ROWS = 300


def _fresh_messages(user) -> list[int]:
    Message.objects.all().delete()
    rows = [
        Message(recipient=user, channel=Message.Channel.INBOX, kind="bench", subject="s", body="b")
        for _ in range(ROWS)
    ]
    return [message.pk for message in Message.objects.bulk_create(rows)]


def run(*, best_of):
    user = User.objects.create_user("13700009999")
    ids: list[int] = []

    def prepare():
        ids[:] = _fresh_messages(user)

    def baseline():
        with connection.cursor() as cursor:
            for message_id in ids:
                cursor.execute(
                    "UPDATE notifications_message SET status = 'sent', sent_at = now() WHERE id = %s",
                    [message_id],
                )

    def deliver_all():
        for message_id in ids:
            message_deliver(message_id=message_id)

    base = best_of(baseline, setup=prepare)
    measured = best_of(deliver_all, setup=prepare)
    return [
        ("outbox delivery per message", measured / base, f"{ROWS} messages, baseline {base * 1000:.1f} ms")
    ]
