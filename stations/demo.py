"""Demo courier stations at three demo service points (services/demo.py seeds them first), and their lead."""

from typing import TYPE_CHECKING, cast

from django.contrib.auth.models import Group

from accounts import roles
from accounts.demo import demo_user
from accounts.models import Street
from stations.models import Station

if TYPE_CHECKING:  # the type only; at run time seed() takes the model from the foreign key
    from services.models import ServicePoint as ServicePointModel

STATION_LEAD_PHONE = "13900000004"

# name, service point (services/demo.py), host, kind of host, street
STATIONS = [
    (
        "西溪天街小哥驿站",
        "西溪天街暖心驿站",
        "杭州西溪龙湖天街购物中心",
        Station.HostKind.MALL,
        Street.JIANGCUN,
    ),
    ("翠苑小哥驿站", "翠苑小哥驿站", "翠苑一区社区居委会", Station.HostKind.COMMUNITY, Street.CUIYUAN),
    ("湖滨小哥驿站", "北山街湖滨驿站", "北山街道湖滨商圈", Station.HostKind.OTHER, Street.BEISHAN),
]


def seed(*, stdout) -> None:
    lead = demo_user(STATION_LEAD_PHONE, "驿站管理员")
    if not lead.is_staff:
        lead.is_staff = True
        lead.save(update_fields=["is_staff"])
    lead.groups.add(*Group.objects.filter(name=roles.STATION_STAFF))
    # The model the station's own foreign key names: stations imports nothing from services.
    # Django types related_model loosely (a model, or "self"); this field names services.ServicePoint.
    ServicePoint = cast("type[ServicePointModel]", Station._meta.get_field("service_point").related_model)
    for name, point_name, host, kind, street in STATIONS:
        point = ServicePoint.objects.get(name=point_name)
        station, _ = Station.objects.get_or_create(
            name=name,
            defaults={
                "service_point": point,
                "host_name": host,
                "host_kind": kind,
                "street": street,
                "lead": lead,
            },
        )
        station.staff.add(lead)
    stdout.write(f"  stations: {len(STATIONS)} stations; station lead {STATION_LEAD_PHONE}")
