"""A grid member files a street report with a photo while the network is cut; it is sent when the
connection returns; a grid admin accepts it; the points appear."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from playwright.sync_api import expect

from accounts import roles
from governance.models import Report
from points.models import PointEntry
from tests.factories import StaffFactory, UserFactory
from tests.governance.factories import GridFactory, GridMemberFactory, category, image_bytes, square

pytestmark = pytest.mark.django_db(transaction=True)


def grid_admin_group() -> Group:
    # Seeded by migrations; rebuilt here in case an earlier transactional test flushed them.
    ContentType.objects.clear_cache()
    report_type = ContentType.objects.get_for_model(Report)
    group, _ = Group.objects.get_or_create(name=roles.GRID_ADMIN)
    for codename in ("view_report", "change_report"):
        permission, _ = Permission.objects.get_or_create(
            codename=codename, content_type=report_type, defaults={"name": codename}
        )
        group.permissions.add(permission)
    return group


def os_path_for_shot(name: str) -> str:
    import os
    from pathlib import Path

    shots = Path(os.environ.get("UX_SHOTS_DIR", str(Path(settings.BASE_DIR) / "var" / "screenshots" / "ux")))
    shots.mkdir(parents=True, exist_ok=True)
    return str(shots / f"{name}-{os.environ.get('SHOTS_TAG', 'after')}.png")


def logged_in_context(browser, live_server, user, **options):
    client = Client()
    client.force_login(user)
    context = browser.new_context(**options)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context


def test_report_survives_a_network_cut_and_earns_points(browser, live_server, screenshot, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    # Map tiles from this server (they 404): a test never reaches out to a public tile server.
    settings.MAP_TILE_URL = live_server.url + "/tiles/{z}/{x}/{y}.png"
    category("road")
    grid = GridFactory(name="蒋村街道·龙湖天街网格", area=square(30.283, 120.095, half=0.005))
    worker = GridMemberFactory(grid=grid, user=UserFactory(real_name="张伟")).user
    admin = StaffFactory(real_name="周网格")
    admin.groups.add(grid_admin_group())

    phone = logged_in_context(
        browser,
        live_server,
        worker,
        viewport={"width": 390, "height": 844},
        locale="zh-CN",
        is_mobile=True,
        has_touch=True,
        geolocation={"latitude": 30.2831, "longitude": 120.0951, "accuracy": 12},
        permissions=["geolocation"],
    )
    page = phone.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/")
    page.locator(".tabbar").get_by_role("link", name="网格").click()
    expect(page.locator("h1")).to_have_text("网格")
    page.get_by_role("link", name="随手报", exact=True).click()

    expect(page.locator(".location-status")).to_have_text("已获取位置（误差约 12 米）。")
    expect(page.locator("#pin-map .leaflet-marker-icon")).to_have_count(1)  # the pin is where the phone is
    page.get_by_text("道路交通隐患").click()
    page.locator("input[name=photos]").set_input_files(
        files=[{"name": "manhole.jpg", "mimeType": "image/jpeg", "buffer": image_bytes(size=(800, 600))}]
    )
    expect(page.locator(".photo-previews img")).to_have_count(1)
    page.get_by_label("具体位置（选填）").fill("龙湖天街东门")
    page.get_by_label("情况说明（选填）").fill("井盖缺失，电动车容易掉进去")
    screenshot(page, "1-form")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    phone.set_offline(True)
    page.get_by_role("button", name="提交随手报").click()
    queue = page.locator("#report-queue")
    expect(queue).to_be_visible()
    expect(queue.locator(".queue-item")).to_contain_text("道路交通隐患")
    expect(queue.locator(".queue-state")).to_have_text(
        "等待发送：随手报已保存在这台手机上，网络恢复后会自动发送。"
    )
    expect(queue.locator("h2")).to_have_text("等待发送")
    screenshot(page, "2-waiting")
    assert Report.objects.count() == 0

    phone.set_offline(False)
    expect(queue.locator(".queue-sent a")).to_contain_text("已发送 #")
    expect(queue.locator(".queue-item")).to_have_count(0)
    report = Report.objects.get()
    expect(queue.locator(".queue-sent a")).to_have_text(f"已发送 #{report.pk}")
    # Was: "等待发送" above "已发送 #8" once nothing waited any more (issue 19, item 8).
    expect(queue.locator("h2")).to_have_text("已发送的随手报")
    page.screenshot(path=os_path_for_shot("item8-queue-sent"))
    assert (report.reporter, report.grid, report.address, report.status) == (
        worker,
        grid,
        "龙湖天街东门",
        "submitted",
    )
    assert report.photos.count() == 1
    screenshot(page, "3-sent")

    desk = logged_in_context(
        browser, live_server, admin, viewport={"width": 1280, "height": 900}, locale="zh-CN"
    )
    staff = desk.new_page()
    staff.goto(live_server.url + "/admin/governance/report/")
    expect(staff.locator("#result_list")).to_contain_text(f"#{report.pk}")
    staff.get_by_role("link", name=f"#{report.pk}").click()
    staff.get_by_role("link", name="分拨：受理、转交、办结、不予受理、重复").click()
    staff.get_by_label("受理", exact=True).check()
    staff.get_by_role("button", name="保存处理决定").click()
    expect(staff.locator(".messagelist")).to_contain_text(f"随手报 #{report.pk} 已更新。")
    screenshot(staff, "4-admin")
    desk.close()

    page.goto(live_server.url + "/grid/points/")
    expect(page.locator("#points-balance")).to_have_text("10")
    expect(page.locator(".ledger-entry")).to_contain_text("随手报被受理")
    screenshot(page, "5-points")
    assert PointEntry.objects.get(user=worker).amount == 10

    page.goto(live_server.url + f"/grid/reports/{report.pk}/")
    expect(page.locator(".timeline")).to_contain_text("已受理")
    screenshot(page, "6-detail")

    page.locator(".tabbar").get_by_role("link", name="网格").click()
    expect(page.get_by_role("navigation", name="网格")).to_contain_text("我的积分 10")
    screenshot(page, "7-index")
    page.get_by_role("link", name="全区随手报").click()
    expect(page.locator(".report-list")).to_contain_text("井盖缺失，电动车容易掉进去")
    expect(page.locator("#report-map path.leaflet-interactive")).to_have_count(1)
    assert "张伟" not in page.content()
    screenshot(page, "8-public")
    phone.close()


def test_a_queued_report_is_sent_from_any_page(browser, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    settings.MAP_TILE_URL = ""
    category("road")
    grid = GridFactory(name="蒋村街道·龙湖天街网格", area=square(30.283, 120.095, half=0.005))
    worker = GridMemberFactory(grid=grid, user=UserFactory(real_name="张伟")).user
    phone = logged_in_context(
        browser, live_server, worker, viewport={"width": 390, "height": 844}, locale="zh-CN",
        geolocation={"latitude": 30.2831, "longitude": 120.0951, "accuracy": 12}, permissions=["geolocation"],
    )  # fmt: skip
    page = phone.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/grid/report/")
    expect(page.locator(".location-status")).to_have_text("已获取位置（误差约 12 米）。")
    page.get_by_text("道路交通隐患").click()
    page.locator("input[name=photos]").set_input_files(
        files=[{"name": "manhole.jpg", "mimeType": "image/jpeg", "buffer": image_bytes(size=(800, 600))}]
    )
    phone.set_offline(True)
    page.get_by_role("button", name="提交随手报").click()
    expect(page.locator("#report-queue .queue-item")).to_have_count(1)
    page.close()
    assert Report.objects.count() == 0

    # Back online, the worker opens a page far from the grid: the queued report goes out from there.
    phone.set_offline(False)
    page = phone.new_page()
    page.goto(live_server.url + "/me/")
    for _ in range(75):  # up to 15 s
        if Report.objects.exists():
            break
        page.wait_for_timeout(200)
    expect(page.locator("h1")).to_have_text("我的")
    assert Report.objects.get().reporter == worker
    phone.close()
