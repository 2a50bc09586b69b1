"""A rider on a phone finds the nearest open rest station with charging, then asks for legal aid."""

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import WorkerProfileFactory
from tests.services.factories import (
    PointFactory,
    ScenarioFactory,
    ServiceAtPointFactory,
    ServiceFactory,
    closed_on,
    open_daily,
)

HERE = {"latitude": 30.2830, "longitude": 120.0950}  # the Xixi Longhu Tianjie mall area, Jiangcun


@pytest.fixture
def directory(transactional_db):
    rest = ScenarioFactory(code="rest", order=5, name_zh="暖心驿站", name_en="Rest stations", icon="☕")
    legal = ScenarioFactory(code="legal", order=3, name_zh="法律援助", name_en="Legal aid", icon="⚖")
    stations = ServiceFactory(scenario=rest, name="暖心驿站服务")
    parking = ServiceFactory(
        scenario=ScenarioFactory(code="delivery", order=2, name_zh="网约配送"), name="骑手停车"
    )
    ServiceFactory(scenario=legal, name="免费法律咨询", how_to_get="到中心当面咨询，或在线提交求助。")

    def point(name, lat, lng, amenities, service, hours=("00:00", "00:00")):
        p = open_daily(PointFactory(name=name, latitude=lat, longitude=lng, amenities=amenities), *hours)
        ServiceAtPointFactory(service=service, point=p)
        return p

    # From near to far: the first three each miss one condition.
    closed_today = point("天街驿站（今日闭馆）", 30.2831, 120.0951, ["charging", "water"], stations)
    closed_on(closed_today, timezone.localdate(), note="设备检修")
    point("龙湖驿站（无充电）", 30.2836, 120.0955, ["water", "rest"], stations)
    point("骑手停车点（不是驿站）", 30.2840, 120.0960, ["charging", "parking"], parking)
    point("蒋村花园驿站", 30.2795, 120.0991, ["charging", "warm_drinks", "microwave"], stations)
    point("紫金港驿站", 30.3001, 120.0849, ["charging", "water"], stations)
    return {"rest": rest, "legal": legal}


def log_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_nearest_open_rest_station_with_charging_then_legal_aid(
    phone_page, live_server, directory, screenshot, settings
):
    settings.MAP_TILE_URL = live_server.url + "/static/no-tiles/{z}/{x}/{y}.png"  # offline: markers only
    page = phone_page
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation(HERE)
    worker = WorkerProfileFactory(street="xixi").user
    log_in(page, live_server, worker)

    page.goto(live_server.url + "/")
    page.locator(".tabbar").get_by_role("link", name="服务").click()
    expect(page.locator("h1")).to_have_text("新友好场景")
    page.locator(".scenario-grid").get_by_role("link", name="暖心驿站").click()
    expect(page.locator("h1")).to_contain_text("暖心驿站")
    page.get_by_role("link", name="附近的服务点").first.click()

    # The browser's location replaces the street of the profile.
    page.get_by_role("button", name="使用我的位置").click()
    expect(page.locator(".near-summary")).to_contain_text("离你的位置最近")
    page.get_by_label("需要").select_option("charging")
    page.get_by_label("只看营业中").check()
    page.get_by_role("button", name="查看").click()

    items = page.locator(".point-item")
    expect(items.first.locator(".point-name")).to_have_text("蒋村花园驿站")
    expect(items.first).to_contain_text("24小时营业")  # an all-day point says so (issue 19, item 8)
    expect(items).to_have_count(2)
    expect(items.nth(1).locator(".point-name")).to_have_text("紫金港驿站")
    screenshot(page, "1-near-me")

    # Without the filter the closed station is nearest, and says why it is closed.
    page.get_by_label("只看营业中").uncheck()
    page.get_by_role("button", name="查看").click()
    expect(items.first.locator(".point-name")).to_have_text("天街驿站（今日闭馆）")
    expect(items.first).to_contain_text("已关门")

    page.get_by_role("link", name="在地图上查看").click()
    expect(page.locator("#map.leaflet-container")).to_be_visible()
    expect(page.locator("path.leaflet-interactive")).to_have_count(
        4
    )  # 3 stations with charging and where I am
    screenshot(page, "2-map")

    page.get_by_role("link", name="天街驿站（今日闭馆）").first.click()
    expect(page.locator("h1")).to_have_text("天街驿站（今日闭馆）")
    expect(page.locator("tr.today")).to_contain_text("设备检修")
    screenshot(page, "3-point")

    # Legal aid: from the scenario page to the request form.
    page.goto(live_server.url + "/services/s/legal/")
    page.get_by_role("link", name="我要求助").first.click()
    page.get_by_label("法律咨询").check()
    page.get_by_label("发生了什么？").fill("短")
    page.get_by_label("晚上（18:00-21:00）").check()
    page.get_by_role("button", name="提交诉求").click()
    expect(page.locator("#id_description_error")).to_have_text("请至少写10个字，方便服务专员了解情况。")
    expect(page.get_by_label("晚上（18:00-21:00）")).to_be_checked()
    page.get_by_label("发生了什么？").fill("站点两个月没有发工资，想咨询怎么讨薪。")
    page.get_by_role("button", name="提交诉求").click()
    expect(page.locator(".messages")).to_contain_text("诉求已提交")
    expect(page.locator(".timeline")).to_contain_text("提交诉求")
    screenshot(page, "4-request")

    page.get_by_role("link", name="我的诉求").click()
    expect(page.locator("h1")).to_have_text("我的诉求")
    expect(page.locator(".request-item")).to_have_count(1)
    expect(page.locator(".request-item")).to_contain_text("法律咨询")
    expect(page.locator(".request-item")).to_contain_text("已提交")
    expect(page.locator(".request-item")).to_contain_text("站点两个月没有发工资")
    screenshot(page, "5-my-requests")


def test_when_location_is_refused_the_street_choice_takes_over(
    phone_page, live_server, directory, screenshot
):
    page = phone_page  # no geolocation permission granted: the browser refuses
    page.goto(live_server.url + "/services/near/")
    expect(page.locator(".near-summary")).to_contain_text("按离区中心的距离排列")
    page.get_by_role("button", name="使用我的位置").click()
    expect(page.locator("#locate-status")).to_have_text("没有获取到你的位置，请选择所在街道。")
    expect(page.get_by_label("或选择所在街道")).to_be_focused()
    page.get_by_label("或选择所在街道").select_option("jiangcun")
    page.get_by_label("范围").select_option("3")
    page.get_by_role("button", name="查看").click()
    expect(page.locator(".near-summary")).to_contain_text("离蒋村街道最近 · 3公里内")
    expect(page.locator(".point-item")).to_have_count(5)
    screenshot(page, "street")
