import io

import pytest

from accounts import demo as accounts_demo
from services import demo as services_demo
from stations import demo
from stations.models import Station

pytestmark = pytest.mark.django_db


def test_seeding_the_stations_twice_changes_nothing():
    accounts_demo.seed(stdout=io.StringIO())
    services_demo.seed(stdout=io.StringIO())
    demo.seed(stdout=io.StringIO())
    out = io.StringIO()
    demo.seed(stdout=out)
    assert out.getvalue() == "  stations: 3 stations; station lead 13900000004"
    assert sorted(Station.objects.values_list("name", "service_point__name")) == sorted(
        [
            ("湖滨小哥驿站", "北山街湖滨驿站"),
            ("翠苑小哥驿站", "翠苑小哥驿站"),
            ("西溪天街小哥驿站", "西溪天街暖心驿站"),
        ]
    )
    for station in Station.objects.all():
        assert list(station.staff.values_list("phone", flat=True)) == ["+8613900000004"]
