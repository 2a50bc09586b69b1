from datetime import timedelta

import pytest
from django.utils import timezone

from core.exceptions import ApplicationError, NotFound, PermissionDenied, TransitionNotAllowed
from core.models import AuditEntry
from notifications.models import Message
from points.actions import NotEnoughPoints, points_add
from points.models import PointAccount, PointEntry
from rewards import actions
from rewards.constants import CODE_ALPHABET, VOUCHER_VALID_FOR
from rewards.models import LeaderboardOptIn, RewardStock, Voucher
from tests.factories import StaffFactory, UserFactory
from tests.rewards.factories import RewardFactory, StockFactory

pytestmark = pytest.mark.django_db


def balance(user) -> int:
    return PointAccount.objects.get(user=user).balance


def quantity(stock) -> int:
    stock.refresh_from_db()
    return stock.quantity


def test_redeem_takes_stock_debits_points_and_issues_a_voucher(worker, coffee, station, stock):
    before = timezone.now()
    voucher = actions.voucher_redeem(user=worker, reward=coffee, station=station)
    assert voucher.status == Voucher.Status.ISSUED
    assert len(voucher.code) == 8 and set(voucher.code) <= set(CODE_ALPHABET)
    assert voucher.price == 30
    assert before + VOUCHER_VALID_FOR <= voucher.expires_at <= timezone.now() + VOUCHER_VALID_FOR
    assert quantity(stock) == 4
    assert balance(worker) == 70
    entry = PointEntry.objects.get(user=worker, reason="reward_redeemed")
    assert (entry.amount, entry.source, entry.balance_after) == (-30, voucher, 70)
    assert AuditEntry.objects.filter(action="rewards.voucher.redeem", target_id=str(voucher.pk)).count() == 1


def test_redeem_refuses_when_out_of_stock_and_changes_nothing(worker, coffee, station, stock):
    RewardStock.objects.filter(pk=stock.pk).update(quantity=0)
    with pytest.raises(actions.OutOfStock) as error:
        actions.voucher_redeem(user=worker, reward=coffee, station=station)
    assert error.value.message == "“驿站咖啡一杯”在龙湖天街小哥驿站已兑完，请选择其他驿站。"
    assert error.value.status_code == 409
    assert balance(worker) == 100
    assert not Voucher.objects.exists()


def test_redeem_refuses_at_a_station_without_the_reward(worker, coffee, other_station):
    with pytest.raises(actions.OutOfStock) as error:
        actions.voucher_redeem(user=worker, reward=coffee, station=other_station)
    assert error.value.message == "“驿站咖啡一杯”在西溪湿地小哥驿站已兑完，请选择其他驿站。"


def test_redeem_without_enough_points_keeps_nothing(coffee, station, stock):
    poor = UserFactory()
    points_add(user=poor, amount=29, reason="adjustment")
    with pytest.raises(NotEnoughPoints) as error:
        actions.voucher_redeem(user=poor, reward=coffee, station=station)
    assert error.value.message == "积分不够：“驿站咖啡一杯”需要 30 积分，你现在有 29 积分。"
    assert quantity(stock) == 5
    assert balance(poor) == 29
    assert not Voucher.objects.exists()
    assert not PointEntry.objects.filter(reason="reward_redeemed").exists()


def test_redeem_refuses_a_withdrawn_reward_and_a_closed_station(worker, coffee, station, stock):
    coffee.is_active = False
    coffee.save()
    with pytest.raises(TransitionNotAllowed) as error:
        actions.voucher_redeem(user=worker, reward=coffee, station=station)
    assert error.value.message == "这项奖励已下架。"
    coffee.is_active = True
    coffee.save()
    station.is_active = False
    station.save()
    with pytest.raises(TransitionNotAllowed) as error:
        actions.voucher_redeem(user=worker, reward=coffee, station=station)
    assert error.value.message == "这个驿站暂时关闭，请选择其他驿站。"
    assert quantity(stock) == 5 and balance(worker) == 100


def test_the_database_refuses_negative_stock_and_zero_prices(stock):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        RewardStock.objects.filter(pk=stock.pk).update(quantity=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        RewardFactory(price=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockFactory(station=stock.station, reward=stock.reward)


# --- Hand-over ----------------------------------------------------------------------------


@pytest.fixture
def voucher(worker, coffee, station, stock):
    return actions.voucher_redeem(user=worker, reward=coffee, station=station)


def test_station_staff_confirm_the_hand_over_typed_loosely(voucher, station, station_staff):
    typed = f" {voucher.code[:4].lower()}-{voucher.code[4:]} "
    done = actions.voucher_handover_confirm(voucher_code=typed, station=station, acting_user=station_staff)
    assert done.pk == voucher.pk
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.HANDED_OVER
    assert voucher.handed_over_by == station_staff and voucher.handed_over_at is not None
    assert AuditEntry.objects.filter(action="rewards.voucher.handover", actor=station_staff).count() == 1


def test_the_station_lead_may_confirm(voucher, station):
    lead = UserFactory()
    station.lead = lead
    station.save()
    actions.voucher_handover_confirm(voucher_code=voucher.code, station=station, acting_user=lead)
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.HANDED_OVER


def test_district_staff_with_the_permission_may_confirm_anywhere(voucher, station):
    from django.contrib.auth.models import Permission

    district = StaffFactory()
    district.user_permissions.add(Permission.objects.get(codename="confirm_handover"))
    actions.voucher_handover_confirm(voucher_code=voucher.code, station=station, acting_user=district)
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.HANDED_OVER


@pytest.mark.parametrize("who", ["other_staff", "worker", "plain_staff"])
def test_others_may_not_confirm_and_nothing_changes(who, voucher, station, other_staff, worker):
    acting = {"other_staff": other_staff, "worker": worker, "plain_staff": StaffFactory()}[who]
    with pytest.raises(PermissionDenied) as error:
        actions.voucher_handover_confirm(voucher_code=voucher.code, station=station, acting_user=acting)
    assert error.value.message == "只有龙湖天街小哥驿站的工作人员才能在该驿站确认领取。"
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.ISSUED and voucher.handed_over_by is None


def test_wrong_station_is_refused(voucher, other_station, other_staff):
    with pytest.raises(TransitionNotAllowed) as error:
        actions.voucher_handover_confirm(
            voucher_code=voucher.code, station=other_station, acting_user=other_staff
        )
    assert error.value.message == "这张兑换券要在龙湖天街小哥驿站领取，不是本驿站，请让小哥去那里领取。"
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.ISSUED


def test_unknown_code_is_refused(voucher, station, station_staff):
    with pytest.raises(NotFound) as error:
        actions.voucher_handover_confirm(voucher_code="zzzz 2222", station=station, acting_user=station_staff)
    assert error.value.message == "没有兑换码为 zzzz 2222 的兑换券，请核对后重新输入。"


def test_second_hand_over_is_refused(voucher, station, station_staff):
    actions.voucher_handover_confirm(voucher_code=voucher.code, station=station, acting_user=station_staff)
    day = timezone.localdate()
    with pytest.raises(TransitionNotAllowed) as error:
        actions.voucher_handover_confirm(
            voucher_code=voucher.code, station=station, acting_user=station_staff
        )
    assert (
        error.value.message == f"这张兑换券已于{day.year}年{day.month}月{day.day}日领取过，请不要重复发放。"
    )


def test_an_expired_voucher_is_refused_even_before_the_sweep(voucher, station, station_staff):
    expires = timezone.now() - timedelta(minutes=1)
    Voucher.objects.filter(pk=voucher.pk).update(expires_at=expires)
    day = timezone.localtime(expires).date()
    message = f"这张兑换券已于{day.year}年{day.month}月{day.day}日过期，积分已退回，不能再使用。"
    with pytest.raises(TransitionNotAllowed) as error:
        actions.voucher_handover_confirm(
            voucher_code=voucher.code, station=station, acting_user=station_staff
        )
    assert error.value.message == message
    assert actions.vouchers_expire() == 1
    with pytest.raises(TransitionNotAllowed) as error:
        actions.voucher_handover_confirm(
            voucher_code=voucher.code, station=station, acting_user=station_staff
        )
    assert error.value.message == message


def test_a_cancelled_voucher_is_refused(voucher, worker, station, station_staff):
    actions.voucher_cancel(voucher_id=voucher.pk, user=worker)
    with pytest.raises(TransitionNotAllowed) as error:
        actions.voucher_handover_confirm(
            voucher_code=voucher.code, station=station, acting_user=station_staff
        )
    assert error.value.message == "这张兑换券已取消，积分已退回，不能再使用。"


# --- Expiry and cancel ---------------------------------------------------------------------


def test_expiry_refunds_restocks_and_tells_the_worker_once(voucher, worker, stock):
    later = voucher.expires_at + timedelta(seconds=1)
    assert actions.vouchers_expire(now=voucher.expires_at - timedelta(seconds=1)) == 0
    assert actions.vouchers_expire(now=later) == 1
    assert actions.vouchers_expire(now=later) == 0  # idempotent
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.EXPIRED and voucher.closed_at == later
    assert balance(worker) == 100
    assert quantity(stock) == 5
    refund = PointEntry.objects.get(reason="voucher_refund")
    assert (refund.amount, refund.once_key, refund.source) == (30, f"voucher_refund:{voucher.pk}", voucher)
    message = Message.objects.get(recipient=worker, kind="voucher_expired")
    assert message.subject == "兑换券已过期，积分已退回"
    assert message.body == (
        f"你在龙湖天街小哥驿站兑换的驿站咖啡一杯（兑换码 {voucher.code_display}）未按时领取，30 积分已退回你的账户。"
    )
    assert message.channel == Message.Channel.INBOX


def test_a_collected_voucher_never_expires(voucher, station, station_staff, worker):
    actions.voucher_handover_confirm(voucher_code=voucher.code, station=station, acting_user=station_staff)
    assert actions.vouchers_expire(now=voucher.expires_at + timedelta(days=1)) == 0
    assert balance(worker) == 70


def test_worker_cancels_an_unclaimed_voucher(voucher, worker, stock):
    actions.voucher_cancel(voucher_id=voucher.pk, user=worker)
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.CANCELLED
    assert balance(worker) == 100 and quantity(stock) == 5
    refund = PointEntry.objects.get(reason="voucher_refund")
    assert refund.note == f"兑换券 {voucher.code_display} 已取消"
    with pytest.raises(TransitionNotAllowed) as error:
        actions.voucher_cancel(voucher_id=voucher.pk, user=worker)
    assert error.value.message == "只有待领取的兑换券可以取消，这张兑换券的状态是“已取消，积分已退回”。"
    assert balance(worker) == 100
    assert actions.vouchers_expire(now=voucher.expires_at + timedelta(days=1)) == 0


def test_a_foreign_voucher_cannot_be_cancelled(voucher, worker):
    with pytest.raises(Voucher.DoesNotExist):
        actions.voucher_cancel(voucher_id=voucher.pk, user=UserFactory())
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.ISSUED and balance(worker) == 70


# --- Stock and opt-in ------------------------------------------------------------------------


def test_station_staff_adjust_their_stock_with_a_reason(station, coffee, station_staff):
    stock = actions.rewardstock_adjust(
        station=station, reward=coffee, change=20, reason="到货 20 杯", acting_user=station_staff
    )
    assert stock.quantity == 20
    stock = actions.rewardstock_adjust(
        station=station, reward=coffee, change=-2, reason="过期倒掉", acting_user=station_staff
    )
    assert stock.quantity == 18
    entry = AuditEntry.objects.filter(action="rewards.stock.adjust").order_by("-pk").first()
    assert (entry.note, entry.data) == ("过期倒掉", {"change": -2, "before": 20, "after": 18})


@pytest.mark.parametrize(
    "change, reason, message",
    [
        (0, "盘点", "请填写增加的数量（减少请在前面加负号）。"),
        (3, "  ", "请填写调整原因，它会记入审计日志。"),
        (-6, "盘点", "库存不能少于零：现有 5 件，要调整 -6 件。"),
    ],
)
def test_bad_stock_adjustments_are_refused(stock, station_staff, change, reason, message):
    with pytest.raises(ApplicationError) as error:
        actions.rewardstock_adjust(
            station=stock.station,
            reward=stock.reward,
            change=change,
            reason=reason,
            acting_user=station_staff,
        )
    assert error.value.message == message
    assert quantity(stock) == 5


def test_staff_of_another_station_cannot_adjust(stock, other_staff):
    with pytest.raises(PermissionDenied) as error:
        actions.rewardstock_adjust(
            station=stock.station, reward=stock.reward, change=5, reason="到货", acting_user=other_staff
        )
    assert error.value.message == "你只能调整自己负责的驿站的库存。"
    assert quantity(stock) == 5


def test_opt_in_and_out(worker):
    assert actions.leaderboard_opt_set(user=worker, opted_in=True).opted_in
    assert actions.leaderboard_opt_set(user=worker, opted_in=True).opted_in
    assert not actions.leaderboard_opt_set(user=worker, opted_in=False).opted_in
    assert LeaderboardOptIn.objects.get(user=worker).opted_in is False
    assert AuditEntry.objects.filter(action="rewards.leaderboard.opt").count() == 2
