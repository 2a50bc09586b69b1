"""Real threads against PostgreSQL: a report accepted by two admins at once earns its points once.

The ledger's own races (overdraft, once_key) are tests/points/test_concurrency.py."""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection

from core.exceptions import ApplicationError
from governance import actions
from points.models import PointAccount
from tests.governance.factories import GridMemberFactory, category, clean_photo

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


def test_two_admins_accepting_at_once_award_once():
    from accounts import roles
    from tests.factories import staff_in

    member = GridMemberFactory().user
    report, _ = actions.report_submit(
        reporter=member,
        category=category(),
        lat=Decimal("30.2831"),
        lng=Decimal("120.0951"),
        photos=[clean_photo()],
    )
    admins = [staff_in(roles.GRID_ADMIN) for _ in range(4)]

    @in_thread
    def accept(admin):
        return actions.report_accept(report_id=report.pk, acting_user=admin)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(accept, admins))
    assert sum(1 for r in results if not isinstance(r, ApplicationError)) == 1
    assert PointAccount.objects.get(user=member).balance == 10
    assert report.updates.filter(status="accepted").count() == 1
