"""Issue 19, "installable and offline-first": with the network off, the pages a worker needs on the
road open from the service worker's copy, each saying it is an offline copy; a page never kept says
there is no network; the installable manifest is there."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from tests.factories import UserFactory
from tests.governance.factories import GridFactory, GridMemberFactory

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path("/tmp/shots-uxb")
# The pages kept for the road (core.views.OFFLINE_PAGES); near me with its last search.
PAGES = ["/", "/academy/applications/", "/services/requests/", "/grid/report/", "/rewards/vouchers/"]


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


@pytest.mark.slow(reason="a browser with a service worker opens six pages online, then offline")
def test_the_workers_pages_open_offline_as_marked_copies(browser, live_server):
    SHOTS.mkdir(exist_ok=True)
    # A grid member: the street report form is theirs (governance.selectors.is_grid_member).
    worker = GridMemberFactory(grid=GridFactory(), user=UserFactory(real_name="张伟")).user
    phone = logged_in_context(
        browser, live_server, worker, viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True
    )
    page = phone.new_page()
    page.set_default_timeout(15_000)
    manifest = json.loads(page.goto(live_server.url + "/manifest.webmanifest").text())
    assert (manifest["short_name"], manifest["start_url"], manifest["display"]) == (
        "小哥学院",
        "/",
        "standalone",
    )
    page.goto(live_server.url + "/")
    assert page.locator('link[rel="manifest"]').get_attribute("href") == "/manifest.webmanifest"
    # The service worker keeps the worker's pages once it runs (offline.js asks it to).
    page.wait_for_function("() => document.documentElement.dataset.offlineReady === '1'")
    headings = {}
    for path in [*PAGES, "/services/near/?street=jiangcun"]:
        page.goto(live_server.url + path)
        expect(page.locator(".offline-banner")).to_be_hidden()
        headings[path.split("?")[0]] = page.locator("h1").first.inner_text()
    assert headings["/academy/applications/"] == "我的申请"

    phone.set_offline(True)
    # Near me opens with its last results, even without the query.
    for path, heading in headings.items():
        page.goto(live_server.url + path)
        banner = page.locator(".offline-banner")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("离线副本")
        assert page.locator(".offline-banner time").get_attribute("datetime")
        expect(page.locator("h1").first).to_have_text(heading)
        name = path.strip("/").replace("/", "-") or "home"
        page.screenshot(path=str(SHOTS / f"after-offline-{name}.png"), full_page=True)
    # A page never opened: the offline page, in Chinese.
    page.goto(live_server.url + "/events/")
    expect(page.locator("h1")).to_contain_text("没有网络")
    page.screenshot(path=str(SHOTS / "after-offline-never-opened.png"), full_page=True)

    phone.set_offline(False)
    page.goto(live_server.url + "/rewards/vouchers/")
    expect(page.locator(".offline-banner")).to_be_hidden()
    phone.close()
