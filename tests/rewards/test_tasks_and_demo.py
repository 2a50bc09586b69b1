import io
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from points.actions import points_add
from points.models import PointAccount, PointEntry
from rewards import actions
from rewards.models import LeaderboardOptIn, Reward, RewardStock, Voucher
from rewards.tasks import expire_vouchers
from tests.factories import UserFactory
from tests.rewards.factories import RewardFactory, StationFactory, StockFactory


def wait_until(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.integration
def test_the_expiry_task_runs_on_a_real_worker(celery_worker_thread):
    station = StationFactory()
    reward = RewardFactory(price=30)
    stock = StockFactory(station=station, reward=reward, quantity=2)
    worker = UserFactory()
    points_add(user=worker, amount=60, reason="adjustment")
    overdue = actions.voucher_redeem(user=worker, reward=reward, station=station)
    fresh = actions.voucher_redeem(user=worker, reward=reward, station=station)
    Voucher.objects.filter(pk=overdue.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    expire_vouchers.delay()
    assert wait_until(lambda: Voucher.objects.get(pk=overdue.pk).status == Voucher.Status.EXPIRED)
    expire_vouchers.delay()  # idempotent: a second run finds nothing more to do
    expire_vouchers.delay()
    time.sleep(2)

    overdue.refresh_from_db()
    fresh.refresh_from_db()
    stock.refresh_from_db()
    assert (overdue.status, fresh.status) == (Voucher.Status.EXPIRED, Voucher.Status.ISSUED)
    assert stock.quantity == 1
    assert PointAccount.objects.get(user=worker).balance == 30
    assert PointEntry.objects.filter(reason="voucher_refund").count() == 1


def _counts() -> dict:
    return {
        "rewards": Reward.objects.count(),
        "stock": list(RewardStock.objects.order_by("pk").values_list("quantity", flat=True)),
        "vouchers": list(Voucher.objects.order_by("pk").values_list("status", flat=True)),
        "entries": PointEntry.objects.count(),
        "opted_in": LeaderboardOptIn.objects.filter(opted_in=True).count(),
    }


@pytest.mark.django_db
def test_demo_seed_is_idempotent():
    from accounts import demo as accounts_demo
    from rewards import demo

    out = io.StringIO()
    accounts_demo.seed(stdout=out)
    demo.seed(stdout=out)
    assert "no stations yet" in out.getvalue()
    StationFactory(name="龙湖天街小哥驿站")
    StationFactory(name="西溪湿地小哥驿站")
    demo.seed(stdout=out)
    first = _counts()
    assert first["rewards"] == 4
    assert len(first["stock"]) == 8
    assert sorted(first["vouchers"]) == ["handed_over", "issued"]
    assert first["opted_in"] == 3
    demo.seed(stdout=out)
    assert _counts() == first
    worker = Voucher.objects.first().user
    assert worker.phone == "+8613800000001"
    assert PointAccount.objects.get(user=worker).balance >= 0
    assert [r.price for r in Reward.objects.order_by("position")] == [30, 60, 80, 150]
