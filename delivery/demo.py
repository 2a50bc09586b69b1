"""A dozen Xihu compounds, parks and campuses with gates, rider parking, buildings, units and
lifts; three riders' corrections waiting for review and one accepted, so the map, its history and
the review queue show something on a fresh `make run`. Site manager: 13800000003 (紫金港花园)."""

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.demo import demo_user
from core.uploads import clean_image
from delivery.actions import correction_accept, correction_propose, rating_add
from delivery.models import (
    Building,
    Correction,
    DropPoint,
    Gate,
    Lift,
    Parking,
    Site,
    SiteNote,
    SiteRating,
    UnitEntrance,
)

# A demo worker (王强) doubles as the property manager of 紫金港花园: the demo keeps its nine workers.
SITE_MANAGER_PHONE = "13800000003"
RIDER_PHONE = "13800000001"
SERVICE_STAFF_PHONE = "13900000003"  # services/demo.py: service staff, who decide on corrections

# name, kind, street, address, aliases, (lat, lng), buildings, units per building
SITES = [
    (
        "紫金港花园",
        "compound",
        "sandun",
        "西湖区三墩镇紫金港路88号",
        ["紫金港小区", "紫金花园"],
        (30.3005, 120.0852),
        8,
        3,
    ),
    ("西溪诚园", "compound", "jiangcun", "西湖区蒋村街道文二西路768号", ["诚园"], (30.2818, 120.0911), 12, 2),
    (
        "文鼎苑",
        "compound",
        "jiangcun",
        "西湖区蒋村街道文一西路1008号",
        ["文鼎苑小区"],
        (30.2862, 120.0968),
        10,
        2,
    ),
    ("翠苑一区", "compound", "cuiyuan", "西湖区翠苑街道文三路477号", ["翠苑1区"], (30.2897, 120.1303), 30, 3),
    (
        "古荡新村",
        "compound",
        "gudang",
        "西湖区古荡街道古墩路12号",
        ["古荡新村东区"],
        (30.2849, 120.1176),
        20,
        2,
    ),
    (
        "西溪花园",
        "compound",
        "xixi",
        "西湖区西溪街道天目山路398号",
        ["西溪花园凤栖苑"],
        (30.2745, 120.1285),
        15,
        3,
    ),
    (
        "留下金都花园",
        "compound",
        "liuxia",
        "西湖区留下街道留和路318号",
        ["金都花园"],
        (30.2503, 120.0601),
        9,
        2,
    ),
    ("之江花园", "compound", "zhuantang", "西湖区转塘街道之江路2号", ["之江小区"], (30.1603, 120.1049), 6, 2),
    (
        "西溪谷科技园",
        "office_park",
        "xixi",
        "西湖区西溪街道西溪路525号",
        ["西溪谷", "西溪谷互联网金融小镇"],
        (30.2728, 120.1195),
        5,
        1,
    ),
    (
        "紫金港科技城产业园",
        "office_park",
        "sandun",
        "西湖区三墩镇西园路9号",
        ["科技城产业园"],
        (30.3121, 120.0897),
        6,
        1,
    ),
    (
        "浙江大学紫金港校区",
        "campus",
        "sandun",
        "西湖区余杭塘路866号",
        ["浙大紫金港", "紫金港校区"],
        (30.3032, 120.0826),
        0,
        0,
    ),
    (
        "西溪银泰城",
        "mall",
        "jiangcun",
        "西湖区蒋村街道五常大道1号",
        ["银泰城", "西溪银泰"],
        (30.2834, 120.0789),
        2,
        1,
    ),
]
PENDING = [
    ("紫金港花园", "gate_closed", "北门晚上10点后锁门，只能走东门。"),
    ("西溪诚园", "new_parking", "12幢旁边新划了外卖电动车停车区，可停20辆。"),
    ("翠苑一区", "note", "25幢的电梯周二上午检修，送餐请走楼梯。"),
]


def _photo():
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 160, 200)).save(buffer, "JPEG")
    return clean_image(SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg"))


def _seed_site(name, kind, street, address, aliases, point, buildings, units) -> Site:
    lat, lng = point
    site = Site.objects.create(
        name=name, kind=kind, street=street, address=address, aliases="\n".join(aliases), latitude=lat, longitude=lng,
        outline=[[lng - 0.002, lat - 0.0015], [lng + 0.002, lat - 0.0015], [lng + 0.002, lat + 0.0015], [lng - 0.002, lat + 0.0015]],
    )  # fmt: skip
    east = Gate.objects.create(
        site=site, name="东门", latitude=lat, longitude=lng + 0.0019, on_foot=True, ebike=True,
        guard=Gate.Guard.REGISTER, phone="0571-8888 0001",
    )  # fmt: skip
    Gate.objects.create(
        site=site, name="北门", latitude=lat + 0.0014, longitude=lng, on_foot=True, ebike=False,
        opens_at=dt.time(6, 0), closes_at=dt.time(22, 0), guard=Gate.Guard.SCAN,
    )  # fmt: skip
    Gate.objects.create(
        site=site, name="南门（车行）", latitude=lat - 0.0014, longitude=lng, on_foot=False, ebike=False,
        notes="仅业主车辆，骑手请走东门",
    )  # fmt: skip
    Parking.objects.create(
        site=site,
        name="东门外电动车停车区",
        latitude=lat + 0.0002,
        longitude=lng + 0.0021,
        capacity=30,
        charging=True,
    )
    DropPoint.objects.create(site=site, name="东门丰巢快递柜", latitude=lat, longitude=lng + 0.0017)
    SiteNote.objects.create(site=site, text="北门22:00后关闭，夜间请走东门。")
    for n in range(1, buildings + 1):
        row, col = divmod(n - 1, 4)
        building = Building.objects.create(
            site=site, number=str(n), name=f"{n}幢", latitude=lat + 0.001 - row * 0.0005,
            longitude=lng - 0.0015 + col * 0.001, floors=6 if n % 3 else 18, best_gate=east if n % 2 else None,
        )  # fmt: skip
        for u in range(1, units + 1):
            unit = UnitEntrance.objects.create(building=building, number=u, notes=f"{n}幢{u}单元门朝南")
            if building.floors and building.floors > 6:
                Lift.objects.create(
                    building=building, unit=unit, kind=Lift.Kind.LIFT, rules="外卖可用，请勿占用超过1分钟"
                )
        if building.floors == 6:
            Lift.objects.create(building=building, kind=Lift.Kind.STAIRS, rules="无电梯")
    return site


def seed(*, stdout) -> None:
    for spec in SITES:
        if not Site.objects.filter(name=spec[0]).exists():
            _seed_site(*spec)
    manager = demo_user(SITE_MANAGER_PHONE)
    Site.objects.get(name="紫金港花园").managers.add(manager)
    rider = demo_user(RIDER_PHONE)
    # 西溪银泰城 lets no e-bike in: three riders rate its parking low, so its page offers a topic.
    mall = Site.objects.get(name="西溪银泰城")
    for phone in (RIDER_PHONE, "13800000002", SITE_MANAGER_PHONE):
        if not SiteRating.objects.filter(site=mall, rider__phone=f"+86{phone}").exists():
            rating_add(site=mall, rider=demo_user(phone), entering=3, parking=1, finding=3, lifts=4)
    if Correction.objects.exists():
        return
    for site_name, kind, text in PENDING:
        site = Site.objects.get(name=site_name)
        gate = site.gates.filter(name="北门").first() if kind == "gate_closed" else None
        correction_propose(
            site=site, proposer=rider, kind=kind, text=text, lat=site.latitude + 0.0003, lng=site.longitude,
            photo=_photo(), gate=gate,
        )  # fmt: skip
    site = Site.objects.get(name="文鼎苑")
    accepted = correction_propose(
        site=site, proposer=rider, kind="note", text="快递柜移到了东门岗亭北侧。", lat=site.latitude,
        lng=site.longitude, photo=_photo(),
    )  # fmt: skip
    correction_accept(correction_id=accepted.pk, acting_user=demo_user(SERVICE_STAFF_PHONE))
    stdout.write("Delivery map: 12 sites, 3 corrections waiting, 1 accepted.")
