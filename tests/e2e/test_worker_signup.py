"""A new worker signs up on a phone, in Chinese, and completes the profile."""

import re
import time

from playwright.sync_api import expect

from notifications.backends import RecordingSMSBackend
from tests.factories import valid_id_number

PHONE = "+8613800007777"


def code_from_sms(phone: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for sms in RecordingSMSBackend.outbox:
            if sms.phone == phone:
                return re.search(r"(\d{6})", sms.text).group(1)
        time.sleep(0.1)
    raise AssertionError(f"no SMS reached {phone}")


def test_new_worker_signs_up_and_completes_profile(phone_page, live_server, celery_worker_thread, screenshot):
    page = phone_page
    page.goto(live_server.url + "/")
    expect(page.locator("h1")).to_have_text("小哥学院")
    page.get_by_role("link", name="用手机号码注册").click()

    page.get_by_label("手机号码").fill("138 0000 7777")
    screenshot(page, "1-signup")
    page.locator("form.form button[type=submit]").click()

    # The code travels through the outbox, Redis and the Celery worker to the (recording) SMS gateway.
    code = code_from_sms(PHONE)
    page.get_by_label("验证码").fill(code)
    screenshot(page, "2-code")
    page.locator("form.form button[type=submit]").first.click()

    expect(page.locator("h1")).to_have_text("我的资料")
    page.get_by_label("真实姓名").fill("赵小明")
    page.get_by_label("外卖骑手").check()
    page.get_by_label("所在平台或公司").fill("美团")
    page.get_by_label("主要在哪个街道跑单").select_option("xixi")
    page.get_by_label("从业时长（月）").fill("18")
    page.get_by_label("最高学历").select_option("senior_high")
    good = valid_id_number("330106", "19980721", "244")
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    page.get_by_label("居民身份证号码").fill(bad)
    page.locator("#id_sensitive_data_consent").check()
    page.get_by_role("button", name="保存").click()

    # Bad input: a Chinese message next to the field, and nothing typed is lost.
    error = page.locator("#id_id_number_error")
    expect(error).to_have_text("身份证号码校验位不正确，请核对最后一位（可能是数字或X）。")
    expect(page.get_by_label("居民身份证号码")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("真实姓名")).to_have_value("赵小明")
    expect(page.get_by_label("所在平台或公司")).to_have_value("美团")
    expect(page.get_by_label("从业时长（月）")).to_have_value("18")
    expect(page.get_by_label("外卖骑手")).to_be_checked()
    screenshot(page, "3-bad-id")

    page.get_by_label("居民身份证号码").fill(good)
    page.locator("#id_sensitive_data_consent").check()
    page.get_by_role("button", name="保存").click()

    expect(page.locator(".messages")).to_contain_text("资料已保存。")
    masked = good[:6] + "********" + good[14:]
    expect(page.locator(".id-number")).to_have_text(masked)
    assert good not in page.content()
    screenshot(page, "4-me")

    # Nothing overflows sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
