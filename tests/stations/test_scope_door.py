"""The one door that says who runs which station (stations/selectors.py).

Station staff run the stations where they are the lead or one of the staff; district
staff (`stations.manage_all_stations`) and superusers run every station; nobody else
runs any. The selector is a subquery (no duplicate rows when a person is both lead
and staff of a station), and every caller (admin, actions, pages) asks it.
"""

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission

from accounts import roles
from stations import selectors
from stations.models import Station
from tests.factories import StaffFactory, UserFactory
from tests.stations.factories import StationFactory
from volunteering.models import Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def here():
    return StationFactory(name="本站驿站")


@pytest.fixture
def there():
    return StationFactory(name="别站驿站")


def station_staff_of(*stations, lead_of=()):
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=roles.STATION_STAFF))
    for station in stations:
        station.staff.add(user)
    for station in lead_of:
        Station.objects.filter(pk=station.pk).update(lead=user)
    return user


def district_staff():
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=roles.STATION_STAFF))
    user.user_permissions.add(Permission.objects.get(codename="manage_all_stations"))
    return user


def test_who_runs_every_station(here):
    assert selectors.runs_every_station(district_staff()) is True
    assert selectors.runs_every_station(StaffFactory(is_superuser=True)) is True
    assert selectors.runs_every_station(station_staff_of(here)) is False
    assert selectors.runs_every_station(AnonymousUser()) is False
    # The permission counts only for active staff: not for a worker who somehow holds it.
    worker = UserFactory()
    worker.user_permissions.add(Permission.objects.get(codename="manage_all_stations"))
    assert selectors.runs_every_station(worker) is False
    former = district_staff()
    former.is_active = False
    assert selectors.runs_every_station(former) is False


def test_stations_run_by_lead_and_staff_once_each(here, there, django_assert_num_queries):
    both = station_staff_of(here, lead_of=[here])  # lead and staff of the same station
    query = selectors.stations_run_by(both)
    with django_assert_num_queries(1):
        assert list(query.values_list("name", flat=True)) == ["本站驿站"]
    # Usable as a subquery: one row per team, never doubled by the staff join.
    Team.objects.create(name="本站助老队", lead=UserFactory(), station=here)
    Team.objects.create(name="别站助老队", lead=UserFactory(), station=there)
    with django_assert_num_queries(1):
        assert list(Team.objects.filter(station__in=query).values_list("name", flat=True)) == ["本站助老队"]


def test_stations_run_by_each_kind_of_person(here, there):
    worker_lead = UserFactory()  # a riders' representative leads a station without being staff
    Station.objects.filter(pk=there.pk).update(lead=worker_lead)
    assert set(selectors.stations_run_by(worker_lead)) == {there}
    assert set(selectors.stations_run_by(station_staff_of(here))) == {here}
    assert set(selectors.stations_run_by(StaffFactory())) == set()
    assert set(selectors.stations_run_by(district_staff())) == {here, there}
    assert list(selectors.stations_run_by(AnonymousUser())) == []
    inactive = station_staff_of(here)
    inactive.is_active = False
    assert list(selectors.stations_run_by(inactive)) == []


def test_can_run(here, there):
    mine = station_staff_of(here)
    assert selectors.can_run(mine, here) is True
    assert selectors.can_run(mine, there) is False
    # A row without a station (a team of the district) is district work.
    assert selectors.can_run(mine, None) is False
    district = district_staff()
    assert (selectors.can_run(district, here), selectors.can_run(district, None)) == (True, True)
    assert selectors.can_run(AnonymousUser(), here) is False
    mine.is_active = False
    assert selectors.can_run(mine, here) is False


def test_in_station_scope(here, there):
    Team.objects.create(name="本站助老队", lead=UserFactory(), station=here)
    Team.objects.create(name="别站助老队", lead=UserFactory(), station=there)
    Team.objects.create(name="区级助老队", lead=UserFactory(), station=None)
    teams = Team.objects.order_by("name")

    def names(user):
        return list(
            selectors.in_station_scope(teams, user=user, station_path="station").values_list(
                "name", flat=True
            )
        )

    assert names(station_staff_of(here)) == ["本站助老队"]
    assert names(station_staff_of(there)) == ["别站助老队"]
    assert names(StaffFactory()) == []
    # District staff get the queryset as it is: also the rows without a station.
    district = names(district_staff())
    assert sorted(district) == sorted(["本站助老队", "别站助老队", "区级助老队"])


def test_the_old_copies_are_gone():
    """Every caller asks the door: the four rules that used to be written apart no longer exist."""
    import events.admin
    import rewards.admin
    import rewards.selectors

    assert not hasattr(selectors, "runs_all_stations") and not hasattr(selectors, "can_lead")
    assert not hasattr(events.admin, "stations_scope")
    assert not hasattr(rewards.admin, "sees_every_station") and not hasattr(rewards.admin, "own_stations")
    assert rewards.selectors.stations_run_by is selectors.stations_run_by  # the door's, imported
