"""Real threads against PostgreSQL: stock and points never below zero, every debit has its voucher."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from core.exceptions import ApplicationError
from points.actions import NotEnoughPoints, points_add
from points.models import PointAccount, PointEntry
from rewards import actions
from rewards.models import RewardStock, Voucher
from tests.factories import StaffFactory, UserFactory
from tests.rewards.factories import RewardFactory, StationFactory, StockFactory

pytestmark = pytest.mark.django_db(transaction=True)


def in_thread(function):
    def run(*args):
        try:
            return function(*args)
        except ApplicationError as error:
            return error
        finally:
            connection.close()

    return run


def assert_ledger_matches(user) -> None:
    account = PointAccount.objects.get(user=user)
    assert account.balance >= 0
    assert PointEntry.objects.filter(user=user).aggregate(total=Sum("amount"))["total"] == account.balance
    assert min(PointEntry.objects.filter(user=user).values_list("balance_after", flat=True)) >= 0


def test_many_workers_redeem_the_last_items():
    station = StationFactory()
    stock = StockFactory(station=station, reward=RewardFactory(price=10), quantity=5)
    workers = [UserFactory() for _ in range(16)]
    for worker in workers:
        points_add(user=worker, amount=10, reason="adjustment")

    @in_thread
    def redeem(worker):
        return actions.voucher_redeem(user=worker, reward=stock.reward, station=station)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(redeem, workers))
    issued = [r for r in results if isinstance(r, Voucher)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(issued) == 5
    assert len(refused) == 11 and all(isinstance(r, actions.OutOfStock) for r in refused)
    stock.refresh_from_db()
    assert stock.quantity == 0
    debits = PointEntry.objects.filter(reason="reward_redeemed")
    assert debits.count() == Voucher.objects.count() == 5
    assert set(debits.values_list("source_id", flat=True)) == {str(v.pk) for v in Voucher.objects.all()}
    for worker in workers:
        assert_ledger_matches(worker)


def test_one_worker_spends_the_last_points_at_many_stations_at_once():
    worker = UserFactory()
    points_add(user=worker, amount=100, reason="adjustment")
    reward = RewardFactory(price=30)
    stocks = [StockFactory(reward=reward, quantity=3) for _ in range(4)]

    @in_thread
    def redeem(stock):
        return actions.voucher_redeem(user=worker, reward=reward, station=stock.station)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(redeem, stocks * 3))  # 12 attempts of 30 points against 100 points
    issued = [r for r in results if isinstance(r, Voucher)]
    assert len(issued) == 3
    assert sum(isinstance(r, NotEnoughPoints) for r in results) == 9
    assert PointAccount.objects.get(user=worker).balance == 10
    assert_ledger_matches(worker)
    # Every voucher has its debit, every debit its voucher; refused attempts left no stock taken.
    debits = PointEntry.objects.filter(user=worker, reason="reward_redeemed")
    assert debits.count() == Voucher.objects.filter(user=worker).count() == 3
    assert sorted(debits.values_list("source_id", flat=True)) == sorted(str(v.pk) for v in issued)
    assert RewardStock.objects.aggregate(total=Sum("quantity"))["total"] == 12 - 3


def test_last_items_and_last_points_together():
    station = StationFactory()
    reward = RewardFactory(price=20)
    stock = StockFactory(station=station, reward=reward, quantity=6)
    workers = [UserFactory() for _ in range(5)]
    for worker in workers:
        points_add(user=worker, amount=50, reason="adjustment")  # 2 redemptions each, 10 wanted

    @in_thread
    def redeem(worker):
        return actions.voucher_redeem(user=worker, reward=reward, station=station)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(redeem, workers * 4))
    issued = [r for r in results if isinstance(r, Voucher)]
    assert len(issued) == 6
    stock.refresh_from_db()
    assert stock.quantity == 0
    assert PointEntry.objects.filter(reason="reward_redeemed").count() == Voucher.objects.count() == 6
    for worker in workers:
        assert_ledger_matches(worker)
        spent = Voucher.objects.filter(user=worker).count() * 20
        assert PointAccount.objects.get(user=worker).balance == 50 - spent


@pytest.mark.parametrize("attempt", range(4))
def test_expiry_racing_a_hand_over_exactly_one_wins(attempt):
    station = StationFactory()
    staff = StaffFactory()
    station.staff.add(staff)
    reward = RewardFactory(price=30)
    stock = StockFactory(station=station, reward=reward, quantity=1)
    worker = UserFactory()
    points_add(user=worker, amount=30, reason="adjustment")
    voucher = actions.voucher_redeem(user=worker, reward=reward, station=station)
    sweep_time = voucher.expires_at + timedelta(
        seconds=1
    )  # the sweep sees it expired; staff, a moment before, not
    start = threading.Barrier(2)

    @in_thread
    def run(which):
        start.wait()
        if which == "handover":
            return actions.voucher_handover_confirm(
                voucher_code=voucher.code, station=station, acting_user=staff
            )
        return actions.vouchers_expire(now=sweep_time)

    with ThreadPoolExecutor(2) as pool:
        handover, expired = pool.map(run, ["handover", "expire"])
    voucher.refresh_from_db()
    stock.refresh_from_db()
    if isinstance(handover, Voucher):
        assert expired == 0
        assert voucher.status == Voucher.Status.HANDED_OVER
        assert (stock.quantity, PointAccount.objects.get(user=worker).balance) == (0, 0)
    else:
        assert expired == 1
        assert handover.message.startswith("这张兑换券已于")
        assert voucher.status == Voucher.Status.EXPIRED
        assert (stock.quantity, PointAccount.objects.get(user=worker).balance) == (1, 30)
    assert PointEntry.objects.filter(reason="voucher_refund").count() == (voucher.status == "expired")
    assert_ledger_matches(worker)


def test_two_sweeps_at_once_refund_once():
    station = StationFactory()
    reward = RewardFactory(price=30)
    StockFactory(station=station, reward=reward, quantity=3)
    worker = UserFactory()
    points_add(user=worker, amount=90, reason="adjustment")
    for _ in range(3):
        actions.voucher_redeem(user=worker, reward=reward, station=station)
    later = timezone.now() + timedelta(days=30)

    @in_thread
    def sweep(_):
        return actions.vouchers_expire(now=later)

    with ThreadPoolExecutor(4) as pool:
        counts = list(pool.map(sweep, range(4)))
    assert sum(counts) == 3
    assert PointEntry.objects.filter(reason="voucher_refund").count() == 3
    assert PointAccount.objects.get(user=worker).balance == 90
    assert RewardStock.objects.get(station=station).quantity == 3
    assert_ledger_matches(worker)
