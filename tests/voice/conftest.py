import pytest
from django.contrib.auth.models import Group

from accounts import roles
from tests.factories import StaffFactory, UserFactory
from tests.governance.factories import GridFactory, GridMemberFactory, square


@pytest.fixture
def grid(db):
    return GridFactory(name="蒋村街道·龙湖天街网格")


@pytest.fixture
def other_grid(db):
    return GridFactory(name="西溪街道·西溪湿地网格", area=square(30.272, 120.063))


@pytest.fixture
def member(grid):
    return GridMemberFactory(grid=grid, user=UserFactory(real_name="张伟")).user


@pytest.fixture
def other_member(grid):
    return GridMemberFactory(grid=grid, user=UserFactory(real_name="王强")).user


@pytest.fixture
def far_member(other_grid):
    return GridMemberFactory(grid=other_grid, user=UserFactory(real_name="李明")).user


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
    """Staff without any voice permission."""
    user = StaffFactory(real_name="陈审核")
    user.groups.add(Group.objects.get(name=roles.CHECKER))
    return user


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
