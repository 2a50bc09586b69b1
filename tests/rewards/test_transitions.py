"""A voucher's status through rewards.actions.VOUCHER_TRANSITIONS: one history row and one audit row
per change, one refusal per status, and refusals that change nothing."""

import pytest
from django.utils import timezone

from core.models import AuditEntry, StatusChange
from core.transitions import status_changes
from points.models import PointEntry
from rewards import actions
from rewards.models import RewardStock, Voucher

pytestmark = pytest.mark.django_db


def snapshot(voucher: Voucher) -> tuple:
    voucher.refresh_from_db()
    return (
        voucher.status,
        voucher.handed_over_at,
        voucher.closed_at,
        list(RewardStock.objects.values_list("quantity", flat=True)),
        PointEntry.objects.count(),
        StatusChange.objects.count(),
        AuditEntry.objects.count(),
    )


def test_hand_over_writes_one_history_row_and_one_audit_row(worker, coffee, station, stock, station_staff):
    voucher = actions.voucher_redeem(user=worker, reward=coffee, station=station)
    actions.voucher_handover_confirm(voucher_code=voucher.code, station=station, acting_user=station_staff)
    assert list(status_changes(voucher).values_list("from_status", "to_status", "actor", "note")) == [
        ("issued", "handed_over", station_staff.pk, "")
    ]
    assert list(AuditEntry.objects.filter(target_type="rewards.voucher").values_list("action", "actor")) == [
        ("rewards.voucher.handover", station_staff.pk),
        ("rewards.voucher.redeem", worker.pk),
    ]


def test_a_second_hand_over_says_when_and_changes_nothing(worker, coffee, station, stock, station_staff):
    voucher = actions.voucher_redeem(user=worker, reward=coffee, station=station)
    actions.voucher_handover_confirm(voucher_code=voucher.code, station=station, acting_user=station_staff)
    before = snapshot(voucher)
    with pytest.raises(actions.TransitionNotAllowed) as refused:
        actions.voucher_handover_confirm(
            voucher_code=voucher.code, station=station, acting_user=station_staff
        )
    day = timezone.localdate(voucher.handed_over_at)
    assert (
        refused.value.message == f"这张兑换券已于{day.year}年{day.month}月{day.day}日领取过，请不要重复发放。"
    )
    assert snapshot(voucher) == before


def test_a_cancelled_voucher_cannot_be_handed_over_and_nothing_changes(
    worker, coffee, station, stock, station_staff
):
    voucher = actions.voucher_redeem(user=worker, reward=coffee, station=station)
    actions.voucher_cancel(voucher_id=voucher.pk, user=worker)
    assert list(status_changes(voucher).values_list("from_status", "to_status", "actor")) == [
        ("issued", "cancelled", worker.pk)
    ]
    assert AuditEntry.objects.filter(action="rewards.voucher.cancel", actor=worker).count() == 1
    before = snapshot(voucher)
    with pytest.raises(actions.TransitionNotAllowed) as refused:
        actions.voucher_handover_confirm(
            voucher_code=voucher.code, station=station, acting_user=station_staff
        )
    assert refused.value.message == "这张兑换券已取消，积分已退回，不能再使用。"
    with pytest.raises(actions.TransitionNotAllowed) as refused:
        actions.voucher_cancel(voucher_id=voucher.pk, user=worker)
    assert refused.value.message == "只有待领取的兑换券可以取消，这张兑换券的状态是“已取消，积分已退回”。"
    assert snapshot(voucher) == before


def test_another_workers_voucher_is_as_missing_as_none(worker, coffee, station, stock, station_staff):
    voucher = actions.voucher_redeem(user=worker, reward=coffee, station=station)
    before = snapshot(voucher)
    with pytest.raises(Voucher.DoesNotExist):
        actions.voucher_cancel(voucher_id=voucher.pk, user=station_staff)
    assert snapshot(voucher) == before


def test_the_sweep_expires_with_a_history_row_and_no_actor(worker, coffee, station, stock):
    voucher = actions.voucher_redeem(user=worker, reward=coffee, station=station)
    assert actions.voucher_expire(voucher_id=voucher.pk, now=voucher.expires_at) is not None
    assert list(status_changes(voucher).values_list("from_status", "to_status", "actor")) == [
        ("issued", "expired", None)
    ]
    assert AuditEntry.objects.filter(action="rewards.voucher.expire", actor=None).count() == 1
    assert RewardStock.objects.get().quantity == 5
