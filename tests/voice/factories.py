from datetime import timedelta

from django.utils import timezone

from voice import actions

RECIPIENT = actions.RecipientDetails(
    name="王阿姨", address="文鼎苑3幢2单元501", phone="13700000000", notes="腿脚不便"
)


def post_request(*, grid, by, hours_from_now: int = 0, hours: int = 3, what: str = "帮独居老人搬米上楼"):
    starts = timezone.now() + timedelta(hours=hours_from_now)
    return actions.request_post(
        acting_user=by,
        grid=grid,
        what=what,
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        recipient=RECIPIENT,
    )


def confirmed_request(*, grid, by, member):
    """A help request posted, taken by `member`, done and confirmed: its points are written."""
    help_request = post_request(grid=grid, by=by)
    actions.request_take(request_id=help_request.pk, user=member)
    actions.request_done(request_id=help_request.pk, user=member, note="已送到")
    return actions.request_confirm(request_id=help_request.pk, acting_user=by)
