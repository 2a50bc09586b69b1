"""The site page: a plain list (no JavaScript needed), the building asked for, the best gate."""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse

from delivery import selectors
from delivery.models import Gate
from tests.delivery.factories import build_site

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def url(site) -> str:
    return reverse("delivery:site", args=[site.uuid])


def test_site_page_lists_gates_parking_buildings_and_lifts(client, site, settings):
    settings.MAP_TILE_URL = ""
    response = client.get(url(site))
    body = response.content.decode()
    assert response.status_code == 200
    for text in (
        "东门",
        "北门",
        "南门（车行）",
        "东门外停车区",
        "丰巢快递柜",
        "北门22:00后关闭。",
        "3幢",
        "1单元电梯外卖可用",
    ):
        assert text in body
    assert response.context["map_data"] is None  # no tiles configured: the list is the page


def test_the_building_asked_for_gets_its_best_gate_and_a_navigation_link(client, site):
    response = client.get(url(site), {"b": "3幢2单元"})
    body = response.content.decode()
    assert response.context["building"].number == "3"
    assert response.context["unit"].number == 2
    gate = response.context["gate"]
    assert gate.name == "东门"  # the e-bike gate; the north gate is for riders on foot only
    assert (
        f'href="https://uri.amap.com/navigation?to={gate.longitude},{gate.latitude},'
        "%E7%B4%AB%E9%87%91%E6%B8%AF%E8%8A%B1%E5%9B%AD%E4%B8%9C%E9%97%A8&amp;mode=ride&amp;coordinate=wgs84"
        '&amp;callnative=1&amp;src=xiaoge"'
    ) in body
    assert "3幢2单元门朝南" in body
    assert "2单元电梯外卖可用" in body


def test_a_building_number_that_does_not_parse_is_said_plainly(client, site):
    response = client.get(url(site), {"b": "三号半"})
    assert response.status_code == 200
    assert "“三号半”不是能识别的楼号，请写成 3、3幢、12号楼 或 3幢2单元。" in response.content.decode()
    assert 'value="三号半"' in response.content.decode()  # kept as typed


def test_a_building_not_on_the_map_is_said_plainly(client, site):
    response = client.get(url(site), {"b": "9幢"})
    assert "这个小区的地图上还没有9幢。" in response.content.decode()
    response = client.get(url(site), {"b": "3幢7单元"})
    assert "3幢的地图上还没有7单元。" in response.content.decode()


def test_best_gate_prefers_the_buildings_own_then_open_then_nearest(site):
    detail = selectors.site_detail(site_uuid=site.uuid)
    buildings = {b.number: b for b in detail.buildings.all()}
    noon = dt.datetime(2026, 3, 2, 12, 0, tzinfo=SHANGHAI)
    night = dt.datetime(2026, 3, 2, 23, 0, tzinfo=SHANGHAI)
    assert selectors.best_gate(detail, buildings["4"], noon).name == "东门"  # its own best gate
    Gate.objects.filter(site=site, name="东门").update(ebike=False)
    detail = selectors.site_detail(site_uuid=site.uuid)
    buildings = {b.number: b for b in detail.buildings.all()}
    assert selectors.best_gate(detail, buildings["1"], noon).name == "北门"  # nearest, open
    assert selectors.best_gate(detail, buildings["1"], night).name == "东门"  # the north gate is shut
    Gate.objects.filter(site=site).update(is_active=False)
    detail = selectors.site_detail(site_uuid=site.uuid)
    assert selectors.best_gate(detail, None, noon) is None


def test_site_page_query_count_does_not_grow_with_buildings(client, django_assert_num_queries):
    big = build_site(buildings=40, units=4)
    # 1 site, 2 gates, 3 parking, 4 drop points, 5 buildings, 6 their units, 7 their lifts,
    # 8 notes, 9 changes, 10 the access ratings' averages.
    with django_assert_num_queries(10):
        response = client.get(url(big), {"b": "33-4"})
    assert response.context["unit"].number == 4


def test_an_unknown_or_hidden_site_is_404(client, site):
    site.is_active = False
    site.save(update_fields=["is_active"])
    assert client.get(url(site)).status_code == 404


def test_the_map_is_drawn_with_the_service_point_component_when_tiles_are_set(client, site, settings):
    settings.MAP_TILE_URL = "https://tiles.example.invalid/{z}/{x}/{y}.png"
    response = client.get(url(site))
    body = response.content.decode()
    assert 'id="map-data"' in body
    assert "services/near" in body
    points = response.context["map_data"]["points"]
    assert {"name": "东门", "lat": site.latitude, "lng": site.longitude + 0.002} == {
        k: points[0][k] for k in ("name", "lat", "lng")
    }


def test_site_page_query_count_for_a_logged_in_worker(client, django_assert_num_queries, site):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    # The nine reads of the site and the ratings' averages, plus: session, user, the review
    # permission (the user's own, then their groups'), whether a manager of this site, the inbox count.
    with django_assert_num_queries(16):
        response = client.get(reverse("delivery:site", args=[site.uuid]), {"b": "3-2"})
    assert response.context["may_review"] is False
    assert response.context["rating_form"] is not None
