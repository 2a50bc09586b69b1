import pytest
from django.contrib.auth.models import Permission

from tests.factories import StaffFactory, UserFactory
from tests.stations.factories import StationFactory
from tests.volunteering.factories import TeamFactory, make_member, make_task


@pytest.fixture
def lead(db):
    return UserFactory(real_name="李娜")


@pytest.fixture
def station(db):
    return StationFactory(name="翠苑小哥驿站")


@pytest.fixture
def team(lead, station):
    return TeamFactory(name="助老专送小哥队", lead=lead, station=station)


@pytest.fixture
def member(team):
    return make_member(team, UserFactory(real_name="张伟"))


@pytest.fixture
def other_member(team):
    return make_member(team, UserFactory(real_name="王强"))


@pytest.fixture
def outsider(db):
    return UserFactory(real_name="路人甲")


@pytest.fixture
def task(team):
    return make_task(team)


@pytest.fixture
def coordinator(station):
    """Staff of the team's station with the permission to see the elderly person's details and to
    manage tasks."""
    user = StaffFactory(real_name="周驿站")
    station.staff.add(user)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="volunteering", codename__in=["see_recipient", "change_task", "view_task"]
        )
    )
    return user
