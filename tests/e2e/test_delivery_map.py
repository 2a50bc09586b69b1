"""A rider on a phone finds "3幢2单元" of a compound, proposes a correction, and sees it accepted."""

import pytest
from playwright.sync_api import expect

from delivery.models import Correction, Gate
from tests.delivery.factories import HERE, build_site
from tests.e2e.test_services_near_me import log_in
from tests.factories import UserFactory
from tests.governance.factories import image_bytes


@pytest.fixture
def site(transactional_db):
    return build_site()


def test_find_the_door_then_correct_the_map(phone_page, live_server, site, screenshot, settings):
    settings.MAP_TILE_URL = live_server.url + "/static/no-tiles/{z}/{x}/{y}.png"  # offline: markers only
    page = phone_page
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation({"latitude": HERE[0] + 0.0005, "longitude": HERE[1]})
    rider = UserFactory(real_name="王骑手")
    log_in(page, live_server, rider)

    page.goto(live_server.url + "/delivery/")
    page.get_by_label("小区、园区或地址").fill("紫金港某小区 3幢2单元")
    page.get_by_role("button", name="搜索").click()
    result = page.locator(".site-list .point-item").first
    expect(result).to_contain_text("紫金港花园")
    expect(result).to_contain_text("3幢 2单元")
    screenshot(page, "1-search")
    result.get_by_role("link").click()

    best = page.locator("#best-gate")
    expect(best.locator("h2")).to_have_text("去3幢的最佳入口 2单元")
    expect(best).to_contain_text("东门")
    expect(best.get_by_role("link", name="导航到这个门（高德地图）")).to_have_attribute(
        "href",
        f"https://uri.amap.com/navigation?to={HERE[1] + 0.002},{HERE[0]},"
        "%E7%B4%AB%E9%87%91%E6%B8%AF%E8%8A%B1%E5%9B%AD%E4%B8%9C%E9%97%A8&mode=ride&coordinate=wgs84&callnative=1&src=xiaoge",
    )
    # The site's map sits under the gates: Leaflet comes when the map is scrolled to, not before.
    assert page.evaluate("typeof window.L") == "undefined"
    page.locator("#map").scroll_into_view_if_needed()
    expect(page.locator("#map .leaflet-interactive").first).to_be_attached()
    screenshot(page, "2-site")

    page.get_by_role("link", name="信息不对？我要纠错").click()
    page.get_by_label("门关了或不让骑手进").check()
    page.get_by_label("哪个门？").select_option(label="北门")
    page.get_by_label("你看到的情况").fill("北门晚上10点后锁门")
    page.get_by_label("照片").set_input_files(
        {"name": "gate.jpg", "mimeType": "image/jpeg", "buffer": image_bytes()}
    )
    expect(page.locator("#locate-status")).to_have_text("已添加位置。")
    screenshot(page, "3-propose")
    page.get_by_role("button", name="提交纠错").click()
    expect(page.locator(".badge")).to_have_text("待审核")
    correction = Correction.objects.get()

    manager = UserFactory(real_name="紫金港物业")
    site.managers.add(manager)
    page.context.clear_cookies()
    log_in(page, live_server, manager)
    page.goto(live_server.url + "/delivery/corrections/")
    page.get_by_role("link", name=f"#{correction.pk} 紫金港花园").click()
    page.get_by_role("button", name="采纳", exact=True).click()
    expect(page.locator(".badge")).to_have_text("已采纳")

    page.context.clear_cookies()
    log_in(page, live_server, rider)
    page.goto(live_server.url + f"/delivery/corrections/{correction.pk}/")
    expect(page.locator(".badge")).to_have_text("已采纳")
    page.goto(live_server.url + f"/delivery/sites/{site.uuid}/")
    expect(page.get_by_text("北门：对骑手关闭（北门晚上10点后锁门）")).to_be_visible()
    screenshot(page, "4-accepted")
    assert Gate.objects.get(site=site, name="北门").is_active is False


@pytest.mark.slow(reason="a browser with the service worker opens a site online, then with the network off")
def test_a_site_viewed_on_the_road_opens_again_offline(browser, live_server, site):
    from tests.e2e.test_offline import logged_in_context

    rider = UserFactory(real_name="王骑手")
    phone = logged_in_context(
        browser, live_server, rider, viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True
    )
    page = phone.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/")
    page.wait_for_function("() => document.documentElement.dataset.offlineReady === '1'")
    site_url = f"{live_server.url}/delivery/sites/{site.uuid}/?b=3-2"
    page.goto(site_url)
    expect(page.locator("#best-gate")).to_contain_text("东门")
    expect(page.locator(".offline-banner")).to_be_hidden()

    phone.set_offline(True)
    page.goto(site_url)
    expect(page.locator(".offline-banner")).to_be_visible()
    expect(page.locator("h1")).to_have_text("紫金港花园")
    expect(page.locator("#best-gate")).to_contain_text("东门")
    phone.close()
