"""What events earn on the points ledger: verified attendance and contest places (points.registry)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from events.models import CheckIn, ContestResult
from points.registry import Rule, register_kind, register_source

EVENT_ATTENDED = "event_attended"
CONTEST_RANK_1 = "contest_rank_1"
CONTEST_RANK_2 = "contest_rank_2"
CONTEST_RANK_3 = "contest_rank_3"


def register() -> None:
    register_kind(
        EVENT_ATTENDED,
        _("Verified attendance at an event"),
        rule=Rule(10, "活动签到核验"),
    )
    register_kind(
        CONTEST_RANK_1,
        _("Skill contest: first place"),
        rule=Rule(50, "技能竞赛第一名"),
    )
    register_kind(
        CONTEST_RANK_2,
        _("Skill contest: second place"),
        rule=Rule(30, "技能竞赛第二名"),
    )
    register_kind(
        CONTEST_RANK_3,
        _("Skill contest: third place"),
        rule=Rule(20, "技能竞赛第三名"),
    )
    register_source(CheckIn, page=_event_page)
    register_source(ContestResult, page=_event_page)


def _event_page(source: CheckIn | ContestResult) -> str:
    return reverse("events:detail", args=[source.event_id])
