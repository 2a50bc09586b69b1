"""Issue 21 in a phone: a grid member records a 随口说 with Chromium's fake microphone and sends it;
staff hear it and route it to a station's deliberation in admin; 随口说 and 随手帮 sent without a
network wait on the phone and are filed once when it returns; a 随手帮 request taken and confirmed.

Screenshots go to /tmp/shots-voice/ (the issue's closing note shows them)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from playwright.sync_api import expect

from accounts import roles
from deliberation.models import Topic
from tests.e2e.conftest import CspWatchingBrowser
from tests.factories import StaffFactory, UserFactory
from tests.governance.factories import GridFactory, GridMemberFactory, square
from tests.stations.factories import StationFactory
from tests.voice.factories import post_request
from voice.models import HelpDeed, HelpRequest, Opinion

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow(reason="browser journeys of issue 21"),
]

SHOTS = Path("/tmp/shots-voice")
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "locale": "zh-CN",
    "is_mobile": True,
    "has_touch": True,
    "geolocation": {"latitude": 30.2831, "longitude": 120.0951, "accuracy": 12},
    "permissions": ["geolocation", "microphone"],
}


@pytest.fixture(scope="module")
def mic_browser(browser):
    """A second Chromium of the same Playwright, with a fake microphone (a beep) that needs no click."""
    executable = settings.CHROMIUM_PATH if Path(settings.CHROMIUM_PATH).exists() else None
    launched = browser.browser_type.launch(
        executable_path=executable,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
        ],
    )
    yield CspWatchingBrowser(launched)
    launched.close()


@pytest.fixture(autouse=True)
def _no_csp_violations_with_the_microphone(request):
    if "mic_browser" not in request.fixturenames:
        yield
        return
    watching = request.getfixturevalue("mic_browser")
    watching.violations.clear()
    yield
    assert watching.violations == []


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    settings.MAP_TILE_URL = ""
    SHOTS.mkdir(exist_ok=True)
    grid = GridFactory(name="蒋村街道·龙湖天街网格", area=square(30.283, 120.095, half=0.005))
    worker = GridMemberFactory(grid=grid, user=UserFactory(real_name="张伟")).user
    admin = StaffFactory(real_name="周网格")
    admin.groups.add(Group.objects.get(name=roles.GRID_ADMIN))
    return grid, worker, admin


def logged_in(browser, live_server, user, **options):
    client = Client()
    client.force_login(user)
    context = browser.new_context(**options)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    return context


def shot(page, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")  # a full-page shot of a scrolled page repeats the sticky top bar
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def record(page, seconds: float, name: str | None = None) -> None:
    """Hold the button (the pointer down, as a thumb), speak into the fake microphone, let go."""
    button = page.get_by_role("button", name="按住说话")
    button.hover()
    page.mouse.down()
    expect(page.locator(".record-status")).to_contain_text("正在录音")
    page.wait_for_timeout(seconds * 1000)
    if name:
        shot(page, name)
    page.mouse.up()
    expect(page.locator(".record-preview")).to_be_visible()


def wait_for(check, page, tries: int = 75) -> None:
    for _ in range(tries):  # up to 15 s
        if check():
            return
        page.wait_for_timeout(200)
    raise AssertionError("still not there after 15 s")


def test_a_recorded_opinion_is_sent_routed_to_a_station_and_seen(mic_browser, live_server, world):
    _grid, worker, admin = world
    station = StationFactory(name="蒋村小哥驿站")
    phone = logged_in(mic_browser, live_server, worker, **PHONE)
    page = phone.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/grid/voice/say/new/")
    record(page, 2.5, name="1-recording")
    expect(page.locator(".record-status")).to_have_text(
        re.compile(r"^已录 [23] 秒。可以先试听再发送，或按住按钮重录。$")
    )
    page.get_by_label("或打字写下居民、骑手说的话").fill("东门没有骑手停车位，午高峰只能停在马路上。")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "2-recorded")
    page.get_by_role("button", name="发送", exact=True).click()
    expect(page.locator("h1")).to_contain_text("民意 #")
    opinion = Opinion.objects.get()
    assert opinion.worker == worker and opinion.audio and 2 <= opinion.audio_seconds <= 4
    expect(page.locator("audio")).to_have_count(1)
    shot(page, "3-sent")

    desk = logged_in(mic_browser, live_server, admin, viewport={"width": 1280, "height": 900}, locale="zh-CN")
    staff = desk.new_page()
    staff.set_default_timeout(15_000)
    staff.goto(live_server.url + f"/admin/voice/opinion/{opinion.pk}/change/")
    # Staff hear it: the recording streams to them (voice.selectors.audio_audible_to).
    source = staff.locator("audio").get_attribute("src")
    assert staff.request.get(live_server.url + source).status == 200
    staff.get_by_role("link", name="摘要、打标签并转交").click()
    staff.get_by_label("摘要", exact=True).fill("东门缺骑手停车位")
    staff.get_by_label("一个驿站的议事（作为议题）").check()
    staff.get_by_label("驿站", exact=True).select_option(label="蒋村小哥驿站")
    shot(staff, "4-admin-routing")
    staff.get_by_role("button", name="转交").click()
    expect(staff.locator(".messagelist")).to_contain_text(f"民意 #{opinion.pk} 已转交。")
    topic = Topic.objects.get()
    expect(staff.locator(".field-routed_topic")).to_contain_text(f"蒋村小哥驿站 · 议题 #{topic.pk}")
    shot(staff, "5-admin-routed")
    desk.close()

    page.reload()
    expect(page.locator(".facts")).to_contain_text(f"蒋村小哥驿站的议事 · 议题 #{topic.pk}")
    shot(page, "6-worker-sees-the-topic")
    page.get_by_role("link", name=f"议题 #{topic.pk}").click()
    expect(page.locator("h1")).to_have_text("东门缺骑手停车位")
    assert (topic.station, topic.raised_by) == (station, worker)
    phone.close()


def test_opinion_and_help_sent_offline_are_filed_once_when_the_network_returns(
    mic_browser, live_server, world
):
    _grid, worker, _admin = world
    phone = logged_in(mic_browser, live_server, worker, **PHONE)
    say = phone.new_page()
    say.set_default_timeout(15_000)
    say.goto(live_server.url + "/grid/voice/say/new/")
    # The service worker keeps both forms for the road (core.views.OFFLINE_PAGES), their scripts too.
    say.wait_for_function("() => document.documentElement.dataset.offlineReady === '1'")

    phone.set_offline(True)
    helped = phone.new_page()
    helped.set_default_timeout(15_000)
    helped.goto(live_server.url + "/grid/voice/help/new/")
    expect(helped.locator(".offline-banner")).to_be_visible()  # the kept copy, opened with no network
    record(say, 1.5)
    say.get_by_label("或打字写下居民、骑手说的话").fill("小区南门晚上没有路灯。")
    say.get_by_role("button", name="发送", exact=True).click()
    queue = say.locator("#report-queue")
    expect(queue.locator(".queue-item")).to_have_count(1)
    expect(queue.locator(".queue-state")).to_have_text("等待发送：已保存在本机，一有网络就会发送。")
    # The form is cleared for the next one, its recording too.
    expect(say.get_by_label("或打字写下居民、骑手说的话")).to_have_value("")
    expect(say.locator(".record-preview")).to_be_hidden()
    shot(say, "7-offline-opinion-waiting")

    helped.get_by_text("清除路障").click()
    helped.get_by_label("经过").fill("把倒在人行道上的共享单车扶起挪开。")
    helped.get_by_role("button", name="发送", exact=True).click()
    expect(helped.locator("#report-queue .queue-item")).to_have_count(2)  # one outbox for the grid
    shot(helped, "8-offline-help-waiting")
    assert not Opinion.objects.exists() and not HelpDeed.objects.exists()

    # Both pages see the network return and both send the outbox: each is filed once all the same.
    phone.set_offline(False)
    wait_for(lambda: Opinion.objects.exists() and HelpDeed.objects.exists(), say)
    expect(say.locator("#report-queue .queue-item")).to_have_count(0)
    say.wait_for_timeout(1500)  # a second sender would have filed its copy by now
    opinion, deed = Opinion.objects.get(), HelpDeed.objects.get()
    # Each line names what went out, whichever page sent it (both may: the server files it once).
    sent = {
        text for tab in (say, helped) for text in tab.locator("#report-queue .queue-sent a").all_inner_texts()
    }
    assert sent == {f"随口说 #{opinion.pk} 已发送", f"随手帮 #{deed.pk} 已发送"}
    shot(say, "9-back-online-sent")
    assert (opinion.worker, opinion.text) == (worker, "小区南门晚上没有路灯。")
    assert opinion.audio and 1 <= opinion.audio_seconds <= 3  # the recording waited as a Blob in IndexedDB
    assert (deed.worker, deed.kind, deed.note) == (worker, "obstacle", "把倒在人行道上的共享单车扶起挪开。")
    phone.close()


def test_a_help_request_is_taken_done_and_confirmed(mic_browser, live_server, world):
    grid, worker, admin = world
    help_request = post_request(grid=grid, by=admin, what="帮独居老人搬米上楼")
    phone = logged_in(mic_browser, live_server, worker, **PHONE)
    page = phone.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/grid/voice/")
    page.get_by_role("link", name=f"#{help_request.pk} 帮独居老人搬米上楼").click()
    page.get_by_role("button", name="我来帮").click()
    expect(page.locator("main")).to_contain_text("王阿姨")  # only the taker reads the details
    shot(page, "10-request-taken")
    page.get_by_label("你做了什么？").fill("已把米搬到五楼。")
    page.get_by_role("button", name="标记完成").click()
    expect(page.locator("main")).not_to_contain_text("王阿姨")  # erased once done

    desk = logged_in(mic_browser, live_server, admin, viewport={"width": 1280, "height": 900}, locale="zh-CN")
    staff = desk.new_page()
    staff.set_default_timeout(15_000)
    staff.goto(live_server.url + f"/admin/voice/helprequest/{help_request.pk}/change/")
    staff.get_by_role("button", name="确认完成（网格员获得积分）").click()
    expect(staff.locator(".messagelist")).to_contain_text("已完成")
    shot(staff, "11-admin-request-confirmed")
    desk.close()
    help_request.refresh_from_db()
    assert help_request.status == HelpRequest.Status.CONFIRMED

    page.goto(live_server.url + "/grid/points/")
    expect(page.locator(".ledger-entry")).to_contain_text("求助完成并确认")
    shot(page, "12-points")
    phone.close()
