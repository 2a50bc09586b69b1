from django.db.models import QuerySet

from notifications.models import Message


def inbox_for(*, user) -> QuerySet[Message]:
    return Message.objects.filter(recipient=user, channel=Message.Channel.INBOX, status=Message.Status.SENT)


def inbox_unread_count(*, user) -> int:
    return inbox_for(user=user).filter(read_at__isnull=True).count()
