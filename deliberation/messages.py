"""The messages stations send about deliberation topics (see notifications.messages).

The raiser and the supporters of a topic get "station_topic_<step>"; the station lead also gets
"station_followup_overdue" when an action is overdue and they are not among those people.
"""

from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.messages import Kind, register

TITLE = "骑手休息区缺少充电插座"
WHEN = timezone.make_aware(datetime(2026, 3, 12, 14, 30))
FOLLOWUP = {"title": TITLE, "owner": "物业", "what": "加装六个充电插座", "due": date(2026, 4, 1)}
OVERDUE = (
    _("A follow-up action is overdue"),
    _("“%(title)s”: %(owner)s promised “%(what)s” by %(due)s; it is not done yet."),
)

register(
    Kind(
        "station_topic_accepted",
        _("Topic accepted for a deliberation session"),
        _("“%(title)s” at %(station)s was accepted and will be discussed at a deliberation session."),
        example={"title": TITLE, "station": "湖滨驿站"},
    ),
    Kind(
        "station_topic_closed",
        _("The station lead answered a topic"),
        _("“%(title)s”: %(answer)s"),
        example={"title": TITLE, "answer": "下周一加装。"},
    ),
    Kind(
        "station_topic_scheduled",
        _("Your topic is on a deliberation session's agenda"),
        _(
            "“%(title)s” will be discussed on %(when)s at %(place)s. Register for the session "
            "on the station page to take part."
        ),
        example={"title": TITLE, "when": WHEN, "place": "驿站二楼"},
    ),
    Kind(
        "station_topic_minutes",
        _("The session on your topic was held"),
        _("“%(title)s” was discussed at %(session)s; the minutes are recorded."),
        example={"title": TITLE, "session": "湖滨驿站议事会"},
    ),
    Kind(
        "station_topic_session_cancelled",
        _("The session on your topic was cancelled"),
        _("“%(title)s”: %(note)s"),
        example={"title": TITLE, "note": "议事会已取消。"},
    ),
    Kind(
        "station_topic_resolution",
        _("The session resolved on your topic"),
        _("“%(title)s”: %(resolution)s"),
        example={"title": TITLE, "resolution": "物业加装插座。"},
    ),
    Kind(
        "station_topic_resolved",
        _("Your topic was resolved"),
        _("“%(title)s”: %(explanation)s"),
        example={"title": TITLE, "explanation": "插座已装好。"},
    ),
    Kind(
        "station_topic_unresolved",
        _("Your topic could not be resolved"),
        _("“%(title)s”: %(explanation)s"),
        example={"title": TITLE, "explanation": "场地不允许改线路。"},
    ),
    Kind(
        "station_topic_followup_added",
        _("A follow-up action was added to your topic"),
        _("“%(title)s”: %(owner)s will do “%(what)s” by %(due)s."),
        example=FOLLOWUP,
    ),
    Kind(
        "station_topic_followup_done",
        _("A follow-up action on your topic is done"),
        _("“%(title)s”: %(owner)s did “%(what)s”: %(note)s"),
        example={**FOLLOWUP, "note": "已装好。"},
    ),
    Kind("station_topic_followup_overdue", *OVERDUE, example=FOLLOWUP),
    Kind("station_followup_overdue", *OVERDUE, example=FOLLOWUP),
)
