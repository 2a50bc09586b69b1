"""The ledger names no app: the kinds and sources come from the apps' points_kinds.py at start-up."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from core.models import AuditEntry
from deliberation.models import Topic
from delivery.models import Correction
from events.models import CheckIn, ContestResult
from governance.models import Report
from points import actions, registry, selectors
from points.models import PointAccount, PointEntry, PointRule
from points.registry import Rule, UnknownReason
from rewards.models import Voucher
from tests.factories import UserFactory
from voice.models import HelpDeed, HelpRequest, Opinion
from volunteering.models import Task

pytestmark = pytest.mark.django_db


def test_every_earning_app_registered_its_kinds_with_their_labels_and_rules():
    with translation.override("en"):
        kinds = [(kind.value, str(kind.label), kind.rule) for kind in registry.kinds()]
    assert kinds == [
        ("adjustment", "Adjustment by staff", None),
        (
            "contest_rank_1",
            "Skill contest: first place",
            Rule(50, "技能竞赛第一名"),
        ),
        (
            "contest_rank_2",
            "Skill contest: second place",
            Rule(30, "技能竞赛第二名"),
        ),
        (
            "contest_rank_3",
            "Skill contest: third place",
            Rule(20, "技能竞赛第三名"),
        ),
        (
            "delivery_correction_accepted",
            "Delivery map correction accepted",
            Rule(5, "配送地图纠错被采纳"),
        ),
        (
            "event_attended",
            "Verified attendance at an event",
            Rule(10, "活动签到核验"),
        ),
        (
            "help_request_confirmed",
            "Help request done and confirmed",
            Rule(10, "随手帮求助完成并确认"),
        ),
        ("help_verified", "Help on the way verified", Rule(5, "随手帮被核实")),
        ("opinion_adopted", "Opinion adopted", Rule(10, "随口说被采纳")),
        ("report_accepted", "Street report accepted", Rule(10, "随手报被受理")),
        ("reward_redeemed", "Reward redeemed", None),
        ("spend", "Points spent", None),
        (
            "topic_accepted",
            "Deliberation topic accepted for a session",
            Rule(5, "议题被采纳上会"),
        ),
        (
            "volunteer_task_done",
            "Volunteer task confirmed",
            Rule(20, "志愿服务任务确认完成"),
        ),
        ("voucher_refund", "Voucher not used: points returned", None),
    ]


def test_the_sources_are_the_models_the_apps_registered():
    assert registry.source_models() == [
        Report,
        Correction,
        CheckIn,
        ContestResult,
        Topic,
        Task,
        Voucher,
        HelpDeed,
        HelpRequest,
        Opinion,
    ]


def test_migrate_leaves_one_rule_per_kind_with_a_rule_at_its_registered_amount():
    rules = list(PointRule.objects.order_by("event").values_list("event", "amount", "description"))
    assert rules == [
        (kind.value, kind.rule.amount, kind.rule.description) for kind in registry.rule_kinds() if kind.rule
    ]
    assert len(rules) == 11


def test_applying_the_rules_again_adds_what_is_missing_and_keeps_what_staff_changed():
    PointRule.objects.filter(event="report_accepted").update(amount=25)
    PointRule.objects.filter(event="event_attended").delete()
    actions.pointrules_ensure()
    assert PointRule.objects.get(event="report_accepted").amount == 25
    assert PointRule.objects.get(event="event_attended").amount == 10
    assert PointRule.objects.count() == 11


def test_an_unregistered_reason_is_refused_before_anything_is_written():
    user = UserFactory()
    with pytest.raises(UnknownReason) as refused:
        actions.points_add(user=user, amount=5, reason="manual")
    assert str(refused.value) == (
        "No points kind “manual” is registered. The app that adds these points declares it in its "
        "points_kinds.py (points.registry.register_kind), called from its AppConfig.ready()."
    )
    assert (PointAccount.objects.count(), PointEntry.objects.count(), AuditEntry.objects.count()) == (0, 0, 0)
    with pytest.raises(UnknownReason):
        selectors.points_for("manual")


def test_a_kind_without_a_rule_earns_nothing_by_itself():
    assert selectors.points_for("spend") == 0
    PointRule.objects.filter(event="topic_accepted").delete()
    assert selectors.points_for("topic_accepted") == 5  # the registered start until staff set a rule


def test_a_kind_registered_twice_differently_is_refused():
    assert registry.register_kind("spend", registry.kind("spend").label) == registry.kind("spend")
    with pytest.raises(ImproperlyConfigured) as refused:
        registry.register_kind("spend", "Something else")
    assert str(refused.value) == "The points kind “spend” is registered twice, differently."
    with pytest.raises(ImproperlyConfigured) as refused:
        registry.register_source(Voucher, page=lambda voucher: "/")
    assert str(refused.value) == "The points source “rewards.voucher” is registered twice, differently."


def test_a_line_whose_kind_is_no_longer_registered_shows_its_reason():
    user = UserFactory()
    entry = actions.points_add(user=user, amount=5, reason="adjustment")
    PointEntry.objects.filter(pk=entry.pk).update(reason="retired_kind")
    assert PointEntry.objects.get(pk=entry.pk).reason_display == "retired_kind"
