"""Words and data on the services pages as a worker reads them (issue 19, item 8)."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from core.templatetags.portal import icon
from tests.services.factories import PointFactory, closed_on, open_daily

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEDNESDAY_8AM = dt.datetime(2026, 12, 2, 8, 0, tzinfo=SHANGHAI)


@pytest.fixture
def wednesday_morning(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: WEDNESDAY_8AM.astimezone(dt.UTC))


def open_state(client, point) -> str:
    page = client.get(reverse("services:point", args=[point.uuid])).content.decode()
    block = re.search(r'<p class="open-state">(.*?)</p>', page, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", block).split())


def test_a_point_opening_later_today_says_today_not_the_weekday(client, wednesday_morning):
    # Was: "已关门 星期三 10:00 开门" on a Wednesday, beside a table saying 今天.
    point = open_daily(PointFactory(), "10:00", "18:00")
    assert open_state(client, point) == "已关门 今天 10:00 开门"


def test_a_point_opening_tomorrow_says_tomorrow(client, wednesday_morning):
    point = open_daily(PointFactory(), "10:00", "18:00")
    closed_on(point, WEDNESDAY_8AM.date(), note="盘点")
    assert open_state(client, point) == "已关门 明天 10:00 开门 盘点"


def test_a_point_opening_later_in_the_week_names_the_day(client, wednesday_morning):
    point = open_daily(PointFactory(), "10:00", "18:00")
    for days in (0, 1):
        closed_on(point, WEDNESDAY_8AM.date() + dt.timedelta(days=days), note="")
    assert open_state(client, point) == "已关门 星期五 10:00 开门"


def test_a_24_hour_point_says_so_not_open_until_midnight(client, wednesday_morning):
    # Was: "营业中 营业到 00:00".
    point = open_daily(PointFactory())
    assert open_state(client, point) == "24小时营业"


def test_a_point_open_until_the_evening_says_until_when(client, wednesday_morning):
    point = open_daily(PointFactory(), "07:00", "20:00")
    assert open_state(client, point) == "营业中 营业到 20:00"


def test_the_point_page_keeps_the_filters_on_the_way_back_and_shows_the_distance(client):
    point = open_daily(PointFactory(latitude=30.2831, longitude=120.0948, amenities=["water"]))
    near = client.get(reverse("services:near_me"), {"lat": "30.2831", "lng": "120.0958", "amenity": "water"})
    query = "lat=30.2831&amp;lng=120.0958&amp;amenity=water"
    detail = f"{point.get_absolute_url()}?{query}"
    assert f'<a href="{detail}">' in near.content.decode()
    page = client.get(detail.replace("&amp;", "&")).content.decode()
    back = f"{reverse('services:near_me')}?{query}"
    assert f'<p class="crumbs"><a href="{back}">{icon("back")} 附近</a></p>' in page
    assert '<p class="distance">距离你 96 米</p>' in page


def test_the_point_page_from_a_street_says_so(client):
    point = open_daily(PointFactory(latitude=30.2831, longitude=120.0948))
    page = client.get(point.get_absolute_url(), {"street": "jiangcun"}).content.decode()
    assert re.search(r'<p class="distance">距离你的街道 [0-9.]+ (米|公里)</p>', page)


def test_the_point_page_opened_directly_has_a_plain_way_back_and_no_distance(client):
    point = open_daily(PointFactory())
    page = client.get(point.get_absolute_url()).content.decode()
    assert f'<p class="crumbs"><a href="{reverse("services:near_me")}">{icon("back")} 附近</a></p>' in page
    assert 'class="distance"' not in page
