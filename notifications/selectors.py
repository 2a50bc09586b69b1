from typing import TYPE_CHECKING, NamedTuple

from django.db.models import Count, Max, Q, QuerySet, Sum

from notifications.models import Message

if TYPE_CHECKING:
    # For annotations only: notifications sits beside accounts in the layers and
    # imports nothing of it at run time.
    from accounts.models import User


def inbox_for(*, user: "User") -> QuerySet[Message]:
    return Message.objects.filter(recipient=user, channel=Message.Channel.INBOX, status=Message.Status.SENT)


def inbox_unread_count(*, user: "User") -> int:
    return inbox_for(user=user).filter(read_at__isnull=True).count()


class InboxState(NamedTuple):
    """What the inbox page shows changes only with one of these (core.fragments keeps it meanwhile):
    a message arrives or goes (total, last id, sum of ids: a delivery and a deletion together
    still move the sum) or is read (unread)."""

    total: int
    unread: int
    last_id: int | None
    id_sum: int | None


def inbox_state(*, user: "User") -> InboxState:
    return InboxState(
        **inbox_for(user=user).aggregate(
            total=Count("id"),
            unread=Count("id", filter=Q(read_at__isnull=True)),
            last_id=Max("id"),
            id_sum=Sum("id"),
        )
    )
