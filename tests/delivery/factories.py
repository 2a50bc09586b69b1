import datetime as dt

from delivery.models import Building, DropPoint, Gate, Lift, Parking, Site, SiteNote, UnitEntrance

HERE = (30.3005, 120.0852)  # 紫金港花园's point


def build_site(
    name: str = "紫金港花园",
    *,
    aliases: str = "紫金港小区\n紫金花园",
    address: str = "西湖区三墩镇紫金港路88号",
    point: tuple[float, float] = HERE,
    buildings: int = 4,
    units: int = 2,
) -> Site:
    lat, lng = point
    site = Site.objects.create(name=name, aliases=aliases, address=address, latitude=lat, longitude=lng)
    east = Gate.objects.create(
        site=site,
        name="东门",
        latitude=lat,
        longitude=lng + 0.002,
        on_foot=True,
        ebike=True,
        phone="0571-88880001",
    )
    Gate.objects.create(
        site=site,
        name="北门",
        latitude=lat + 0.0015,
        longitude=lng,
        on_foot=True,
        ebike=False,
        opens_at=dt.time(6, 0),
        closes_at=dt.time(22, 0),
        guard=Gate.Guard.SCAN,
    )
    Gate.objects.create(site=site, name="南门（车行）", latitude=lat - 0.0015, longitude=lng, on_foot=False)
    Parking.objects.create(site=site, name="东门外停车区", latitude=lat, longitude=lng + 0.0021, capacity=30)
    DropPoint.objects.create(site=site, name="丰巢快递柜", latitude=lat, longitude=lng + 0.0018)
    SiteNote.objects.create(site=site, text="北门22:00后关闭。")
    for n in range(1, buildings + 1):
        # Building 1 sits next to the north gate; the others are spread east.
        building = Building.objects.create(
            site=site,
            number=str(n),
            name=f"{n}幢",
            latitude=lat + 0.0013 if n == 1 else lat,
            longitude=lng if n == 1 else lng + 0.0004 * n,
            floors=18 if n % 2 else 6,
            best_gate=east if n == 4 else None,
        )
        for u in range(1, units + 1):
            unit = UnitEntrance.objects.create(building=building, number=u, notes=f"{n}幢{u}单元门朝南")
            Lift.objects.create(building=building, unit=unit, rules=f"{u}单元电梯外卖可用")
    return site
