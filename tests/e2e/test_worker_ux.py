"""Issue 19 on a phone (390x844, Chinese): what got in the way of a worker, each checked in Chromium.

Each test saves phone screenshots to $UX_SHOTS_DIR (default var/screenshots/ux) named
<item>-<SHOTS_TAG>.png, so the same test run on the old code gives the "before" pictures.
"""

import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from governance import actions as governance_actions
from tests.e2e.test_governance_report import logged_in_context
from tests.e2e.test_worker_signup import code_from_sms
from tests.factories import UserFactory
from tests.governance.factories import GridFactory, GridMemberFactory, category, clean_photo, square

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(os.environ.get("UX_SHOTS_DIR", str(Path(settings.BASE_DIR) / "var" / "screenshots" / "ux")))
TAG = os.environ.get("SHOTS_TAG", "after")
PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "is_mobile": True, "has_touch": True}

# True for each probe point of the element that is on screen and not under anything else
# (the sticky submit button, the tab bar, the header).
UNCOVERED = """(selector) => {
  const box = document.querySelector(selector);
  const r = box.getBoundingClientRect();
  const probes = [[r.left + 6, r.top + 6], [r.right - 6, r.top + 6], [r.left + 6, r.bottom - 6],
                  [r.right - 6, r.bottom - 6], [(r.left + r.right) / 2, (r.top + r.bottom) / 2]];
  return probes.map(([x, y]) => { const hit = document.elementFromPoint(x, y); return !!hit && box.contains(hit); });
}"""


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{TAG}.png"))


def test_item_1_the_duplicate_suggestion_is_not_hidden_under_the_submit_button(
    browser, live_server, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "private"
    settings.MAP_TILE_URL = live_server.url + "/tiles/{z}/{x}/{y}.png"
    road = category("road")
    grid = GridFactory(name="蒋村街道·龙湖天街网格", area=square(30.283, 120.095, half=0.005))
    other = GridMemberFactory(grid=grid, user=UserFactory(real_name="李强")).user
    governance_actions.report_submit(
        reporter=other,
        category=road,
        lat=Decimal("30.28323"),
        lng=Decimal("120.0951"),
        photos=[clean_photo()],
    )  # about 15 m from where the phone is
    worker = GridMemberFactory(grid=grid, user=UserFactory(real_name="张伟")).user
    context = logged_in_context(
        browser,
        live_server,
        worker,
        geolocation={"latitude": 30.2831, "longitude": 120.0951, "accuracy": 12},
        permissions=["geolocation"],
        **PHONE,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/grid/report/")
    expect(page.locator(".location-status")).to_have_text("已获取位置（误差约 12 米）。")
    page.get_by_text("道路交通隐患").click()
    nearby = page.locator("#nearby")
    expect(nearby).to_be_visible()
    expect(nearby.locator(".nearby-list li")).to_have_count(1)
    page.wait_for_timeout(300)  # let any scrolling settle
    shot(page, "item1-duplicate-suggestion")
    assert page.evaluate(UNCOVERED, "#nearby") == [True] * 5
    assert page.evaluate(UNCOVERED, "#nearby .nearby-list button") == [True] * 5
    context.close()


def test_item_4_sms_login_on_a_phone(phone_page, live_server, celery_worker_thread):
    page = phone_page
    UserFactory(phone="+8613800006666", real_name="")
    page.goto(live_server.url + "/accounts/login/code/")
    shot(page, "item4-request-code")
    assert page.get_by_role("link", name="用密码登录").count() == 0
    page.get_by_label("手机号码").fill("138 0000 6666")
    page.locator("form.form button[type=submit]").click()
    code_field = page.get_by_label("验证码")
    expect(code_field).to_have_attribute("inputmode", "numeric")
    expect(code_field).to_have_attribute("autocomplete", "one-time-code")
    # The number once, as people write it.
    expect(page.locator("main")).to_contain_text("验证码已发送到 138 0000 6666，")
    assert page.locator("main").inner_text().count("6666") == 1
    resend = page.locator("[data-resend-wait]")
    expect(resend).to_be_disabled()
    expect(resend).to_have_text(__import__("re").compile(r"^重新获取验证码（(59|60) 秒）$"))
    shot(page, "item4-code-page")
    code = code_from_sms("+8613800006666")
    # 取消 goes back to asking for a code, never to a password page.
    page.get_by_role("button", name="取消").click()
    expect(page).to_have_url(live_server.url + "/accounts/login/code/")
    expect(page.locator("h1")).to_have_text("用短信验证码登录")
    shot(page, "item4-after-cancel")
    assert code  # the SMS did reach the phone


def test_item_8_switching_language_keeps_what_was_typed(browser, live_server):
    worker = UserFactory(real_name="")
    context = logged_in_context(browser, live_server, worker, **PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/me/profile/")
    expect(page.locator("h1")).to_have_text("我的资料")
    page.get_by_label("真实姓名").fill("赵小明")
    page.get_by_label("外卖骑手").check()
    page.get_by_label("所在平台或公司").fill("美团")
    page.get_by_label("从业时长（月）").fill("18")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_label("Real name")).to_have_value("赵小明")
    expect(page.get_by_label("Platform or employer")).to_have_value("美团")
    expect(page.get_by_label("Months in the trade")).to_have_value("18")
    expect(page.locator("input[name=occupation][value=food_delivery]")).to_be_checked()
    shot(page, "item8-language-switch")
    # Kept only until the page came back: nothing stays in the tab's storage.
    assert page.evaluate("sessionStorage.length") == 0
    context.close()
