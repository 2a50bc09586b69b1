from typing import TYPE_CHECKING

from django.db.models import QuerySet

from notifications.models import Message

if TYPE_CHECKING:
    # For annotations only: notifications sits beside accounts in the layers and
    # imports nothing of it at run time.
    from accounts.models import User


def inbox_for(*, user: "User") -> QuerySet[Message]:
    return Message.objects.filter(recipient=user, channel=Message.Channel.INBOX, status=Message.Status.SENT)


def inbox_unread_count(*, user: "User") -> int:
    return inbox_for(user=user).filter(read_at__isnull=True).count()
