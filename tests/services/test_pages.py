"""The worker pages of the directory: scenario grid (home and services), scenario page, point page."""

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from services.models import Schedule
from tests.services.factories import (
    PointFactory,
    ScenarioFactory,
    ServiceAtPointFactory,
    ServiceFactory,
    closed_on,
    open_daily,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenarios():
    return [
        ScenarioFactory(code="rest", order=5, name_zh="暖心驿站", name_en="Rest stations", icon="☕"),
        ScenarioFactory(code="legal", order=3, name_zh="法律援助", name_en="Legal aid", icon="⚖"),
        ScenarioFactory(code="old", order=1, name_zh="已下线场景", name_en="Retired", is_active=False),
    ]


def test_home_shows_the_scenario_grid_in_order_and_the_tab_points_at_services(client, scenarios):
    page = client.get(reverse("home")).content.decode()
    assert page.index("法律援助") < page.index("暖心驿站")
    assert "已下线场景" not in page
    assert f'href="{reverse("services:scenario", args=["legal"])}"' in page
    assert f'<a href="{reverse("services:index")}">' in page  # the tab bar's 服务
    assert "services/services.css" in page


def test_services_index_marks_its_tab_and_lists_scenarios(client, scenarios, django_assert_num_queries):
    # The scenarios.
    with django_assert_num_queries(1):
        response = client.get(reverse("services:index"))
    page = response.content.decode()
    assert f'<a href="{reverse("services:index")}" aria-current="page">' in page
    assert page.index("法律援助") < page.index("暖心驿站")
    assert "附近的服务点" in page and "我要求助" in page and "我的诉求" in page


def test_scenario_names_follow_the_language(client, scenarios):
    client.cookies["django_language"] = "en"
    page = client.get(reverse("services:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Legal aid" in page and "Rest stations" in page


def test_scenario_page_lists_its_active_services(client, scenarios, django_assert_num_queries):
    rest = scenarios[0]
    warm = ServiceFactory(scenario=rest, name="暖心驿站服务", cost="免费", eligibility="户外劳动者")
    ServiceFactory(scenario=rest, name="停用的服务", status="inactive")
    for _ in range(3):
        ServiceAtPointFactory(service=warm)
    # The scenario, its services (organisation joined, places counted).
    with django_assert_num_queries(2):
        response = client.get(reverse("services:scenario", args=["rest"]))
    page = response.content.decode()
    assert "暖心驿站服务" in page and "停用的服务" not in page
    assert "户外劳动者" in page and "免费" in page
    assert "3个服务点" in page
    assert f"{reverse('services:request_new')}?service={warm.uuid}" in page


def test_unknown_or_retired_scenario_is_404(client, scenarios):
    assert client.get(reverse("services:scenario", args=["old"])).status_code == 404
    assert client.get(reverse("services:scenario", args=["nope"])).status_code == 404


def test_point_page_shows_hours_with_today_amenities_call_navigation_and_services(client, scenarios):
    point = PointFactory(
        name="西溪天街暖心驿站",
        phone="0571-88110001",
        latitude=30.2831,
        longitude=120.0948,
        amenities=["charging", "microwave"],
    )
    open_daily(point, "10:00", "02:00")
    today = timezone.localdate()
    closed_on(point, today + dt.timedelta(days=2), note="春节")
    ServiceAtPointFactory(point=point, service=ServiceFactory(scenario=scenarios[0], name="热饮和充电"))
    response = client.get(point.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 200
    assert '<tr class="today" aria-current="date">' in page
    assert "10:00–次日 02:00" in page
    assert "春节" in page
    assert 'href="tel:0571-88110001"' in page
    assert (
        "https://uri.amap.com/navigation?to=120.0948,30.2831,%E8%A5%BF%E6%BA%AA%E5%A4%A9%E8%A1%97%E6%9A%96%E5%BF%83"
        "%E9%A9%BF%E7%AB%99&amp;mode=ride&amp;coordinate=wgs84" in page
    )
    assert "手机和电池充电" in page and "微波炉" in page
    assert "热饮和充电" in page
    assert len(response.context["week"]) == 7


def test_point_page_of_an_unknown_or_inactive_point_is_404(client):
    assert client.get(reverse("services:point", args=[uuid.uuid4()])).status_code == 404
    point = PointFactory(is_active=False)
    assert client.get(point.get_absolute_url()).status_code == 404


def test_point_page_query_count(client, django_assert_num_queries):
    point = PointFactory()
    Schedule.objects.create(point=point, weekday=0, opens_at=dt.time(9), closes_at=dt.time(18))
    for _ in range(5):
        ServiceAtPointFactory(point=point)
    # The point (organisation joined), its hours, exceptions, services (scenario joined).
    with django_assert_num_queries(4):
        client.get(point.get_absolute_url())


def test_the_skills_scenario_leads_to_the_academy(client):
    ScenarioFactory(code="skills", name_zh="技能提升", name_en="Skills & learning")
    page = client.get(reverse("services:scenario", args=["skills"])).content.decode()
    assert f'href="{reverse("academy:programmes")}"' in page
    assert "小哥学院专业" in page
