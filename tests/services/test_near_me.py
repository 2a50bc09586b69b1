"""Distance ordering, the radius, filters, open now, and the near-me pages (list, map, no JavaScript)."""

import datetime as dt
import random

import pytest
from django.urls import reverse
from django.utils import timezone

from services import geo, selectors
from services.models import Amenity, ServicePoint
from tests.factories import UserFactory, WorkerProfileFactory
from tests.services.factories import (
    OrganizationFactory,
    PointFactory,
    ScenarioFactory,
    ServiceAtPointFactory,
    ServiceFactory,
    closed_on,
    open_daily,
)

pytestmark = pytest.mark.django_db

URL = reverse("services:near_me")
MAP_URL = reverse("services:near_me_map")
# Jiangcun (the Xixi Longhu Tianjie mall area) and known places around it.
HERE = (30.2830, 120.0950)
PLACES = {
    "mall": (30.2831, 120.0948),  # ~22 m
    "jiangcun": (30.2795, 120.0991),  # ~554 m
    "zijingang": (30.3001, 120.0849),  # ~2.1 km
    "xixi_wetland": (30.2722, 120.0633),  # ~3.27 km
    "cuiyuan": (30.2898, 120.1302),  # ~3.5 km
    "west_lake": (30.2590, 120.1430),  # ~5.3 km
    "zhijiang": (30.1603, 120.1051),  # ~13.7 km
}


def test_haversine_of_known_distances():
    assert geo.haversine_km(*HERE, *HERE) == 0
    # One degree of latitude is 111.19 km on the mean sphere.
    assert geo.haversine_km(30.0, 120.0, 31.0, 120.0) == pytest.approx(111.195, abs=0.01)
    # Checked against the flat-earth approximation, good to metres at this scale:
    # dlat 0.1227° x 111.195 = 13.644 km, dlng 0.0101° x 111.195 x cos(30.22°) = 0.971 km.
    assert geo.haversine_km(*HERE, *PLACES["zhijiang"]) == pytest.approx(13.678, abs=0.005)
    assert geo.haversine_km(*PLACES["west_lake"], *PLACES["xixi_wetland"]) == pytest.approx(7.794, abs=0.005)


def test_bounding_box_contains_the_circle():
    box = geo.bounding_box(*HERE, 5)
    for bearing_point in [(HERE[0] + 0.0449, HERE[1]), (HERE[0], HERE[1] + 0.0518)]:
        assert geo.haversine_km(*HERE, *bearing_point) <= 5.01
        assert box.min_lat <= bearing_point[0] <= box.max_lat
        assert box.min_lng <= bearing_point[1] <= box.max_lng


@pytest.fixture
def places():
    org = OrganizationFactory()
    return {
        name: PointFactory(name=name, organization=org, latitude=lat, longitude=lng)
        for name, (lat, lng) in PLACES.items()
    }


def test_points_are_ordered_by_distance_in_the_database(places):
    points = list(selectors.points_near(lat=HERE[0], lng=HERE[1], radius_km=10))
    assert [p.name for p in points] == [
        "mall",
        "jiangcun",
        "zijingang",
        "xixi_wetland",
        "cuiyuan",
        "west_lake",
    ]
    for point in points:  # the SQL expression agrees with the Python formula
        assert point.distance_km == pytest.approx(
            geo.haversine_km(*HERE, point.latitude, point.longitude), rel=1e-9
        )


@pytest.mark.parametrize(
    "radius, expected",
    [
        (0.5, ["mall"]),
        (3, ["mall", "jiangcun", "zijingang"]),
        (5, ["mall", "jiangcun", "zijingang", "xixi_wetland", "cuiyuan"]),
        (30, ["mall", "jiangcun", "zijingang", "xixi_wetland", "cuiyuan", "west_lake", "zhijiang"]),
    ],
)
def test_radius_filter(places, radius, expected):
    assert [p.name for p in selectors.points_near(lat=HERE[0], lng=HERE[1], radius_km=radius)] == expected


def test_a_point_in_the_box_corner_but_outside_the_circle_is_left_out():
    box = geo.bounding_box(*HERE, 1)
    PointFactory(name="corner", latitude=box.max_lat - 0.0001, longitude=box.max_lng - 0.0001)
    assert list(selectors.points_near(lat=HERE[0], lng=HERE[1], radius_km=1)) == []


def test_amenity_scenario_and_inactive_filters(places):
    places["jiangcun"].amenities = [Amenity.CHARGING, Amenity.WATER]
    places["jiangcun"].save()
    places["cuiyuan"].amenities = [Amenity.CHARGING]
    places["cuiyuan"].save()
    names = [
        p.name for p in selectors.points_near(lat=HERE[0], lng=HERE[1], radius_km=10, amenity="charging")
    ]
    assert names == ["jiangcun", "cuiyuan"]
    rest = ScenarioFactory(code="rest")
    ServiceAtPointFactory(service=ServiceFactory(scenario=rest), point=places["zijingang"])
    ServiceAtPointFactory(service=ServiceFactory(scenario=rest, status="inactive"), point=places["mall"])
    assert [p.name for p in selectors.points_near(lat=HERE[0], lng=HERE[1], radius_km=10, scenario=rest)] == [
        "zijingang"
    ]
    ServicePoint.objects.filter(name="mall").update(is_active=False)
    assert "mall" not in [p.name for p in selectors.points_near(lat=HERE[0], lng=HERE[1], radius_km=10)]


def test_list_page_orders_by_distance_from_the_device_and_shows_open_now(client, places):
    open_daily(places["mall"], "00:00", "00:00")
    today = timezone.localdate()
    open_daily(places["jiangcun"])
    closed_on(places["jiangcun"], today, note="春节")
    response = client.get(URL, {"lat": HERE[0], "lng": HERE[1], "radius": 3})
    assert response.status_code == 200
    page = response.content.decode()
    names = [f'point-name">{name}<' for name in ("mall", "jiangcun", "zijingang")]
    assert page.index(names[0]) < page.index(names[1]) < page.index(names[2])
    assert 'point-name">cuiyuan<' not in page
    assert "离你的位置最近" in page
    assert "22 m" in page and "2.1 km" in page
    points = response.context["points"]
    assert [p.open.is_open for p in points] == [True, False, False]
    assert "营业中" in page and "已关门" in page


def test_open_now_only(client, places):
    open_daily(places["jiangcun"])
    response = client.get(URL, {"lat": HERE[0], "lng": HERE[1], "radius": 5, "open": "1"})
    assert [p.name for p in response.context["points"]] == ["jiangcun"]


def test_a_chosen_street_is_the_fallback_when_location_is_refused(client, places):
    response = client.get(URL, {"street": "cuiyuan", "radius": 1})
    assert [p.name for p in response.context["points"]] == ["cuiyuan"]
    assert "离翠苑街道最近" in response.content.decode()


def test_a_worker_without_location_sees_points_near_their_street(client, places):
    profile = WorkerProfileFactory(street="jiangcun")
    client.force_login(profile.user)
    response = client.get(URL, {"radius": 1})
    assert [p.name for p in response.context["points"]] == ["mall", "jiangcun"]
    assert response.context["source"] == "street"


def test_without_location_or_street_the_district_centre_is_used(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["source"] == "district"
    assert response.context["radius"] == 5
    assert "附近没有符合条件的服务点" in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"lat": "abc", "lng": "120.1"},
        {"lat": "91", "lng": "120.1"},
        {"lat": "30.28"},
        {"radius": "7"},
        {"radius": "-1"},
        {"amenity": "jacuzzi"},
        {"street": "atlantis"},
        {"scenario": "nope"},
    ],
)
def test_bad_parameters_fall_back_to_defaults_never_an_error(client, params):
    response = client.get(URL, params)
    assert response.status_code == 200
    assert response.context["source"] == "district"
    assert response.context["radius"] == 5


def test_the_list_works_without_javascript(client, places):
    page = client.get(URL, {"street": "jiangcun"}).content.decode()
    # Every point is a plain link in the HTML, the street choice is a plain GET form.
    # The link carries the filters, so the point page leads back to this list (issue 19).
    assert f'href="{places["mall"].get_absolute_url()}?street=jiangcun"' in page
    assert '<form method="get"' in page
    assert '<select name="street"' in page
    assert "leaflet" not in page


def test_map_page_carries_the_points_and_the_tile_setting(client, places, settings):
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    response = client.get(MAP_URL, {"lat": HERE[0], "lng": HERE[1], "radius": 1})
    page = response.content.decode()
    assert "vendor/leaflet/leaflet.js" in page
    data = response.context["map_data"]
    assert data["tiles"] == "https://tiles.example.org/{z}/{x}/{y}.png"
    assert [p["name"] for p in data["points"]] == ["mall", "jiangcun"]
    assert 'id="map-data"' in page


def test_without_a_tile_url_there_is_no_map(client, places, settings):
    settings.MAP_TILE_URL = ""
    response = client.get(MAP_URL, {"street": "xixi", "amenity": "water"})
    assert response.status_code == 302
    assert response["Location"] == URL + "?street=xixi&amenity=water"
    assert "在地图上查看" not in client.get(URL).content.decode()


def test_list_query_count_stays_the_same_with_5000_points(client, django_assert_num_queries):
    org = OrganizationFactory()
    rng = random.Random(6)
    points = ServicePoint.objects.bulk_create(
        ServicePoint(
            organization=org,
            name=f"点{i}",
            address="西湖区",
            latitude=30.15 + rng.random() * 0.2,
            longitude=120.05 + rng.random() * 0.12,
            amenities=["charging"] if i % 2 else ["water"],
        )
        for i in range(5000)
    )
    for point in points[:200]:
        open_daily(point, "08:00", "20:00")
        closed_on(point, timezone.localdate() + dt.timedelta(days=1))
    # 1: the nearest points (box + haversine, ordered and limited in SQL),
    # 2: their weekly hours, 3: their dated exceptions around today.
    with django_assert_num_queries(3):
        response = client.get(URL, {"lat": HERE[0], "lng": HERE[1], "radius": 30, "amenity": "charging"})
    points = response.context["points"]
    assert len(points) == selectors.NEAR_ME_LIMIT
    distances = [p.distance_km for p in points]
    assert distances == sorted(distances)
    assert all("charging" in p.amenities for p in points)


def test_logged_in_list_query_count(client, django_assert_num_queries, places):
    user = UserFactory()
    client.force_login(user)
    # The points, hours, exceptions, session, user, the inbox count.
    # (With a location from the device the profile's street is not needed.)
    with django_assert_num_queries(6):
        client.get(URL, {"lat": HERE[0], "lng": HERE[1]})


def test_a_gcj02_map_gets_wgs84_points_and_says_it_converts_them(client, places, settings):
    # Issue 19, item 11: the points stay WGS-84 on the server; static/core/mapcoords.js converts them.
    settings.MAP_TILE_URL = "https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}"
    settings.MAP_TILE_COORDINATES, settings.MAP_TILE_SUBDOMAINS = "gcj02", "1234"
    response = client.get(MAP_URL, {"lat": HERE[0], "lng": HERE[1], "radius": 1})
    data = response.context["map_data"]
    assert (data["coords"], data["subdomains"], data["labels"]) == ("gcj02", "1234", "")
    mall = places["mall"]
    assert (data["points"][0]["lat"], data["points"][0]["lng"]) == (mall.latitude, mall.longitude)
    page = response.content.decode()
    assert page.index("core/mapcoords.js") < page.index("services/near.js")
