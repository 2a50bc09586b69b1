"""At 390x844 in Chromium: a worker redeems a coffee, the station's staff confirm the hand-over."""

import re

import pytest
from django.test import Client

from points.actions import points_add
from rewards.models import Voucher
from tests.factories import StaffFactory, UserFactory
from tests.rewards.factories import RewardFactory, StationFactory, StockFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "is_mobile": True, "has_touch": True}


def logged_in_page(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(**PHONE)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def test_worker_redeems_a_coffee_and_staff_hand_it_over(browser, live_server, screenshot):
    station = StationFactory(name="西溪天街小哥驿站")
    StockFactory(station=station, reward=RewardFactory(name_zh="驿站咖啡一杯", price=30), quantity=3)
    worker = UserFactory(real_name="张伟")
    points_add(user=worker, amount=40, reason="adjustment")
    staff = StaffFactory(real_name="赵驿站")
    station.staff.add(staff)

    page = logged_in_page(browser, live_server, worker)
    page.goto(live_server.url + "/rewards/")
    assert page.inner_text("#points-balance") == "40"
    page.get_by_role("link", name="兑换", exact=True).click()
    page.get_by_role("button", name="用 30 积分兑换").click()
    page.wait_for_url(re.compile(r"/rewards/vouchers/\d+/$"))
    assert "兑换成功！请到西溪天街小哥驿站出示这个兑换码，领取驿站咖啡一杯。" in page.inner_text(".messages")
    code = page.inner_text(".voucher-code").replace(" ", "")
    assert page.locator(".voucher-qr svg").count() == 1
    screenshot(page, "voucher")

    counter = logged_in_page(browser, live_server, staff)
    counter.goto(live_server.url + "/rewards/handover/")
    counter.fill("#id_code", code.lower())
    counter.get_by_role("button", name="确认领取").click()
    assert "已确认，请发放：" in counter.inner_text(".confirmed")
    screenshot(counter, "handed-over")

    page.reload()
    assert page.inner_text(".voucher .badge") == "已领取"
    assert Voucher.objects.get(code=code).status == Voucher.Status.HANDED_OVER
