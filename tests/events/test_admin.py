import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import reverse

from accounts import roles
from events import actions, codes
from events.actions import checkin_create
from events.models import CheckIn, ContestResult, Event, Registration
from notifications.models import Message
from points.models import PointEntry
from tests.csv_safety import ESCAPED, INJECTION, csv_rows, formula_cells
from tests.events import messages as text
from tests.events.factories import EventFactory, RegistrationFactory, ongoing_event
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def station_staff(station):
    user = StaffFactory(real_name="周站长")
    user.groups.add(Group.objects.get(name=roles.STATION_STAFF))
    station.staff.add(user)
    return user


@pytest.fixture
def staff_client(client, station_staff):
    client.force_login(station_staff)
    return client


def test_the_station_staff_group_holds_the_events_permissions(station_staff):
    for codename in (
        "events.view_event",
        "events.change_event",
        "events.view_registration",
        "events.add_contestresult",
    ):
        assert station_staff.has_perm(codename), codename
    assert not station_staff.has_perm("events.delete_event")
    # The venue screen of their own stations only (Station.is_run_by), not of every station.
    assert not station_staff.has_perm("events.show_checkin_code")
    assert not station_staff.has_perm("events.change_registration")


def test_the_event_changelist_with_seats_and_screen_link(staff_client, station, django_assert_num_queries):
    for _ in range(5):
        event = EventFactory(station=station, seat_limit=3)
        RegistrationFactory(event=event)
        RegistrationFactory(event=event, status="waitlisted")
    url = reverse("admin:events_event_changelist")
    response = staff_client.get(url)
    page = response.content.decode()
    assert page.count('<td class="field-seats">1 / 3</td>') == 5
    assert f'href="{reverse("events:screen", args=[event.pk])}"' in page
    for query in (
        {"kind": "contest"},
        {"status": "cancelled"},
        {"station__id__exact": station.pk},
        {"when": "past"},
        {"q": "诗歌"},
    ):
        assert staff_client.get(url, query).status_code == 200


def test_event_changelist_queries_do_not_grow(staff_client, station, django_assert_num_queries):
    def count_for(n):
        for _ in range(n):
            RegistrationFactory(event=EventFactory(station=station))
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            staff_client.get(reverse("admin:events_event_changelist"))
        return len(queries)

    assert count_for(2) == count_for(10)


def test_the_event_page_shows_registrations_read_only(staff_client, station):
    event = ongoing_event(station=station)
    worker = UserFactory(real_name="张伟", phone="+8613800000001")
    RegistrationFactory(event=event, user=worker)
    checkin_create(event_id=event.pk, user=worker, code=codes.checkin_code(event.pk))
    page = staff_client.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()
    assert "张伟 138****0001" in page
    assert "已报名" in page
    assert 'name="registrations-0-status"' not in page


def test_adding_an_event_in_admin_goes_through_the_action(staff_client, station):
    response = staff_client.post(
        reverse("admin:events_event_add"),
        {
            "station": station.pk,
            "kind": "sharing",
            "title": "诗歌分享会",
            "description": "",
            "place": "驿站二楼",
            "starts_at_0": "2030-03-08",
            "starts_at_1": "19:00:00",
            "ends_at_0": "2030-03-08",
            "ends_at_1": "21:00:00",
            "seat_limit": "20",
            "registrations-TOTAL_FORMS": "0",
            "registrations-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = Event.objects.get()
    assert event.created_by.real_name == "周站长"
    assert event.starts_at == datetime(2030, 3, 8, 19, tzinfo=SHANGHAI)


def test_cancel_action(staff_client, event):
    RegistrationFactory(event=event)
    staff_client.post(
        reverse("admin:events_event_changelist"),
        {"action": "cancel_selected", "_selected_action": [event.pk]},
    )
    event.refresh_from_db()
    assert event.status == "cancelled"
    assert Message.objects.filter(kind="event_cancelled", channel="sms").count() == 1


def test_attendance_csv(staff_client, station):
    event = ongoing_event(station=station, title="外卖骑手技能竞赛")
    event.starts_at = datetime(2026, 11, 29, 9, 0, tzinfo=SHANGHAI)
    there = UserFactory(real_name="张伟", phone="+8613800000001")
    waiting = UserFactory(real_name="李娜", phone="+8613800000002")
    r1 = RegistrationFactory(event=event, user=there)
    r2 = RegistrationFactory(event=event, user=waiting, status="waitlisted")
    checkin = checkin_create(event_id=event.pk, user=there, code=codes.checkin_code(event.pk))
    response = staff_client.post(
        reverse("admin:events_registration_changelist"),
        {"action": "export_attendance", "_selected_action": [r1.pk, r2.pk]},
    )
    content = b"".join(response.streaming_content).decode()
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))

    def local(moment):
        return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")

    starts = local(Event.objects.get().starts_at)
    assert rows == [
        ["活动", "开始时间", "驿站", "小哥", "手机号", "状态", "报名时间", "签到时间", "获得积分"],
        [
            "外卖骑手技能竞赛",
            starts,
            "龙湖天街小哥驿站",
            "张伟",
            "138****0001",
            "已报名",
            local(r1.created_at),
            local(checkin.created_at),
            "10",
        ],
        [
            "外卖骑手技能竞赛",
            starts,
            "龙湖天街小哥驿站",
            "李娜",
            "138****0002",
            "候补中",
            local(r2.created_at),
            "",
            "0",
        ],
    ]


def test_registrations_changelist_filters_and_queries(staff_client, station):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("admin:events_registration_changelist")

    def count_for(n):
        for _ in range(n):
            RegistrationFactory(event=EventFactory(station=station))
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(url).status_code == 200
        return len(queries)

    assert count_for(2) == count_for(10)
    for query in (
        {"status__exact": "waitlisted"},
        {"checked_in": "yes"},
        {"event__kind__exact": "contest"},
        {"q": "13800000001"},
    ):
        assert staff_client.get(url, query).status_code == 200


def test_contest_results_in_admin_then_publish(staff_client, station):
    contest = ongoing_event(station=station, kind="contest", title="外卖骑手技能竞赛")
    there, absent = UserFactory(real_name="张伟"), UserFactory(real_name="李娜")
    RegistrationFactory(event=contest, user=there)
    RegistrationFactory(event=contest, user=absent)
    checkin_create(event_id=contest.pk, user=there, code=codes.checkin_code(contest.pk))
    add = reverse("admin:events_contestresult_add")
    response = staff_client.post(
        add, {"event": contest.pk, "user": absent.pk, "rank": "1", "score": "99"}, follow=True
    )
    assert "只能为已签到的参赛者登记成绩。" in response.content.decode()
    assert not ContestResult.objects.exists()
    response = staff_client.post(add, {"event": contest.pk, "user": there.pk, "rank": "1", "score": "98.5"})
    assert response.status_code == 302
    assert ContestResult.objects.get().checkin == CheckIn.objects.get(user=there)
    staff_client.post(
        reverse("admin:events_event_changelist"),
        {"action": "publish_results", "_selected_action": [contest.pk]},
    )
    assert PointEntry.objects.filter(user=there, reason="contest_rank_1", amount=50).count() == 1
    assert Registration.objects.count() == 2


def test_more_seats_in_admin_move_the_waitlist_up(staff_client, event):
    seated = [RegistrationFactory(event=event) for _ in range(2)]
    waiting = [RegistrationFactory(event=event, status="waitlisted") for _ in range(3)]
    local_start = event.starts_at.astimezone(SHANGHAI)
    local_end = event.ends_at.astimezone(SHANGHAI)
    response = staff_client.post(
        reverse("admin:events_event_change", args=[event.pk]),
        {
            "station": event.station_id,
            "kind": event.kind,
            "title": event.title,
            "description": event.description,
            "place": event.place,
            "starts_at_0": local_start.strftime("%Y-%m-%d"),
            "starts_at_1": local_start.strftime("%H:%M:%S"),
            "ends_at_0": local_end.strftime("%Y-%m-%d"),
            "ends_at_1": local_end.strftime("%H:%M:%S"),
            "seat_limit": "4",
            "registrations-TOTAL_FORMS": "5",
            "registrations-INITIAL_FORMS": "5",
        },
        follow=True,
    )
    assert "2 人已从候补转为报名。" in response.content.decode()
    statuses = [Registration.objects.get(pk=r.pk).status for r in seated + waiting]
    assert statuses == ["registered"] * 4 + ["waitlisted"]
    assert Message.objects.filter(kind="event_promoted", channel="sms").count() == 2


def test_station_staff_see_only_their_stations(staff_client, station, station_staff):
    from tests.events.factories import StationFactory

    mine = EventFactory(station=station, title="本站活动")
    station.lead = station_staff  # lead and staff at once: still one row each
    station.save(update_fields=["lead"])
    elsewhere = EventFactory(station=StationFactory(), title="别站活动")
    RegistrationFactory(event=mine, user=UserFactory(real_name="本站小哥"))
    RegistrationFactory(event=elsewhere, user=UserFactory(real_name="别站小哥"))
    events_page = staff_client.get(reverse("admin:events_event_changelist")).content.decode()
    assert events_page.count('<td class="field-seats">') == 1
    assert "本站活动" in events_page and "别站活动" not in events_page
    registrations = staff_client.get(reverse("admin:events_registration_changelist")).content.decode()
    assert "本站小哥" in registrations and "别站小哥" not in registrations
    assert staff_client.get(reverse("admin:events_event_change", args=[elsewhere.pk])).status_code == 404
    add_form = staff_client.get(reverse("admin:events_contestresult_add")).content.decode()
    assert "别站活动" not in add_form


def test_district_staff_see_every_station(client, station):
    from django.contrib.auth.models import Permission

    from tests.events.factories import StationFactory

    district = StaffFactory()
    district.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_event", "view_registration", "manage_all_stations"])
    )
    client.force_login(district)
    EventFactory(station=station, title="本站活动")
    EventFactory(station=StationFactory(), title="别站活动")
    page = client.get(reverse("admin:events_event_changelist")).content.decode()
    assert "本站活动" in page and "别站活动" in page


# --- review #8: the event of a deliberation session --------------------------------------------


def session_for(event):
    """What deliberation's session_schedule leaves on its event (events knows no sessions)."""
    Event.objects.filter(pk=event.pk).update(managed_by="deliberation")
    event.refresh_from_db()


def change_data(event, **changes):
    local_start = event.starts_at.astimezone(SHANGHAI)
    local_end = event.ends_at.astimezone(SHANGHAI)
    data = {
        "station": event.station_id,
        "kind": event.kind,
        "title": event.title,
        "description": event.description,
        "place": event.place,
        "starts_at_0": local_start.strftime("%Y-%m-%d"),
        "starts_at_1": local_start.strftime("%H:%M:%S"),
        "ends_at_0": local_end.strftime("%Y-%m-%d"),
        "ends_at_1": local_end.strftime("%H:%M:%S"),
        "seat_limit": str(event.seat_limit),
        "registrations-TOTAL_FORMS": "0",
        "registrations-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def test_a_session_event_keeps_its_time_place_and_station_in_admin(staff_client, station, event):
    from tests.events.factories import StationFactory

    session_for(event)
    url = reverse("admin:events_event_change", args=[event.pk])
    page = staff_client.get(url).content.decode()
    for field in ("starts_at_0", "ends_at_0", "place", "station", "kind", "status"):
        assert f'name="{field}"' not in page, field
    assert 'name="title"' in page and 'name="seat_limit"' in page
    before = Event.objects.filter(pk=event.pk).values().get()
    response = staff_client.post(
        url,
        change_data(
            event,
            station=StationFactory().pk,
            kind="contest",
            place="别处",
            starts_at_0="2031-01-01",
            ends_at_0="2031-01-01",
            title="龙湖天街议事会",
        ),
    )
    assert response.status_code == 302
    after = Event.objects.filter(pk=event.pk).values().get()
    assert after.pop("title") == "龙湖天街议事会"
    before.pop("title")
    assert after == before


def test_a_session_event_is_cancelled_only_with_its_session(staff_client, station_staff, event):
    session_for(event)
    RegistrationFactory(event=event)
    with pytest.raises(actions.TransitionNotAllowed) as refused:
        actions.event_cancel(event_id=event.pk, acting_user=station_staff)
    assert refused.value.message == text.EVENT_OF_A_SESSION
    response = staff_client.post(
        reverse("admin:events_event_changelist"),
        {"action": "cancel_selected", "_selected_action": [event.pk]},
        follow=True,
    )
    assert f"#{event.pk}: {text.EVENT_OF_A_SESSION}" in response.content.decode()
    assert Event.objects.get(pk=event.pk).status == "published"
    assert not Message.objects.filter(kind="event_cancelled").exists()
    # What deliberation.actions.session_cancel calls, inside its transaction:
    with transaction.atomic():
        actions.managed_event_cancel(
            event_id=event.pk, managed_by="deliberation", acting_user=station_staff, reason="台风预警。"
        )
    assert Event.objects.get(pk=event.pk).status == "cancelled"
    assert Message.objects.filter(kind="event_cancelled", channel="sms").count() == 1


def test_a_managed_event_refuses_a_new_time_or_place_from_the_action(station_staff, event):
    session_for(event)
    with pytest.raises(actions.TransitionNotAllowed) as refused:
        actions.event_update(event_id=event.pk, values={"place": "别处"}, acting_user=station_staff)
    assert refused.value.message == text.EVENT_OF_A_SESSION_FIELDS
    # The same values, and the title and seats, are the events app's to change.
    updated, _promoted = actions.event_update(
        event_id=event.pk,
        values={"place": event.place, "title": "龙湖天街议事会", "seat_limit": event.seat_limit + 5},
        acting_user=station_staff,
    )
    assert (updated.title, updated.place) == ("龙湖天街议事会", event.place)


def test_the_managed_cancel_is_a_step_of_the_managing_app_only(station_staff, event):
    with transaction.atomic(), pytest.raises(ValueError):  # not a managed event: nothing to cancel here
        actions.managed_event_cancel(event_id=event.pk, managed_by="deliberation", acting_user=station_staff)
    session_for(event)
    with transaction.atomic(), pytest.raises(ValueError):  # managed, but by another app
        actions.managed_event_cancel(event_id=event.pk, managed_by="volunteering", acting_user=station_staff)
    assert Event.objects.get(pk=event.pk).status == "published"


@pytest.mark.django_db(transaction=True)
def test_the_managed_steps_run_only_inside_a_transaction():
    # Outside one, the managing app's record and the event could part ways.
    with pytest.raises(RuntimeError):
        actions.managed_event_cancel(event_id=0, managed_by="deliberation", acting_user=None)
    with pytest.raises(RuntimeError):
        actions.managed_event_create(
            managed_by="deliberation",
            station=None,
            kind="deliberation",
            title="",
            place="",
            starts_at=None,
            ends_at=None,
            seat_limit=1,
        )


def test_an_event_without_a_session_keeps_its_fields_editable(staff_client, event):
    page = staff_client.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()
    for field in ("starts_at_0", "ends_at_0", "place", "station", "kind"):
        assert f'name="{field}"' in page, field


# --- review #10: stations in the event form ------------------------------------------------------


def test_station_staff_publish_only_at_their_stations(staff_client, station):
    from tests.events.factories import StationFactory

    elsewhere = StationFactory(name="别的驿站")
    add = reverse("admin:events_event_add")
    page = staff_client.get(add).content.decode()
    assert f'<option value="{station.pk}">龙湖天街小哥驿站</option>' in page
    assert "别的驿站" not in page
    event = EventFactory.build(station=elsewhere, title="别站活动")
    response = staff_client.post(add, change_data(event))
    assert response.status_code == 200
    assert "请从列表中选择一项。" in response.content.decode()
    assert 'value="别站活动"' in response.content.decode()
    assert not Event.objects.exists()


def test_no_event_at_a_closed_station(client, station, lead):
    from django.contrib.auth.models import Permission

    station.is_active = False
    station.save(update_fields=["is_active"])
    event = EventFactory.build(station=station, title="诗歌分享会")
    with pytest.raises(actions.ApplicationError) as refused:
        actions.event_create(
            station=station,
            kind=event.kind,
            title=event.title,
            place=event.place,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            seat_limit=10,
            acting_user=lead,
        )
    assert refused.value.message == text.STATION_CLOSED
    district = StaffFactory()
    district.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_event", "view_event", "manage_all_stations"])
    )
    client.force_login(district)
    response = client.post(reverse("admin:events_event_add"), change_data(event))
    assert response.status_code == 200
    page = response.content.decode()
    assert text.STATION_CLOSED in page and 'value="诗歌分享会"' in page
    assert not Event.objects.exists()


# --- review #11: contest results typed in admin --------------------------------------------------


@pytest.mark.parametrize(
    "rank, score, message",
    [("0", "90", text.RANK_TOO_LOW), ("-1", "90", text.RANK_TOO_LOW), ("1", "-0.5", text.SCORE_NEGATIVE)],
)
def test_a_result_needs_a_rank_from_1_and_a_score_from_0(staff_client, station, rank, score, message):
    contest = ongoing_event(station=station, kind="contest", title="外卖骑手技能竞赛")
    there = UserFactory(real_name="张伟")
    RegistrationFactory(event=contest, user=there)
    checkin_create(event_id=contest.pk, user=there, code=codes.checkin_code(contest.pk))
    response = staff_client.post(
        reverse("admin:events_contestresult_add"),
        {"event": contest.pk, "user": there.pk, "rank": rank, "score": score},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert f'value="{rank}"' in page and f'value="{score}"' in page
    assert not ContestResult.objects.exists()


def test_attendance_csv_escapes_cells_a_spreadsheet_would_run(staff_client, station):
    event = ongoing_event(station=station, title="-技能竞赛")
    registration = RegistrationFactory(event=event, user=UserFactory(real_name=INJECTION))
    response = staff_client.post(
        reverse("admin:events_registration_changelist"),
        {"action": "export_attendance", "_selected_action": [registration.pk]},
    )
    rows = csv_rows(response)
    assert (rows[1][0], rows[1][3]) == ("'-技能竞赛", ESCAPED)
    assert formula_cells(rows) == []
