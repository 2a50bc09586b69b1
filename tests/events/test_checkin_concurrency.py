"""Two taps of the same worker at the same moment: one check-in, one ledger entry."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from core.exceptions import ApplicationError
from events import actions, codes
from events.models import CheckIn
from points.models import PointAccount, PointEntry
from tests.events.factories import RegistrationFactory, ongoing_event

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_threads_checking_in_the_same_worker():
    event = ongoing_event()
    registration = RegistrationFactory(event=event)
    user = registration.user

    def tap(_):
        try:
            return actions.checkin_create(event_id=event.pk, user=user, code=codes.checkin_code(event.pk))
        except ApplicationError as error:
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(tap, range(2)))
    assert sum(isinstance(result, CheckIn) for result in results) == 1
    refusals = [result for result in results if isinstance(result, ApplicationError)]
    assert [error.message for error in refusals] == ["你已经签到过了，不能重复签到。"]
    assert CheckIn.objects.count() == 1
    assert PointEntry.objects.filter(user=user).count() == 1
    assert PointAccount.objects.get(user=user).balance == 10
