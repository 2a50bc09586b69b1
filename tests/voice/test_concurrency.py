"""Real threads against PostgreSQL: a help request taken by several members at once goes to one;
a confirmation sent twice at once awards its points once; a retried upload sent twice at once is one row;
an opinion routed by several admins at once raises one topic."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from accounts import roles
from core.exceptions import ApplicationError
from deliberation.models import Topic
from points.models import PointAccount, PointEntry
from tests.factories import StaffFactory, UserFactory
from tests.governance.factories import GridFactory, GridMemberFactory
from tests.stations.factories import StationFactory
from tests.voice.factories import post_request
from voice import actions
from voice.models import HelpDeed, HelpRequest, Opinion

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


def _admin():
    user = StaffFactory()
    user.groups.add(Group.objects.get_or_create(name=roles.GRID_ADMIN)[0])
    roles.apply_roles()
    return user


def test_a_request_taken_by_many_members_at_once_goes_to_one():
    grid = GridFactory()
    members = [GridMemberFactory(grid=grid, user=UserFactory()).user for _ in range(6)]
    help_request = post_request(grid=grid, by=_admin())

    @in_thread
    def take(user):
        return actions.request_take(request_id=help_request.pk, user=user)

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(take, members))
    won = [r for r in results if isinstance(r, HelpRequest)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(won) == 1
    assert {r.message for r in refused} == {"抱歉，这条求助刚刚已被其他网格员接下。"}
    assert len(refused) == 5
    help_request.refresh_from_db()
    assert (help_request.status, help_request.taken_by_id) == ("taken", won[0].taken_by_id)


def test_two_confirmations_at_once_award_once():
    grid = GridFactory()
    member = GridMemberFactory(grid=grid).user
    admin = _admin()
    help_request = post_request(grid=grid, by=admin)
    actions.request_take(request_id=help_request.pk, user=member)
    actions.request_done(request_id=help_request.pk, user=member, note="已送到")

    @in_thread
    def confirm(_):
        return actions.request_confirm(request_id=help_request.pk, acting_user=admin)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(confirm, range(4)))
    assert sum(1 for r in results if not isinstance(r, ApplicationError)) == 1
    assert PointAccount.objects.get(user=member).balance == 10
    assert PointEntry.objects.filter(user=member).count() == 1


def test_the_same_record_sent_twice_at_once_is_filed_once():
    member = GridMemberFactory().user
    key = uuid.uuid4()

    @in_thread
    def record(_):
        return actions.deed_record(worker=member, kind="other", note="扶起单车", client_uuid=key)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(record, range(4)))
    assert sum(1 for r in results if isinstance(r, tuple) and r[1]) == 1
    assert HelpDeed.objects.filter(worker=member).count() == 1


def test_an_opinion_routed_by_two_admins_at_once_raises_one_topic():
    member = GridMemberFactory(grid=GridFactory(), user=UserFactory()).user
    opinion, _ = actions.opinion_submit(worker=member, text="东门没有骑手停车位")
    admins = [_admin() for _ in range(4)]
    stations = [StationFactory() for _ in range(4)]

    @in_thread
    def route(admin, station):
        return actions.opinion_route(
            opinion_id=opinion.pk, acting_user=admin, summary="东门缺骑手停车位", station_id=station.pk
        )

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(route, admins, stations))
    won = [r for r in results if isinstance(r, Opinion)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(won) == 1 and len(refused) == 3
    assert {r.message for r in refused} == {"当前状态为“已转交”，无法转交。"}
    topic = Topic.objects.get()
    opinion.refresh_from_db()
    assert (opinion.station_id, opinion.station_topic_id) == (topic.station_id, topic.pk)
    assert topic.station_id == won[0].station_id
