from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from events import codes
from events.models import CheckIn, Registration
from tests.events import messages as text
from tests.events.factories import EventFactory, RegistrationFactory, StationFactory, ongoing_event
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
LIST = reverse("events:list")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2030, 3, day, hour, minute, tzinfo=SHANGHAI)


# --- the list -------------------------------------------------------------------------------------


def test_the_list_shows_coming_events_soonest_first(client, station):
    later = EventFactory(station=station, title="诗歌分享会", starts_at=at(8, 19), ends_at=at(8, 21))
    sooner = EventFactory(
        station=station, kind="contest", title="外卖骑手技能竞赛", starts_at=at(1, 14), ends_at=at(1, 17)
    )
    EventFactory(station=station, title="已取消的活动", status="cancelled")
    EventFactory(
        station=station,
        title="上周的活动",
        starts_at=timezone.now() - timedelta(days=7),
        ends_at=timezone.now() - timedelta(days=7) + timedelta(hours=2),
    )
    page = client.get(LIST).content.decode()
    assert page.index(sooner.title) < page.index(later.title)
    assert "已取消的活动" not in page and "上周的活动" not in page
    assert '<time datetime="2030-03-01T14:00:00+08:00">2030年3月1日 14:00–17:00</time>' in page
    assert '<span class="badge badge-progress">报名中</span>' in page
    assert "技能竞赛" in page and "龙湖天街小哥驿站 · 驿站二楼活动室" in page


def test_filters_by_kind_station_and_search(client, station):
    other_station = StationFactory(name="紫金港小哥驿站")
    EventFactory(station=station, kind="contest", title="外卖骑手技能竞赛")
    EventFactory(station=station, kind="sharing", title="诗歌分享会")
    EventFactory(station=other_station, kind="sharing", title="读书分享会")

    def titles(**query):
        page = client.get(LIST, query).content.decode()
        return [t for t in ("外卖骑手技能竞赛", "诗歌分享会", "读书分享会") if t in page]

    assert titles(kind="contest") == ["外卖骑手技能竞赛"]
    assert titles(station=other_station.pk) == ["读书分享会"]
    assert titles(q="分享") == ["诗歌分享会", "读书分享会"]
    assert titles(q="紫金港") == ["读书分享会"]
    assert titles(kind="sharing", station=station.pk) == ["诗歌分享会"]


@pytest.mark.parametrize(
    "query", [{"kind": "party"}, {"station": "abc"}, {"station": "999999"}, {"q": "x" * 60}]
)
def test_bad_filters_are_ignored_not_a_500(client, station, query):
    EventFactory(station=station, title="诗歌分享会")
    response = client.get(LIST, query)
    assert response.status_code == 200
    assert "诗歌分享会" in response.content.decode()


def test_an_empty_filter_result_says_what_to_do(client, station):
    EventFactory(station=station, title="诗歌分享会")
    page = client.get(LIST, {"q": "不存在"}).content.decode()
    assert "没有符合条件的近期活动。" in page
    assert f'<a class="button" href="{LIST}">查看全部近期活动</a>' in page


def test_no_events_at_all(client, db):
    assert "暂时没有安排活动。" in client.get(LIST).content.decode()


def test_the_list_shows_my_registration(worker_client, worker, station):
    event = EventFactory(station=station, title="诗歌分享会", seat_limit=1)
    RegistrationFactory(event=event, user=worker)
    page = worker_client.get(LIST).content.decode()
    assert (
        '<span class="badge badge-waiting">已满员，可候补</span>\n <span class="badge badge-progress">已报名</span>'
        in page
    )


def test_list_queries_do_not_grow(worker, station, django_assert_num_queries):
    for n in range(12):
        event = EventFactory(station=StationFactory() if n % 2 else station)
        RegistrationFactory(event=event)
        RegistrationFactory(event=event, user=worker if n % 3 == 0 else UserFactory(), status="waitlisted")
    anonymous = Client()
    # the count, the page of events with station, seat counts and my status in one query,
    # the stations of the filter
    with django_assert_num_queries(3):
        assert anonymous.get(LIST).status_code == 200
    logged_in = Client()
    logged_in.force_login(worker)
    # plus the session, the user and the unread inbox count of the top bar
    with django_assert_num_queries(6):
        page = logged_in.get(LIST).content.decode()
    assert page.count('<span class="badge badge-waiting">候补中</span>') == 4


def test_my_events_queries_do_not_grow(worker_client, worker, django_assert_num_queries):
    for n in range(10):
        registration = RegistrationFactory(user=worker)
        if n % 2:
            CheckIn.objects.create(
                registration=registration, event=registration.event, user=worker, points=10
            )
    # session, user, the count, the page with event, station and check-in,
    # the unread inbox count of the top bar
    with django_assert_num_queries(5):
        page = worker_client.get(reverse("events:mine")).content.decode()
    assert page.count('<span class="badge badge-done">已签到</span>') == 5
    assert page.count("+10 积分") == 5


def test_my_events_when_there_are_none(worker_client):
    page = worker_client.get(reverse("events:mine")).content.decode()
    assert "你还没有报名活动。" in page
    assert f'<a class="button" href="{LIST}">查看近期活动</a>' in page


def test_my_events_needs_a_login(client):
    assert client.get(reverse("events:mine")).status_code == 302


# --- the detail page ------------------------------------------------------------------------------


def test_the_detail_page(client, station):
    event = EventFactory(
        station=station, title="诗歌分享会", starts_at=at(8, 19), ends_at=at(8, 21, 30), seat_limit=3
    )
    RegistrationFactory(event=event)
    RegistrationFactory(event=event, status="waitlisted")
    page = client.get(reverse("events:detail", args=[event.pk])).content.decode()
    assert (
        '<dt>时间</dt><dd><time datetime="2030-03-08T19:00:00+08:00">2030年3月8日 19:00–21:30</time></dd>'
        in page
    )
    assert "<dt>驿站</dt><dd>龙湖天街小哥驿站</dd>" in page
    assert "<dt>地点</dt><dd>驿站二楼活动室</dd>" in page
    assert '<dd id="seats-left">2 / 3 · 1人候补</dd>' in page
    assert f'href="{reverse("events:calendar", args=[event.pk])}"' in page
    assert "登录后报名" in page


def test_detail_of_a_missing_event_is_404(client, db):
    assert client.get(reverse("events:detail", args=[999999])).status_code == 404


def test_register_and_cancel_through_the_pages(worker_client, worker, event):
    detail = reverse("events:detail", args=[event.pk])
    response = worker_client.post(reverse("events:register", args=[event.pk]))
    assert response.status_code == 302 and response["Location"] == detail
    page = worker_client.get(detail).content.decode()
    assert "报名成功，到时见！" in page
    assert '<span class="badge badge-progress">已报名</span>' in page
    assert "取消报名" in page
    worker_client.post(reverse("events:cancel", args=[event.pk]))
    assert Registration.objects.get(user=worker).status == "cancelled"
    assert "你的报名已取消。" in worker_client.get(detail).content.decode()


def test_a_full_event_puts_me_on_the_waitlist_and_says_my_place(worker_client, worker, event):
    RegistrationFactory(event=event)
    RegistrationFactory(event=event)
    RegistrationFactory(event=event, status="waitlisted")
    page = worker_client.get(reverse("events:detail", args=[event.pk])).content.decode()
    assert '<button class="button primary" type="submit">加入候补</button>' in page
    worker_client.post(reverse("events:register", args=[event.pk]))
    page = worker_client.get(reverse("events:detail", args=[event.pk])).content.decode()
    assert "活动已满员，你已进入候补名单。有空位时会通知你。" in page
    assert "你是候补第2位。" in page
    assert "退出候补" in page


def test_a_refused_registration_shows_the_reason(worker_client, worker, event):
    RegistrationFactory(event=event, user=worker)
    worker_client.post(reverse("events:register", args=[event.pk]))
    page = worker_client.get(reverse("events:detail", args=[event.pk])).content.decode()
    assert text.ALREADY_REGISTERED in page
    assert Registration.objects.filter(user=worker).count() == 1


def test_registering_needs_a_post_and_a_login(client, worker_client, event):
    assert worker_client.get(reverse("events:register", args=[event.pk])).status_code == 405
    client.logout()
    response = client.post(reverse("events:register", args=[event.pk]))
    assert response.status_code == 302
    assert not Registration.objects.exists()


def test_registering_for_a_missing_event_is_404(worker_client, db):
    assert worker_client.post(reverse("events:register", args=[999999])).status_code == 404
    assert worker_client.post(reverse("events:cancel", args=[999999])).status_code == 404


def test_a_seated_worker_sees_the_check_in_button_when_it_opens(worker_client, worker, station):
    event = ongoing_event(station=station)
    RegistrationFactory(event=event, user=worker)
    page = worker_client.get(reverse("events:detail", args=[event.pk])).content.decode()
    assert f'<a class="button primary" href="{reverse("events:checkin", args=[event.pk])}">签到</a>' in page
    assert '<span class="badge badge-progress">进行中</span>' in page


# --- .ics -----------------------------------------------------------------------------------------


def test_the_calendar_file(client, station):
    event = EventFactory(
        station=station,
        title="诗歌分享会",
        description="读一首你写的诗。",
        starts_at=at(8, 19),
        ends_at=at(8, 21, 30),
        created_at=datetime(2030, 2, 1, 9, 0, tzinfo=SHANGHAI),
    )
    response = client.get(reverse("events:calendar", args=[event.pk]))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="event-{event.pk}.ics"'
    assert response.content.decode() == (
        "BEGIN:VCALENDAR\r\n"
        "VERSION:2.0\r\n"
        "PRODID:-//Xiaoge portal//Events//ZH\r\n"
        "CALSCALE:GREGORIAN\r\n"
        "BEGIN:VEVENT\r\n"
        "SUMMARY:诗歌分享会\r\n"
        "DTSTART:20300308T110000Z\r\n"
        "DTEND:20300308T133000Z\r\n"
        "DTSTAMP:20300201T010000Z\r\n"
        f"UID:event-{event.pk}@events.xiaoge-portal\r\n"
        "DESCRIPTION:读一首你写的诗。\r\n"
        "LOCATION:龙湖天街小哥驿站 · 驿站二楼活动室\r\n"
        "STATUS:CONFIRMED\r\n"
        f"URL:http://testserver/events/{event.pk}/\r\n"
        "END:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )


def test_the_calendar_file_of_a_cancelled_event_says_so(client, event):
    event.status = "cancelled"
    event.save()
    assert "STATUS:CANCELLED\r\n" in client.get(reverse("events:calendar", args=[event.pk])).content.decode()


def test_the_calendar_of_a_missing_event_is_404(client, db):
    assert client.get(reverse("events:calendar", args=[999999])).status_code == 404


# --- the venue screen -----------------------------------------------------------------------------


@pytest.fixture
def live(station):
    return ongoing_event(station=station, title="外卖骑手技能竞赛")


def screen(client, event):
    return client.get(reverse("events:screen", args=[event.pk]))


def test_the_station_lead_sees_the_code_and_the_qr(client, lead, live):
    RegistrationFactory(event=live)
    client.force_login(lead)
    response = screen(client, live)
    assert response.status_code == 200
    page = response.content.decode()
    code = codes.checkin_code(live.pk)
    previous = codes.checkin_code(live.pk, timezone.now() - timedelta(seconds=60))
    shown = code if f'id="checkin-code" aria-label="签到码">{code}<' in page else previous
    assert f'<p class="venue-code" id="checkin-code" aria-label="签到码">{shown}</p>' in page
    assert '<meta http-equiv="refresh" content="' in page
    from events.views import qr_svg

    link = f"http://testserver/events/{live.pk}/checkin/?code={shown}"
    assert f'<div class="venue-qr">{qr_svg(link)}</div>' in page
    assert "<img" not in page and "http://testserver/static" not in page.split("<main")[1]
    assert '<p id="attendance">已签到：0 / 已报名 1</p>' in page


def test_the_qr_encodes_the_check_in_link_with_the_code(lead, live, rf):
    from events.views import qr_svg

    link = f"http://testserver/events/{live.pk}/checkin/?code=123456"
    assert qr_svg(link) == qr_svg(link)
    assert qr_svg(link) != qr_svg(link.replace("123456", "654321"))


def test_station_staff_see_the_screen(client, station, live):
    staff_member = UserFactory()
    station.staff.add(staff_member)
    client.force_login(staff_member)
    assert screen(client, live).status_code == 200


def test_staff_with_the_events_permission_see_the_screen(client, live):
    staff = StaffFactory()
    staff.user_permissions.add(Permission.objects.get(codename="show_checkin_code"))
    client.force_login(staff)
    assert screen(client, live).status_code == 200


@pytest.mark.parametrize("who", ["worker", "staff_without_permission", "lead_of_another_station"])
def test_others_get_404_on_the_screen(client, live, who):
    user = {"worker": UserFactory, "staff_without_permission": StaffFactory}.get(who, UserFactory)()
    if who == "lead_of_another_station":
        StationFactory(lead=user)
    client.force_login(user)
    assert screen(client, live).status_code == 404


def test_the_screen_needs_a_login(client, live):
    assert screen(client, live).status_code == 302


def test_the_screen_before_check_in_opens_shows_no_code(client, lead, event):
    client.force_login(lead)
    page = screen(client, event).content.decode()
    assert 'id="checkin-code"' not in page
    assert text.CHECKIN_NOT_OPEN in page
    assert '<meta http-equiv="refresh" content="60">' in page


def test_the_detail_page_links_the_screen_for_the_lead_only(client, lead, worker, live):
    url = reverse("events:screen", args=[live.pk])
    client.force_login(worker)
    assert url not in client.get(reverse("events:detail", args=[live.pk])).content.decode()
    client.force_login(lead)
    assert url in client.get(reverse("events:detail", args=[live.pk])).content.decode()
