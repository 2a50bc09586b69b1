import pytest

from tests.events.factories import EventFactory, StationFactory
from tests.factories import StaffFactory, UserFactory


@pytest.fixture
def station(db):
    return StationFactory(name="龙湖天街小哥驿站")


@pytest.fixture
def event(station):
    return EventFactory(station=station, title="诗歌分享会", seat_limit=2)


@pytest.fixture
def worker(db):
    return UserFactory(real_name="张伟")


@pytest.fixture
def lead(station):
    user = StaffFactory(real_name="周站长")
    station.lead = user
    station.save(update_fields=["lead"])
    return user


@pytest.fixture
def worker_client(client, worker):
    client.force_login(worker)
    return client
