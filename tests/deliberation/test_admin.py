"""Staff in admin: decisions through actions, scheduling with the event, minutes, follow-ups, CSV."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from deliberation import actions
from deliberation.models import FollowUpAction, Session, Topic
from events.models import Event
from notifications.models import Message
from points.models import PointEntry
from tests.csv_safety import ESCAPED, INJECTION, csv_rows, formula_cells
from tests.deliberation.conftest import hold, schedule
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

TOPICS = reverse("admin:deliberation_topic_changelist")
SESSION_ADD = reverse("admin:deliberation_session_add")


@pytest.fixture
def staff_client(client, station_staff, station):
    """A station staff member who runs the station (one of its staff)."""
    station.staff.add(station_staff)
    client.force_login(station_staff)
    return client


def decide(client, topic, **data):
    return client.post(reverse("admin:deliberation_topic_decide", args=[topic.pk]), data)


def page_text(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("who, status", [("station_staff", 200), ("plain_staff", 403), ("raiser", 302)])
def test_topic_admin_is_for_station_staff(client, request, supported_topic, station, who, status):
    person = StaffFactory() if who == "plain_staff" else request.getfixturevalue(who)
    if who == "station_staff":
        station.staff.add(person)
    client.force_login(person)
    assert client.get(TOPICS).status_code == status
    response = decide(client, supported_topic, decision="accept")
    assert response.status_code == (302 if who == "station_staff" else status)
    supported_topic.refresh_from_db()
    assert supported_topic.status == ("accepted" if who == "station_staff" else "open")
    assert PointEntry.objects.count() == (1 if who == "station_staff" else 0)


def test_changelist_filters_and_search(staff_client, supported_topic, station):
    assert "商场不让电动车进地库取餐" in page_text(staff_client.get(TOPICS, {"status__exact": "open"}))
    assert "商场不让电动车进地库取餐" not in page_text(staff_client.get(TOPICS, {"status__exact": "closed"}))
    assert "商场不让电动车进地库取餐" in page_text(
        staff_client.get(TOPICS, {"station__id__exact": station.pk})
    )
    assert "商场不让电动车进地库取餐" in page_text(staff_client.get(TOPICS, {"q": "地库"}))


@pytest.mark.parametrize("count", [1, 6])
def test_topic_changelist_queries_do_not_grow(staff_client, station, django_assert_num_queries, count):
    for number in range(count):
        topic = actions.topic_raise(
            station=station, raised_by=UserFactory(), title=f"议题{number}", description="描述。"
        )
        actions.topic_support(topic_id=topic.pk, user=UserFactory())
    # session, user, permissions, capped count, rows with station, raiser,
    # session and the support count, the station filter's choices
    with django_assert_num_queries(7):
        staff_client.get(TOPICS)


def test_decide_bad_input_is_shown_and_changes_nothing(staff_client, supported_topic):
    response = decide(staff_client, supported_topic, decision="close", text="  ")
    assert response.status_code == 400
    assert "请填写答复，提出议题的小哥和附议人都会看到。" in page_text(response)
    response = decide(staff_client, supported_topic, decision="maybe")
    assert response.status_code == 400
    partial = decide(staff_client, supported_topic, decision="resolution", text="决议", what="设通道")
    assert partial.status_code == 400
    assert "跟进事项需要填写责任方、内容和完成期限。" in page_text(partial)
    assert "设通道" in page_text(partial)
    wrong = decide(staff_client, supported_topic, decision="resolved", text="好了")
    assert wrong.status_code == 400
    assert "该议题当前状态为“已提出”，不能办结。" in page_text(wrong)
    supported_topic.refresh_from_db()
    assert supported_topic.status == "open"
    assert not Message.objects.exists()
    assert staff_client.get(reverse("admin:deliberation_topic_decide", args=[99999])).status_code == 404


def test_close_resolution_and_conclusion_through_the_decide_page(
    staff_client, station, lead, raiser, supporter
):
    closed = actions.topic_raise(
        station=station, raised_by=raiser, title="充电桩坏了", description="二号桩。"
    )
    assert decide(staff_client, closed, decision="close", text="已报修。").status_code == 302
    closed.refresh_from_db()
    assert (closed.status, closed.answer) == ("closed", "已报修。")

    topic = actions.topic_raise(station=station, raised_by=raiser, title="门岗", description="不让进。")
    actions.topic_support(topic_id=topic.pk, user=supporter)
    assert decide(staff_client, topic, decision="accept", text="").status_code == 302
    session = hold(schedule(station, lead, [topic]))
    actions.session_record_minutes(session_id=session.pk, minutes="纪要。", acting_user=lead)
    due = timezone.localdate() + timedelta(days=5)
    response = decide(
        staff_client,
        topic,
        decision="resolution",
        text="物业登记后放行。",
        owner_party="property",
        what="门岗登记放行",
        due_on=due.isoformat(),
    )
    assert response.status_code == 302
    # A second follow-up without a new resolution text just adds the action.
    response = decide(
        staff_client,
        topic,
        decision="resolution",
        owner_party="district",
        what="街道督办",
        due_on=due.isoformat(),
    )
    assert response.status_code == 302
    assert list(FollowUpAction.objects.order_by("id").values_list("owner_party", "what")) == [
        ("property", "门岗登记放行"),
        ("district", "街道督办"),
    ]
    assert decide(staff_client, topic, decision="unresolved", text="物业仍不同意。").status_code == 302
    topic.refresh_from_db()
    assert (topic.status, topic.resolution, topic.explanation) == (
        "unresolved",
        "物业登记后放行。",
        "物业仍不同意。",
    )
    assert list(
        Message.objects.filter(recipient=supporter, channel="inbox")
        .order_by("id")
        .values_list("kind", flat=True)
    ) == [
        "station_topic_accepted",
        "station_topic_scheduled",
        "station_topic_minutes",
        "station_topic_resolution",
        "station_topic_followup_added",
        "station_topic_unresolved",
    ]


def test_accept_selected_reports_refusals(staff_client, topic, station, raiser, lead):
    closed = actions.topic_raise(station=station, raised_by=raiser, title="已办", description="描述。")
    actions.topic_close(topic_id=closed.pk, acting_user=lead, answer="答复。")
    response = staff_client.post(
        TOPICS, {"action": "accept_selected", "_selected_action": [topic.pk, closed.pk]}, follow=True
    )
    page = page_text(response)
    assert "已受理 1 个议题。" in page
    assert f"#{closed.pk}: 该议题当前状态为“已答复”，不能受理。" in page
    topic.refresh_from_db()
    assert topic.status == "accepted"


def test_csv_export_with_outcomes(staff_client, station, raiser, lead):
    topic = actions.topic_raise(
        station=station, raised_by=raiser, title='=HYPERLINK("x")', description="描述。"
    )
    actions.topic_accept(topic_id=topic.pk, acting_user=lead)
    session = hold(schedule(station, lead, [topic]))
    actions.session_record_minutes(session_id=session.pk, minutes="纪要。", acting_user=lead)
    actions.topic_record_resolution(
        topic_id=topic.pk,
        resolution="开放地库。",
        acting_user=lead,
        followups=[
            {"owner_party": "mall", "what": "设通道", "due_on": timezone.localdate() + timedelta(days=3)}
        ],
    )
    actions.topic_conclude(topic_id=topic.pk, outcome="resolved", explanation="已开通。", acting_user=lead)
    response = staff_client.get(reverse("admin:deliberation_topic_export"), {"status__exact": "resolved"})
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == [
        "编号", "驿站", "标题", "状态", "附议人数", "提出时间", "议事会", "议事会时间",
        "答复", "决议", "结果说明", "跟进事项",
    ]  # fmt: skip
    due = (timezone.localdate() + timedelta(days=3)).isoformat()
    assert rows[1][0] == str(topic.pk)
    assert rows[1][1:5] == ["西溪天街小哥驿站", '\'=HYPERLINK("x")', "已解决", "0"]
    assert rows[1][6] == "西溪天街小哥驿站议事会"
    assert rows[1][8:] == ["", "开放地库。", "已开通。", f"商场管理方: 设通道 ({due}, 办理中)"]
    assert len(rows) == 2


def schedule_data(station, agenda, **overrides):
    start = timezone.localtime() + timedelta(days=4)
    data = {
        "station": station.pk,
        "title": "",
        "place": "西溪天街B1层会议室",
        "starts_at_0": start.date().isoformat(),
        "starts_at_1": "15:00",
        "ends_at_0": start.date().isoformat(),
        "ends_at_1": "17:00",
        "seat_limit": "25",
        "parties": ["mall", "property"],
        "topics": [topic.pk for topic in agenda],
    }
    data.update(overrides)
    return data


def test_schedule_a_session_in_admin(staff_client, supported_topic, station, lead, supporter):
    actions.topic_accept(topic_id=supported_topic.pk, acting_user=lead)
    form = page_text(staff_client.get(SESSION_ADD, {"station": station.pk}))
    assert "西溪天街小哥驿站 · 商场不让电动车进地库取餐" in form
    response = staff_client.post(SESSION_ADD, schedule_data(station, [supported_topic]))
    session = Session.objects.get()
    assert response["Location"] == reverse("admin:deliberation_session_change", args=[session.pk])
    event = Event.objects.get()
    assert (session.event_id, event.kind, event.seat_limit) == (event.pk, "deliberation", 25)
    assert timezone.localtime(event.starts_at).strftime("%H:%M") == "15:00"
    assert session.parties == ["mall", "property"]
    supported_topic.refresh_from_db()
    assert supported_topic.status == "scheduled"
    assert (
        Message.objects.filter(recipient=supporter, kind="station_topic_scheduled", channel="sms").count()
        == 1
    )
    change = page_text(staff_client.get(reverse("admin:deliberation_session_change", args=[session.pk])))
    assert reverse("admin:deliberation_session_minutes", args=[session.pk]) in change
    assert "商场管理方、物业" in change
    assert f'href="{reverse("events:detail", args=[event.pk])}"' in change


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"ends_at_1": "14:00"}, "议事会的结束时间必须晚于开始时间。"),
        ({"starts_at_0": "2020-01-01", "ends_at_0": "2020-01-01"}, "议事会只能安排在将来的时间。"),
        ({"place": ""}, "该字段是必填项。"),
        ({"parties": []}, "该字段是必填项。"),
        ({"topics": []}, "该字段是必填项。"),
        ({"seat_limit": "0"}, "不能小于 1。"),
        ({"starts_at_1": "25:99"}, "输入一个有效的时间。"),
    ],
)
def test_schedule_bad_input_keeps_the_form_and_changes_nothing(
    staff_client, supported_topic, station, lead, overrides, message
):
    actions.topic_accept(topic_id=supported_topic.pk, acting_user=lead)
    Message.objects.all().delete()
    response = staff_client.post(SESSION_ADD, schedule_data(station, [supported_topic], **overrides))
    assert response.status_code == 400
    page = page_text(response)
    assert message in page
    if overrides.get("place") != "":
        assert 'value="西溪天街B1层会议室"' in page
    assert not Session.objects.exists()
    assert not Event.objects.exists()
    assert not Message.objects.exists()
    supported_topic.refresh_from_db()
    assert supported_topic.status == "accepted"


def test_plain_staff_cannot_schedule(client, supported_topic, station, lead):
    actions.topic_accept(topic_id=supported_topic.pk, acting_user=lead)
    client.force_login(StaffFactory())
    assert client.post(SESSION_ADD, schedule_data(station, [supported_topic])).status_code == 403
    assert not Session.objects.exists()


def test_minutes_agenda_followup_and_done_pages(staff_client, topic, station, lead, outsider):
    actions.topic_accept(topic_id=topic.pk, acting_user=lead)
    session = schedule(station, lead, [topic])
    later = actions.topic_raise(
        station=station, raised_by=outsider, title="没有临时停车位", description="北门。"
    )
    actions.topic_accept(topic_id=later.pk, acting_user=lead)
    agenda = reverse("admin:deliberation_session_agenda", args=[session.pk])
    assert staff_client.post(agenda, {"topics": []}).status_code == 400
    assert staff_client.post(agenda, {"topics": [later.pk]}).status_code == 302
    later.refresh_from_db()
    assert later.session_id == session.pk

    minutes = reverse("admin:deliberation_session_minutes", args=[session.pk])
    early = staff_client.post(minutes, {"minutes": "纪要。"})
    assert early.status_code == 400 and "议事会开始后才能记录纪要。" in page_text(early)
    hold(session)
    assert staff_client.post(minutes, {"minutes": ""}).status_code == 400
    assert staff_client.post(minutes, {"minutes": "各方到会。"}).status_code == 302
    session.refresh_from_db()
    assert (session.status, session.minutes) == ("held", "各方到会。")

    add = reverse("admin:deliberation_followupaction_add")
    due = (timezone.localdate() + timedelta(days=3)).isoformat()
    not_yet = staff_client.post(
        add, {"topic": topic.pk, "owner_party": "mall", "what": "设通道", "due_on": due}
    )
    assert not_yet.status_code == 400  # no resolution yet: the topic is not offered
    actions.topic_record_resolution(topic_id=topic.pk, resolution="开放地库。", acting_user=lead)
    past_due = staff_client.post(
        add, {"topic": topic.pk, "owner_party": "mall", "what": "设通道", "due_on": "2020-01-01"}
    )
    assert past_due.status_code == 400 and "完成期限不能早于议事会日期。" in page_text(past_due)
    assert 'value="设通道"' in page_text(past_due)
    response = staff_client.post(
        add, {"topic": topic.pk, "owner_party": "mall", "what": "设通道", "due_on": due}
    )
    action = FollowUpAction.objects.get()
    assert response["Location"] == reverse("admin:deliberation_followupaction_change", args=[action.pk])

    done = reverse("admin:deliberation_followupaction_done", args=[action.pk])
    assert staff_client.post(done, {"note": ""}).status_code == 400
    assert staff_client.post(done, {"note": "通道已开通。"}).status_code == 302
    action.refresh_from_db()
    assert (action.status, action.done_note) == ("done", "通道已开通。")
    again = staff_client.post(done, {"note": "再来。"})
    assert again.status_code == 400 and "该跟进事项已经是“已完成”。" in page_text(again)


def test_followup_list_filters_overdue(staff_client, topic, station, lead):
    actions.topic_accept(topic_id=topic.pk, acting_user=lead)
    session = hold(schedule(station, lead, [topic]))
    actions.session_record_minutes(session_id=session.pk, minutes="纪要。", acting_user=lead)
    today = timezone.localdate()
    actions.topic_record_resolution(
        topic_id=topic.pk,
        resolution="决议。",
        acting_user=lead,
        followups=[
            {"owner_party": "mall", "what": "逾期的事", "due_on": today},
            {"owner_party": "property", "what": "还没到期的事", "due_on": today + timedelta(days=5)},
        ],
    )
    FollowUpAction.objects.filter(what="逾期的事").update(due_on=today - timedelta(days=1))
    actions.followups_mark_overdue()
    page = page_text(
        staff_client.get(reverse("admin:deliberation_followupaction_changelist"), {"state": "overdue"})
    )
    assert "逾期的事" in page and "还没到期的事" not in page


def test_station_admin_lists_open_topic_counts(staff_client, supported_topic):
    page = page_text(staff_client.get(reverse("admin:stations_station_changelist")))
    assert "西溪天街小哥驿站" in page
    assert Topic.objects.count() == 1


def test_a_topic_page_in_admin_has_no_save_buttons(staff_client, supported_topic):
    # Every change goes through the decide page (an action), never through the model form.
    response = staff_client.get(reverse("admin:deliberation_topic_change", args=[supported_topic.pk]))
    assert response.status_code == 200
    assert 'name="_save"' not in page_text(response)
    assert 'name="_continue"' not in page_text(response)


def test_csv_export_escapes_cells_a_spreadsheet_would_run(staff_client, station, raiser, lead):
    topic = actions.topic_raise(station=station, raised_by=raiser, title=INJECTION, description="描述。")
    actions.topic_close(topic_id=topic.pk, answer="+已答复", acting_user=lead)
    rows = csv_rows(staff_client.get(reverse("admin:deliberation_topic_export")))
    assert (rows[1][2], rows[1][8]) == (ESCAPED, "'+已答复")
    assert formula_cells(rows) == []
