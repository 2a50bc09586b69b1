"""At 1280 px in Chromium: district staff read every panel of the dashboard and print the
monthly report; no inline script or style (the CSP watcher of tests/e2e/conftest.py)."""

import pytest
from django.test import Client

from tests.dashboard.conftest import refreshed, seeded  # noqa: F401  (fixtures)
from tests.e2e.conftest import SCREENSHOTS
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}


def staff_page(browser, live_server):
    client = Client()
    client.force_login(StaffFactory(is_superuser=True))
    context = browser.new_context(**DESKTOP)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


@pytest.mark.usefixtures("refreshed")
def test_district_staff_read_the_panels_and_print_the_monthly_report(browser, live_server, screenshot):
    page = staff_page(browser, live_server)
    page.goto(live_server.url + "/admin/")
    page.get_by_role("link", name="全区数据看板").click()
    page.fill("#id_start", "2026-01")
    page.fill("#id_end", "2026-06")
    page.get_by_role("button", name="查看").click()
    for panel in ("academy", "subsidies", "services", "grid", "stations"):
        section = page.locator(f"#panel-{panel}")
        assert section.locator("svg.chart").count() >= 1
        section.screenshot(
            path=str(
                SCREENSHOTS
                / f"{test_district_staff_read_the_panels_and_print_the_monthly_report.__name__}-{panel}.png"
            )
        )
    assert page.locator("#panel-grid svg.chart polygon").count() == 2
    # The new tables, each with its numbers and its CSV link.
    for caption in (
        "申请人年龄段分布",
        "未来各月应拨付的分期",
        "同一地点反复出现的问题",
        "随口说：按议题统计",
    ):
        figure = page.locator("figure.dash-figure", has=page.locator("caption", has_text=caption))
        assert figure.locator("tbody tr").count() >= 1
        assert figure.get_by_role("link", name="下载 CSV").count() == 1
    assert page.locator("#panel-services th", has_text="2个工作日内首次响应").count() == 1
    page.goto(live_server.url + "/admin/dashboard/report/?month=2026-03")
    page.emulate_media(media="print")
    assert page.locator("#header").is_hidden()
    assert page.locator(".dash-page").count() == 5
    assert page.locator(".dash-page caption", has_text="未来各月应拨付的分期").count() == 1
    assert page.locator(".dash-page caption", has_text="同一地点反复出现的问题").count() == 1
    screenshot(page, "monthly-report-print")
