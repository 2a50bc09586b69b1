from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts import roles
from deliberation import actions
from tests.factories import StaffFactory, UserFactory
from tests.stations.factories import StationFactory


@pytest.fixture
def lead(db):
    """A worker who leads the station (a riders' representative), not staff."""
    return UserFactory(real_name="赵队长")


@pytest.fixture
def station(lead):
    return StationFactory(name="西溪天街小哥驿站", lead=lead)


@pytest.fixture
def raiser(db):
    return UserFactory(real_name="张伟")


@pytest.fixture
def supporter(db):
    return UserFactory(real_name="李娜")


@pytest.fixture
def outsider(db):
    return UserFactory(real_name="王强")


@pytest.fixture
def station_staff(db):
    user = StaffFactory(real_name="钱管理")
    user.groups.add(Group.objects.get(name=roles.STATION_STAFF))
    return user


@pytest.fixture
def topic(station, raiser):
    return actions.topic_raise(
        station=station,
        raised_by=raiser,
        title="商场不让电动车进地库取餐",
        description="午高峰只能停在路边，步行取餐要十分钟。",
    )


@pytest.fixture
def supported_topic(topic, supporter):
    actions.topic_support(topic_id=topic.pk, user=supporter)
    return topic


def schedule(station, lead, topics, days=3):
    starts = timezone.now() + timedelta(days=days)
    return actions.session_schedule(
        station=station,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        place="西溪天街B1层会议室",
        parties=["mall", "riders"],
        topic_ids=[topic.pk for topic in topics],
        seat_limit=20,
        acting_user=lead,
    )


def hold(session):
    """Move a scheduled session into the past, as if it had taken place."""
    from deliberation.models import Session

    past = timezone.now() - timedelta(hours=3)
    Session.objects.filter(pk=session.pk).update(starts_at=past, ends_at=past + timedelta(hours=2))
    session.refresh_from_db()
    return session
