"""The ledger's own rules: no overdraft, append-only lines."""

import pytest

from points import actions
from points.models import PointAccount, PointEntry

pytestmark = pytest.mark.django_db


def test_spending_more_than_the_balance_is_refused(member):
    actions.points_add(user=member, amount=30, reason="adjustment")
    with pytest.raises(actions.NotEnoughPoints) as error:
        actions.points_add(user=member, amount=-31, reason="spend")
    assert error.value.message == "积分不足：当前余额为 30。"
    actions.points_add(user=member, amount=-30, reason="spend")
    assert PointAccount.objects.get(user=member).balance == 0
    assert sum(PointEntry.objects.filter(user=member).values_list("amount", flat=True)) == 0


def test_the_ledger_is_append_only(member):
    entry = actions.points_add(user=member, amount=5, reason="adjustment")
    entry.amount = 500
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()
