"""Demo grids over Xihu District, a grid admin, and demo worker 13800000001 as a grid member;
the questions of two categories (Open311 attributes) and one reviewed partner report, so the
Open311 list and a service definition show something on a fresh `make run`."""

from decimal import Decimal

from django.contrib.auth.models import Group

from accounts import roles
from accounts.demo import demo_user
from accounts.models import Street
from governance.actions import apikey_issue, gridmember_appoint, report_accept, report_submit_partner
from governance.models import ApiKey, Category, Grid, GridMember


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

# The questions of two categories (governance.attributes), in the spec's datatypes.
QUESTIONS = {
    "road": [
        {
            "code": "cover_state", "datatype": "singlevaluelist", "required": True, "order": 1,
            "description_zh": "井盖是缺失、破损还是松动？",
            "description_en": "Is the manhole cover missing, broken or loose?",
            "values": [
                {"key": "missing", "name_zh": "缺失", "name_en": "Missing"},
                {"key": "broken", "name_zh": "破损", "name_en": "Broken"},
                {"key": "loose", "name_zh": "松动", "name_en": "Loose"},
                {"key": "not_a_cover", "name_zh": "不是井盖问题", "name_en": "Not a manhole cover"},
            ],
        },
        {
            "code": "width_m", "datatype": "number", "required": False, "order": 2,
            "description_zh": "坑洞或缺口大约多宽？", "description_en": "About how wide is the hole?",
            "datatype_description_zh": "单位：米，例如 0.6", "datatype_description_en": "In metres, e.g. 0.6",
        },
    ],
    "facility": [
        {
            "code": "parts", "datatype": "multivaluelist", "required": True, "order": 1,
            "description_zh": "哪些设施坏了？", "description_en": "What is broken?",
            "values": [
                {"key": "light", "name_zh": "路灯或楼道灯", "name_en": "A street or stairway light"},
                {"key": "railing", "name_zh": "护栏", "name_en": "A railing"},
                {"key": "bench", "name_zh": "座椅", "name_en": "A bench"},
                {"key": "charger", "name_zh": "充电设施", "name_en": "A charger"},
            ],
        },
        {
            "code": "noticed_at", "datatype": "datetime", "required": False, "order": 2,
            "description_zh": "什么时候发现的？", "description_en": "When did you notice it?",
        },
    ],
}  # fmt: skip
DEMO_PARTNER = "12345 市民热线（演示）"


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
    for code, questions in QUESTIONS.items():
        Category.objects.filter(code=code, attributes=[]).update(attributes=questions)
    if not ApiKey.objects.filter(name=DEMO_PARTNER).exists():
        key, _raw = apikey_issue(name=DEMO_PARTNER, acting_user=admin)  # the raw key is not needed again
        report = report_submit_partner(
            api_key=key,
            category=Category.objects.get(code="road"),
            description="龙湖天街东门外人行道井盖缺失，已临时摆放锥桶。",
            lat=Decimal("30.283100"),
            lng=Decimal("120.095100"),
            address="龙湖天街东门",
            answers={"cover_state": "missing", "width_m": "0.6"},
        )
        report_accept(report_id=report.pk, acting_user=admin)
    stdout.write(
        f"  governance: {len(GRIDS)} grids, grid admin {GRID_ADMIN_PHONE}, 13800000001 a grid member,"
        " questions on road and facility, one reviewed partner report"
    )
