"""A worker applies for the tuition subsidy; a checker checks; a different approver approves; the worker sees the plan."""

import time

from django.contrib.auth.models import Group
from playwright.sync_api import expect

from accounts import roles
from notifications.models import Message
from tests.core.test_uploads import MINIMAL_PDF
from tests.e2e.test_academy_apply import PHONE, logged_in_context
from tests.factories import StaffFactory
from tests.subsidies.factories import admitted_enrolment, scheme_with_budget

DESK = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}


def decide_in_admin(browser, live_server, staff, application_id: int, decision_label: str, screenshot, name):
    context = logged_in_context(browser, live_server, staff, **DESK)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/admin/subsidies/subsidyapplication/{application_id}/change/")
    page.get_by_role("link", name="审核", exact=True).click()
    page.get_by_label(decision_label, exact=True).check()
    screenshot(page, name)
    page.get_by_role("button", name="确认决定").click()
    expect(page.locator(".messagelist")).to_contain_text("已处理 1 份申请。")
    context.close()


def test_worker_applies_checker_checks_approver_approves(
    browser, live_server, celery_worker_thread, screenshot, tmp_path
):
    scheme = scheme_with_budget()
    enrolment = admitted_enrolment(tuition="11200.00", scheme=scheme)
    courier = enrolment.worker
    checker = StaffFactory()
    checker.groups.add(Group.objects.get(name=roles.CHECKER))
    approver = StaffFactory()
    approver.groups.add(Group.objects.get(name=roles.APPROVER))

    phone = logged_in_context(browser, live_server, courier, **PHONE)
    page = phone.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/subsidies/")
    page.get_by_role("link", name="申请学费资助").click()
    expect(page.locator(".amount")).to_have_text("¥10,000.00")  # min(cap ¥10,000, tuition ¥11,200)
    screenshot(page, "1-eligibility")
    page.get_by_role("button", name="开始申请").click()
    proof = tmp_path / "proof.pdf"
    proof.write_bytes(MINIMAL_PDF)
    page.get_by_label("工作证明").set_input_files(str(proof))
    page.get_by_role("button", name="保存并继续").click()
    page.locator("#id_confirm").check()
    screenshot(page, "2-review")
    page.get_by_role("button", name="提交资助申请").click()
    expect(page.locator(".badge").first).to_have_text("已提交")

    application_id = int(page.url.rstrip("/").rsplit("/", 1)[-1])
    decide_in_admin(browser, live_server, checker, application_id, "初审通过", screenshot, "3-check")
    decide_in_admin(browser, live_server, approver, application_id, "批准", screenshot, "4-approve")

    deadline = time.monotonic() + 15
    while (
        time.monotonic() < deadline
        and not Message.objects.filter(
            recipient=courier, kind="subsidy_approved", channel="inbox", status="sent"
        ).exists()
    ):
        time.sleep(0.1)
    page.reload()
    expect(page.locator(".badge").first).to_have_text("已批准")
    expect(page.locator(".plain-table tbody tr")).to_have_count(3)
    expect(page.locator(".plain-table tbody tr").first).to_contain_text("¥3,333.33")
    screenshot(page, "5-plan")
    page.goto(live_server.url + "/inbox/")
    expect(page.locator(".inbox-item").first).to_contain_text("学费资助已批准")
    phone.close()
