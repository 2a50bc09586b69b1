import pytest
from django.contrib.auth.models import Group

from accounts import roles
from tests.factories import StaffFactory, UserFactory
from tests.governance.factories import GridFactory, GridMemberFactory


@pytest.fixture
def grid(db):
    return GridFactory(name="蒋村街道·龙湖天街网格")


@pytest.fixture
def member(grid):
    return GridMemberFactory(grid=grid, user=UserFactory(real_name="张伟")).user


@pytest.fixture
def outsider(db):
    return UserFactory(real_name="路人")


@pytest.fixture
def grid_admin(db):
    user = StaffFactory(real_name="周网格")
    user.groups.add(Group.objects.get(name=roles.GRID_ADMIN))
    return user


@pytest.fixture
def checker(db):
    user = StaffFactory(real_name="陈审核")
    user.groups.add(Group.objects.get(name=roles.CHECKER))
    return user


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    # Uploaded photos go to a throwaway directory, not var/private.
    settings.MEDIA_ROOT = tmp_path / "private"
