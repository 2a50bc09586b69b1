"""The messages events send about registrations and results (see notifications.messages).

Every kind gets the event's title, start ("when", rendered in the reader's language) and place.
"""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.messages import Kind, register

EVENT = {
    "title": "诗歌分享会",
    "when": timezone.make_aware(datetime(2026, 3, 12, 19, 0)),
    "place": "湖滨驿站",
}
RESULT = {**EVENT, "title": "外卖骑手技能竞赛", "rank": 1, "score": "98.5"}

register(
    # The reason is staff's, and may be empty.
    Kind(
        "event_cancelled",
        _("Event cancelled: %(title)s"),
        _("%(title)s on %(when)s was cancelled. %(reason)s"),
        example={**EVENT, "reason": "台风预警。"},
    ),
    Kind(
        "event_registered",
        _("You have a seat: %(title)s"),
        _(
            "You are registered for %(title)s on %(when)s at %(place)s. Check in there with the code on the screen."
        ),
        example=EVENT,
    ),
    Kind(
        "event_waitlisted",
        _("On the waitlist: %(title)s"),
        _("%(title)s on %(when)s is full. You are on the waitlist and will hear from us if a seat frees up."),
        example=EVENT,
    ),
    Kind(
        "event_promoted",
        _("A seat is yours: %(title)s"),
        _("A seat freed up: you are now registered for %(title)s on %(when)s at %(place)s."),
        example=EVENT,
    ),
    Kind(
        "event_contest_result",
        _("Results of %(title)s"),
        _("%(title)s: you placed %(rank)s with a score of %(score)s."),
        example=RESULT,
    ),
    Kind(
        "event_contest_result_points",
        _("Results of %(title)s"),
        _("%(title)s: you placed %(rank)s with a score of %(score)s. You earned %(points)s points."),
        example={**RESULT, "points": 50},
    ),
)
