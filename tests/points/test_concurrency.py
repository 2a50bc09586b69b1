"""Real threads against PostgreSQL: the balance never goes negative, an award counts once."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from core.exceptions import ApplicationError
from points import actions
from points.models import PointAccount, PointEntry
from tests.factories import UserFactory

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


def test_concurrent_spending_never_overdraws():
    user = UserFactory()
    actions.points_add(user=user, amount=100, reason="adjustment")

    @in_thread
    def spend(_):
        return actions.points_add(user=user, amount=-10, reason="spend")

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(spend, range(25)))
    refused = [r for r in results if isinstance(r, actions.NotEnoughPoints)]
    assert len(refused) == 15
    assert PointAccount.objects.get(user=user).balance == 0
    amounts = list(PointEntry.objects.filter(user=user).values_list("amount", flat=True))
    assert sum(amounts) == 0
    assert sorted(amounts) == [-10] * 10 + [100]
    assert min(PointEntry.objects.filter(user=user).values_list("balance_after", flat=True)) == 0


def test_concurrent_awards_with_one_key_count_once():
    user = UserFactory()

    @in_thread
    def award(_):
        return actions.points_add(
            user=user, amount=10, reason="report_accepted", once_key="report_accepted:1"
        )

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(award, range(16)))
    assert sum(1 for r in results if r is not None) == 1
    assert PointAccount.objects.get(user=user).balance == 10


def test_the_database_refuses_a_negative_balance_even_without_the_action():
    from django.db import IntegrityError

    user = UserFactory()
    PointAccount.objects.create(user=user, balance=5)
    with pytest.raises(IntegrityError):
        PointAccount.objects.filter(user=user).update(balance=-1)
