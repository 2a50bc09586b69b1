"""Issue #8 end to end, at 390x844: a worker raises a topic at a courier station, another supports
it, the station lead accepts it and schedules a session, both workers register and check in with the
code on the venue screen, points appear, one redeems a coffee and the station staff confirm it."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from accounts import roles
from deliberation.models import Support, Topic
from events.models import CheckIn, Event
from points.models import PointAccount, PointEntry
from rewards.models import RewardStock, Voucher
from tests.e2e.test_governance_report import logged_in_context
from tests.factories import StaffFactory, UserFactory
from tests.rewards.factories import RewardFactory, StockFactory
from tests.stations.factories import StationFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "is_mobile": True, "has_touch": True}


def fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_topic_session_checkin_points_and_a_coffee(browser, live_server, screenshot, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    lead = StaffFactory(real_name="王驿站")
    lead.groups.add(Group.objects.get(name=roles.STATION_STAFF))
    station = StationFactory(name="西溪天街小哥驿站", lead=lead)
    station.staff.add(lead)
    coffee = RewardFactory(name_zh="驿站咖啡一杯", name_en="A coffee at the station", price=10)
    StockFactory(station=station, reward=coffee, quantity=3)
    raiser = UserFactory(real_name="张伟")
    supporter = UserFactory(real_name="李娜")

    # 1. A worker raises a topic at the station.
    raiser_phone = logged_in_context(browser, live_server, raiser, **PHONE)
    page = raiser_phone.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/grid/")
    page.get_by_role("link", name="驿站与议题").click()
    page.get_by_role("link", name="西溪天街小哥驿站").first.click()
    page.get_by_role("link", name="提出议题").click()
    page.get_by_label("遇到了什么问题？（简短一句话）").fill("商场不让电动车进地库取餐")
    page.get_by_label("详细描述").fill("午高峰取餐要从地面绕行十分钟，超时被罚。")
    screenshot(page, "station-1-raise")
    fits_the_phone(page)
    page.get_by_role("button", name="提交议题").click()
    expect(page.locator("h1")).to_have_text("商场不让电动车进地库取餐")
    topic = Topic.objects.get()
    assert (topic.station, topic.raised_by, topic.status) == (station, raiser, "open")

    # 2. Another worker supports it (once).
    supporter_phone = logged_in_context(browser, live_server, supporter, **PHONE)
    other = supporter_phone.new_page()
    other.set_default_timeout(15_000)
    other.goto(f"{live_server.url}/stations/{station.pk}/")
    other.get_by_role("link", name="商场不让电动车进地库取餐").click()
    other.get_by_role("button", name="我也遇到了：附议").click()
    expect(other.locator(".support-count")).to_have_text("1 人附议")
    screenshot(other, "station-2-supported")
    fits_the_phone(other)
    assert list(Support.objects.values_list("user", flat=True)) == [supporter.pk]

    # 3. The station lead accepts it on the station page and schedules a session in admin.
    desk = logged_in_context(
        browser, live_server, lead, viewport={"width": 1280, "height": 900}, locale="zh-CN"
    )
    admin = desk.new_page()
    admin.set_default_timeout(15_000)
    admin.goto(f"{live_server.url}/stations/{station.pk}/")
    admin.get_by_role("button", name="受理，提交议事会").click()
    topic.refresh_from_db()
    assert topic.status == "accepted"
    starts = timezone.localtime() + timedelta(minutes=10)
    ends = starts + timedelta(hours=1)
    admin.goto(live_server.url + "/admin/deliberation/session/add/")
    admin.locator("select[name=station]").select_option(str(station.pk))
    admin.locator("input[name=place]").fill("驿站二楼会议室")
    admin.locator("input[name=starts_at_0]").fill(starts.strftime("%Y-%m-%d"))
    admin.locator("input[name=starts_at_1]").fill(starts.strftime("%H:%M:%S"))
    admin.locator("input[name=ends_at_0]").fill(ends.strftime("%Y-%m-%d"))
    admin.locator("input[name=ends_at_1]").fill(ends.strftime("%H:%M:%S"))
    admin.locator("input[name=seat_limit]").fill("20")
    for party in ("mall", "riders"):
        admin.locator(f"input[name=parties][value={party}]").check()
    admin.locator(f"input[name=topics][value='{topic.pk}']").check()
    admin.locator("input[type=submit]").first.click()
    expect(admin.locator(".messagelist")).to_contain_text("议事会已安排")
    topic.refresh_from_db()
    event = Event.objects.get(kind=Event.Kind.DELIBERATION)
    assert topic.status == "scheduled"
    assert topic.session.event == event

    # 4. Both workers register for the session.
    for worker_page in (page, other):
        worker_page.goto(f"{live_server.url}/events/{event.pk}/")
        worker_page.get_by_role("button", name="报名").click()
        expect(worker_page.locator(".messages")).to_have_text("报名成功，到时见！")
    screenshot(page, "station-3-registered")

    # 5. The venue screen shows the code; both check in with it from their phones.
    admin.goto(f"{live_server.url}/events/{event.pk}/screen/")
    code = admin.locator("#checkin-code").inner_text().strip()
    assert code.isdigit() and len(code) == 6
    for worker_page in (page, other):
        worker_page.goto(f"{live_server.url}/events/{event.pk}/checkin/")
        worker_page.get_by_label("签到码").fill(code)
        worker_page.locator(".checkin-form").get_by_role("button", name="签到").click()
        expect(worker_page.locator("#points-earned")).to_have_text("+10 积分")
    screenshot(page, "station-4-checked-in")
    fits_the_phone(page)
    assert CheckIn.objects.count() == 2

    # 6. The points appear: 5 for the accepted topic and 10 for attending; 10 for the supporter.
    page.goto(live_server.url + "/grid/points/")
    expect(page.locator(".balance-value").first).to_have_text("15")
    screenshot(page, "station-5-points")
    assert PointAccount.objects.get(user=supporter).balance == 10

    # 7. The raiser redeems a coffee at the station.
    page.goto(live_server.url + "/rewards/")
    page.get_by_role("link", name="兑换", exact=True).first.click()
    page.get_by_label("西溪天街小哥驿站").check()
    page.get_by_role("button", name="用 10 积分兑换").click()
    voucher = Voucher.objects.get()
    expect(page.locator(".voucher-code").first).to_have_text(voucher.code_display)
    screenshot(page, "station-6-voucher")
    fits_the_phone(page)
    assert PointAccount.objects.get(user=raiser).balance == 5
    assert RewardStock.objects.get(station=station, reward=coffee).quantity == 2

    # 8. The station staff confirm the hand-over.
    admin.goto(live_server.url + "/rewards/handover/")
    admin.get_by_label("兑换码").fill(voucher.code_display)
    admin.get_by_role("button", name="确认领取").click()
    expect(admin.locator(".confirmed")).to_contain_text("已确认，请发放：")
    expect(admin.locator(".confirmed")).to_contain_text("驿站咖啡一杯")
    voucher.refresh_from_db()
    assert (voucher.status, voucher.handed_over_by) == ("handed_over", lead)

    # The ledger: every line once, the balance its sum.
    lines = list(PointEntry.objects.filter(user=raiser).order_by("pk").values_list("reason", "amount"))
    assert lines == [("topic_accepted", 5), ("event_attended", 10), ("reward_redeemed", -10)]
    for context in (raiser_phone, supporter_phone, desk):
        context.close()
