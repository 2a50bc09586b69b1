"""Demo grids over Xihu District, a grid admin, and demo worker 13800000001 as a grid member."""

from django.contrib.auth.models import Group

from accounts import roles
from accounts.demo import demo_user
from accounts.models import Street
from governance.actions import gridmember_appoint
from governance.models import Grid, GridMember


def box(lat: float, lng: float, half_lat: float = 0.006, half_lng: float = 0.007) -> dict:
    """A GeoJSON polygon around a point (about 1.3 km by 1.3 km)."""
    south, north, west, east = lat - half_lat, lat + half_lat, lng - half_lng, lng + half_lng
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


GRIDS = [
    ("北山街道·西湖沿岸网格", Street.BEISHAN, "北山社区", box(30.259, 120.143)),
    ("蒋村街道·龙湖天街网格", Street.JIANGCUN, "文鼎苑社区", box(30.283, 120.095)),
    ("西溪街道·西溪湿地网格", Street.XIXI, "五常社区", box(30.272, 120.063)),
    ("翠苑街道·翠苑一区网格", Street.CUIYUAN, "翠苑一区社区", box(30.290, 120.130)),
    ("古荡街道·古荡新村网格", Street.GUDANG, "古荡新村社区", box(30.285, 120.118)),
    ("三墩镇·紫金港网格", Street.SANDUN, "紫金港社区", box(30.300, 120.085)),
]

GRID_ADMIN_PHONE = "13900000003"


def seed(*, stdout) -> None:
    for name, street, community, area in GRIDS:
        Grid.objects.get_or_create(
            name=name, defaults={"street": street, "community": community, "area": area}
        )
    admin = demo_user(GRID_ADMIN_PHONE, "周网格")
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    # add, not set: the same demo login is also the service staff member (services/demo.py).
    admin.groups.add(*Group.objects.filter(name=roles.GRID_ADMIN))
    worker = demo_user("13800000001")
    for grid_name in ("蒋村街道·龙湖天街网格", "西溪街道·西溪湿地网格"):
        grid = Grid.objects.get(name=grid_name)
        if not GridMember.objects.filter(grid=grid, user=worker, ends_on__isnull=True).exists():
            gridmember_appoint(grid=grid, user=worker, acting_user=admin)
    stdout.write(
        f"  governance: {len(GRIDS)} grids, grid admin {GRID_ADMIN_PHONE}, 13800000001 a grid member"
    )
