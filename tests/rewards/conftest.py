import pytest
from django.contrib.auth.models import Group

from accounts import roles
from points.actions import points_add
from tests.factories import StaffFactory, UserFactory, WorkerProfileFactory
from tests.rewards.factories import RewardFactory, StationFactory, StockFactory


@pytest.fixture
def station(db):
    return StationFactory(name="龙湖天街小哥驿站")


@pytest.fixture
def other_station(db):
    return StationFactory(name="西溪湿地小哥驿站")


@pytest.fixture
def coffee(db):
    return RewardFactory()


@pytest.fixture
def stock(station, coffee):
    return StockFactory(station=station, reward=coffee, quantity=5)


@pytest.fixture
def worker(db):
    user = WorkerProfileFactory(user=UserFactory(real_name="张伟")).user
    points_add(user=user, amount=100, reason="adjustment")
    return user


@pytest.fixture
def station_staff(station):
    user = StaffFactory(real_name="赵驿站")
    user.groups.add(Group.objects.get(name=roles.STATION_STAFF))
    station.staff.add(user)
    return user


@pytest.fixture
def other_staff(other_station):
    user = StaffFactory(real_name="钱驿站")
    user.groups.add(Group.objects.get(name=roles.STATION_STAFF))
    other_station.staff.add(user)
    return user
