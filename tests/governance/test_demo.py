import io

import pytest

from accounts import demo as accounts_demo
from governance import demo
from governance.models import Grid, GridMember
from governance.selectors import grid_for_point, is_grid_member

pytestmark = pytest.mark.django_db


def test_demo_grids_and_member_are_idempotent():
    accounts_demo.seed(stdout=io.StringIO())
    demo.seed(stdout=io.StringIO())
    demo.seed(stdout=io.StringIO())
    assert Grid.objects.count() == 6
    worker = accounts_demo.demo_user("13800000001")
    assert is_grid_member(user=worker)
    assert GridMember.objects.filter(user=worker).count() == 2
    # The demo places of UI.md fall in their grids.
    assert grid_for_point(lat=30.283, lng=120.095).name == "蒋村街道·龙湖天街网格"
    assert grid_for_point(lat=30.259, lng=120.143).name == "北山街道·西湖沿岸网格"
    assert grid_for_point(lat=30.160, lng=120.105) is None
    admin = accounts_demo.demo_user(demo.GRID_ADMIN_PHONE)
    assert admin.is_staff
    assert admin.has_perm("governance.change_report")
