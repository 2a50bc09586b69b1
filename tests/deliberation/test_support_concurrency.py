"""Real threads against PostgreSQL: one support per person, one award per accepted topic."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connection

from core.exceptions import ApplicationError
from deliberation import actions
from deliberation.models import Support, TopicUpdate
from points.models import PointAccount, PointEntry
from tests.factories import UserFactory
from tests.stations.factories import StationFactory

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


def test_the_same_person_supporting_twice_at_once_makes_one_row():
    lead = UserFactory()
    topic = actions.topic_raise(
        station=StationFactory(lead=lead),
        raised_by=UserFactory(),
        title="午高峰没有临时停车位",
        description="北门。",
    )
    supporter = UserFactory()
    barrier = Barrier(6)

    @in_thread
    def support(_):
        barrier.wait()
        return actions.topic_support(topic_id=topic.pk, user=supporter)

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(support, range(6)))
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(refused) == 5
    assert {r.message for r in refused} == {"你已经附议过这个议题了，每人只能附议一次。"}
    assert Support.objects.filter(topic=topic, user=supporter).count() == 1


def test_two_leads_accepting_at_once_award_once():
    lead = UserFactory()
    station = StationFactory(lead=lead)
    helpers = [UserFactory() for _ in range(3)]
    station.staff.add(*helpers)
    raiser = UserFactory()
    topic = actions.topic_raise(
        station=station, raised_by=raiser, title="小区门岗不让骑手进", description="翠苑。"
    )
    barrier = Barrier(4)

    @in_thread
    def accept(person):
        barrier.wait()
        return actions.topic_accept(topic_id=topic.pk, acting_user=person)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(accept, [lead, *helpers]))
    assert sum(1 for r in results if not isinstance(r, ApplicationError)) == 1
    assert PointEntry.objects.filter(user=raiser).count() == 1
    assert PointAccount.objects.get(user=raiser).balance == 5
    assert TopicUpdate.objects.filter(topic=topic, status="accepted").count() == 1
