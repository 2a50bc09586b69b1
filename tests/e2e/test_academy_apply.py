"""A worker applies on a phone, is interrupted, resumes on another device; a checker admits in admin."""

import time

from django.contrib.auth.models import Group
from django.test import Client
from playwright.sync_api import expect

from academy.models import Enrolment
from accounts import roles
from notifications.models import Message
from tests.academy.factories import OfferingFactory, ProgrammeFactory, worker
from tests.core.test_uploads import image_bytes
from tests.factories import StaffFactory, give_authenticator, totp_code


def logged_in_context(browser, live_server, user, **options):
    """A browser context with the user's session, as if they had logged in with an SMS code."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(**options)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context


PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "is_mobile": True, "has_touch": True}


def test_worker_applies_resumes_and_is_admitted(
    browser, live_server, celery_worker_thread, screenshot, tmp_path
):
    OfferingFactory(programme=ProgrammeFactory(major="电子商务"), seat_limit=10)
    courier = worker()
    checker = StaffFactory(phone="+8613900000001")
    checker.groups.add(Group.objects.get(name=roles.CHECKER))
    give_authenticator(checker)

    # On the phone: choose, upload, then an order comes in.
    phone = logged_in_context(browser, live_server, courier, **PHONE)
    page = phone.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/academy/")
    page.get_by_role("link", name="电子商务").click()
    expect(page.locator(".checklist li.rule-met")).to_have_count(4)
    screenshot(page, "1-programme")
    page.get_by_role("link", name="立即报名").click()
    expect(page.locator(".steps-count")).to_have_text("第 1 步，共 4 步")
    page.get_by_role("button", name="保存并继续").click()
    expect(page.locator(".steps-count")).to_have_text("第 2 步，共 4 步")
    diploma = tmp_path / "diploma.png"
    diploma.write_bytes(image_bytes("PNG", size=(600, 400)))
    page.get_by_label("学历证明").set_input_files(str(diploma))
    screenshot(page, "2-upload")
    page.get_by_role("button", name="上传并继续").click()
    expect(page.locator(".steps-count")).to_have_text("第 3 步，共 4 步")
    phone.close()  # interrupted

    # Later, on another device: "My applications" leads back to where they left off.
    other = logged_in_context(browser, live_server, courier, **PHONE)
    page = other.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/academy/applications/")
    expect(page.locator(".badge")).to_have_text("草稿")
    page.get_by_role("link", name="接着上次继续").click()
    expect(page.locator(".steps-count")).to_have_text("第 3 步，共 4 步")
    page.locator("#id_confirm").check()
    screenshot(page, "3-review")
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator(".badge").first).to_have_text("已提交")
    screenshot(page, "4-submitted")

    # A checker logs in to admin (mobile number, password, then the authenticator code) and admits it.
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    admin = desk.new_page()
    admin.set_default_timeout(15_000)
    admin.goto(live_server.url + "/admin/")
    expect(admin.locator("h1")).to_have_text("工作人员登录")
    screenshot(admin, "5-staff-login")
    admin.get_by_label("手机号码").fill("139 0000 0001")
    admin.get_by_label("密码").fill("xiaoge-test")
    admin.get_by_role("button", name="登录").click()
    expect(admin.locator("h1")).to_have_text("双因素身份认证")
    admin.get_by_label("动态验证码或恢复代码").fill(totp_code())
    screenshot(admin, "6-second-factor")
    admin.get_by_role("button", name="登录").click()
    expect(admin.locator("#site-name")).to_be_visible()
    admin.goto(live_server.url + "/admin/academy/enrolment/?status__exact=submitted")
    enrolment = Enrolment.objects.get(worker=courier)
    admin.locator(f"input[name=_selected_action][value='{enrolment.pk}']").check()
    admin.select_option("select[name=action]", "decide_selected")
    admin.locator("button[name=index]").click()
    admin.get_by_label("录取", exact=True).check()
    screenshot(admin, "7-decide")
    admin.get_by_role("button", name="确认决定").click()
    expect(admin.locator(".messagelist")).to_contain_text("已处理 1 份申请。")
    desk.close()

    # Back on the phone: the new status and the message.
    deadline = time.monotonic() + 15
    while (
        time.monotonic() < deadline
        and not Message.objects.filter(
            recipient=courier, kind="enrolment_admitted", channel="inbox", status="sent"
        ).exists()
    ):
        time.sleep(0.1)
    page.reload()
    expect(page.locator(".badge").first).to_have_text("已录取")
    expect(page.locator(".inbox-link .count")).to_have_text("2")
    page.goto(live_server.url + "/inbox/")
    expect(page.locator(".inbox-item").first).to_contain_text("你已被录取")
    screenshot(page, "8-inbox")
    other.close()
