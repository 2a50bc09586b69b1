"""Topic and session life cycles through the actions: transitions, points, timeline, notifications."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone, translation

from core.exceptions import ApplicationError, PermissionDenied, TransitionNotAllowed
from core.models import StatusChange
from deliberation import actions
from deliberation.models import FollowUpAction, Session, Support, Topic, TopicPhoto
from deliberation.tasks import mark_overdue_actions
from events.actions import registration_create
from events.models import Event
from notifications.models import Message
from points.models import PointAccount, PointEntry
from tests.deliberation.conftest import hold, schedule
from tests.factories import StaffFactory, UserFactory
from tests.governance.factories import clean_photo
from tests.stations.factories import StationFactory

pytestmark = pytest.mark.django_db


def inbox(user) -> list[tuple[str, str, str]]:
    return list(
        Message.objects.filter(recipient=user, channel="inbox")
        .order_by("id")
        .values_list("kind", "subject", "body")
    )


def sms_kinds(user) -> list[str]:
    return list(
        Message.objects.filter(recipient=user, channel="sms").order_by("id").values_list("kind", flat=True)
    )


def timeline(topic) -> list[tuple[str, str, str]]:
    return list(topic.updates.order_by("id").values_list("status", "actor_role", "note"))


def test_raise_keeps_cleaned_photos_and_starts_the_timeline(station, raiser):
    topic = actions.topic_raise(
        station=station,
        raised_by=raiser,
        title="  午高峰没有临时停车位 ",
        description="北门只能停五分钟。",
        photos=[clean_photo(), clean_photo()],
    )
    assert (topic.status, topic.title) == ("open", "午高峰没有临时停车位")
    assert TopicPhoto.objects.filter(topic=topic).count() == 2
    assert timeline(topic) == [("open", "raiser", "")]


@pytest.mark.parametrize(
    "title, description, photos, message",
    [
        ("", "描述", 0, "请用几个字说明是什么问题。"),
        ("标题", "  ", 0, "请描述问题：在哪里、什么时候、怎样影响你工作。"),
        ("标题", "描述", 4, "最多添加三张照片。"),
    ],
)
def test_raise_refuses_bad_input(station, raiser, title, description, photos, message):
    with pytest.raises(ApplicationError) as refused:
        actions.topic_raise(
            station=station,
            raised_by=raiser,
            title=title,
            description=description,
            photos=[clean_photo() for _ in range(photos)],
        )
    assert refused.value.message == message
    assert not Topic.objects.exists()


def test_raise_at_a_closed_station_is_refused(raiser):
    closed = StationFactory(is_active=False)
    with pytest.raises(ApplicationError) as refused:
        actions.topic_raise(station=closed, raised_by=raiser, title="标题", description="描述")
    assert refused.value.message == "该驿站已关闭，不能再在这里提出议题。"


def test_support_once_per_person_and_never_by_the_raiser(topic, raiser, supporter):
    actions.topic_support(topic_id=topic.pk, user=supporter)
    with pytest.raises(ApplicationError) as again:
        actions.topic_support(topic_id=topic.pk, user=supporter)
    assert again.value.message == "你已经附议过这个议题了，每人只能附议一次。"
    with pytest.raises(ApplicationError) as own:
        actions.topic_support(topic_id=topic.pk, user=raiser)
    assert own.value.message == "这是你自己提出的议题，不能再附议；你的声音已经算在里面了。"
    assert list(Support.objects.values_list("user", flat=True)) == [supporter.pk]


def test_the_database_holds_one_support_per_person(topic, supporter):
    from django.db import IntegrityError, transaction

    Support.objects.create(topic=topic, user=supporter)
    with pytest.raises(IntegrityError), transaction.atomic():
        Support.objects.create(topic=topic, user=supporter)


def test_withdraw_only_while_open(supported_topic, supporter, lead):
    actions.topic_unsupport(topic_id=supported_topic.pk, user=supporter)
    assert not Support.objects.exists()
    with pytest.raises(ApplicationError) as none:
        actions.topic_unsupport(topic_id=supported_topic.pk, user=supporter)
    assert none.value.message == "你没有附议这个议题。"
    actions.topic_support(topic_id=supported_topic.pk, user=supporter)
    actions.topic_accept(topic_id=supported_topic.pk, acting_user=lead)
    with pytest.raises(TransitionNotAllowed) as late:
        actions.topic_unsupport(topic_id=supported_topic.pk, user=supporter)
    assert late.value.message == "只有在议题等待驿站负责人处理期间才能撤回附议。"
    assert Support.objects.count() == 1


def test_no_support_after_the_topic_ended(topic, lead, supporter):
    actions.topic_close(topic_id=topic.pk, acting_user=lead, answer="已与商场协商，北门地库对骑手开放。")
    with pytest.raises(TransitionNotAllowed) as refused:
        actions.topic_support(topic_id=topic.pk, user=supporter)
    assert refused.value.message == "该议题当前状态为“已答复”，已不再接受附议。"


def test_accept_awards_points_once_and_tells_raiser_and_supporters(supported_topic, raiser, supporter, lead):
    actions.topic_accept(topic_id=supported_topic.pk, acting_user=lead, note="下周议事会讨论。")
    supported_topic.refresh_from_db()
    assert supported_topic.status == "accepted"
    entry = PointEntry.objects.get(user=raiser)
    assert (entry.amount, entry.reason, entry.once_key) == (
        5,
        "topic_accepted",
        f"topic_accepted:{supported_topic.pk}",
    )
    assert not PointEntry.objects.filter(user=supporter).exists()
    body = "你在西溪天街小哥驿站提出或附议的“商场不让电动车进地库取餐”已受理，将在议事会上讨论。"
    expected = [("station_topic_accepted", "议题已受理，将提交议事会", body)]
    assert inbox(raiser) == expected
    assert inbox(supporter) == expected
    assert sms_kinds(raiser) == ["station_topic_accepted"]
    assert sms_kinds(supporter) == []
    assert timeline(supported_topic)[-1] == ("accepted", "lead", "下周议事会讨论。")
    with pytest.raises(TransitionNotAllowed) as again:
        actions.topic_accept(topic_id=supported_topic.pk, acting_user=lead)
    assert again.value.message == "该议题当前状态为“已受理待上会”，不能受理。"
    assert PointAccount.objects.get(user=raiser).balance == 5


@pytest.mark.parametrize("who", ["outsider", "raiser", "supporter"])
def test_only_the_lead_or_station_staff_accept_or_close(request, supported_topic, who):
    person = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied) as refused:
        actions.topic_accept(topic_id=supported_topic.pk, acting_user=person)
    assert refused.value.message == "只有驿站负责人或驿站工作人员可以这样操作。"
    with pytest.raises(PermissionDenied):
        actions.topic_close(topic_id=supported_topic.pk, acting_user=person, answer="不处理。")
    supported_topic.refresh_from_db()
    assert supported_topic.status == "open"
    assert not PointEntry.objects.exists()
    assert not Message.objects.exists()


def test_station_staff_member_and_district_staff_may_accept(topic, station, station_staff):
    helper = UserFactory()
    station.staff.add(helper)
    actions.topic_accept(topic_id=topic.pk, acting_user=helper)
    district = StaffFactory()
    district.user_permissions.add(Permission.objects.get(codename="manage_all_stations"))
    for title, person in [("小区门岗不让骑手进", district), ("充电桩坏了", StaffFactory(is_superuser=True))]:
        other = actions.topic_raise(
            station=station, raised_by=UserFactory(), title=title, description="描述。"
        )
        actions.topic_accept(topic_id=other.pk, acting_user=person)
    assert list(Topic.objects.values_list("status", flat=True)) == ["accepted"] * 3


def test_station_staff_group_runs_only_its_own_stations(topic, station, station_staff):
    """The group's change_topic no longer makes someone the lead of every station."""
    assert station_staff.has_perm("deliberation.change_topic")
    with pytest.raises(PermissionDenied) as refused:
        actions.topic_accept(topic_id=topic.pk, acting_user=station_staff)
    assert refused.value.message == "只有驿站负责人或驿站工作人员可以这样操作。"
    topic.refresh_from_db()
    assert topic.status == "open"
    assert not PointEntry.objects.exists()
    assert not Message.objects.exists()
    station.staff.add(station_staff)
    actions.topic_accept(topic_id=topic.pk, acting_user=station_staff)
    topic.refresh_from_db()
    assert topic.status == "accepted"


def test_close_with_an_answer(supported_topic, raiser, supporter, lead):
    with pytest.raises(ApplicationError) as empty:
        actions.topic_close(topic_id=supported_topic.pk, acting_user=lead, answer="  ")
    assert empty.value.message == "请填写答复，提出议题的小哥和附议人都会看到。"
    actions.topic_close(
        topic_id=supported_topic.pk, acting_user=lead, answer="商场已同意午高峰开放北门地库。"
    )
    supported_topic.refresh_from_db()
    assert (supported_topic.status, supported_topic.answer) == ("closed", "商场已同意午高峰开放北门地库。")
    expected = [
        (
            "station_topic_closed",
            "驿站负责人答复了议题",
            "“商场不让电动车进地库取餐”：商场已同意午高峰开放北门地库。",
        )
    ]
    assert inbox(raiser) == inbox(supporter) == expected
    assert not PointEntry.objects.exists()
    with pytest.raises(TransitionNotAllowed):
        actions.topic_accept(topic_id=supported_topic.pk, acting_user=lead)


def test_session_life_cycle_to_resolved(supported_topic, station, raiser, supporter, lead):
    actions.topic_accept(topic_id=supported_topic.pk, acting_user=lead)
    session = schedule(station, lead, [supported_topic])
    event = Event.objects.get()
    assert session.event_id == event.pk
    assert (event.kind, event.title, event.place, event.seat_limit, event.station_id) == (
        "deliberation",
        "西溪天街小哥驿站议事会",
        "西溪天街B1层会议室",
        20,
        station.pk,
    )
    assert event.description == "受邀参会方：商场管理方、骑手代表"
    assert (event.starts_at, event.ends_at) == (session.starts_at, session.ends_at)
    supported_topic.refresh_from_db()
    assert (supported_topic.status, supported_topic.session_id) == ("scheduled", session.pk)
    local = timezone.localtime(session.starts_at)
    when = f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    scheduled_body = (
        f"“商场不让电动车进地库取餐”将于{when}在西溪天街B1层会议室讨论。请在驿站页面报名参加议事会。"
    )
    assert inbox(supporter)[-1] == ("station_topic_scheduled", "议题已列入议事会议程", scheduled_body)
    assert sms_kinds(supporter) == ["station_topic_scheduled"]

    with pytest.raises(TransitionNotAllowed) as early:
        actions.session_record_minutes(session_id=session.pk, minutes="纪要", acting_user=lead)
    assert early.value.message == "议事会开始后才能记录纪要。"
    with pytest.raises(TransitionNotAllowed) as no_minutes:
        actions.topic_record_resolution(topic_id=supported_topic.pk, resolution="决议", acting_user=lead)
    assert no_minutes.value.message == "请先记录议事会纪要。"
    hold(session)
    with pytest.raises(ApplicationError) as empty:
        actions.session_record_minutes(session_id=session.pk, minutes=" ", acting_user=lead)
    assert empty.value.message == "请填写议事会纪要。"
    actions.session_record_minutes(
        session_id=session.pk, minutes="商场、骑手代表到会，讨论地库取餐。", acting_user=lead
    )
    with pytest.raises(TransitionNotAllowed) as concluded_early:
        actions.topic_conclude(
            topic_id=supported_topic.pk, outcome="resolved", explanation="好了", acting_user=lead
        )
    assert concluded_early.value.message == "请先记录议事会对该议题的决议。"
    due = timezone.localdate() + timedelta(days=14)
    actions.topic_record_resolution(
        topic_id=supported_topic.pk,
        resolution="商场午高峰开放北门地库入口给骑手。",
        acting_user=lead,
        followups=[{"owner_party": "mall", "what": "北门地库入口设骑手通道", "due_on": due}],
    )
    followup = FollowUpAction.objects.get()
    assert (followup.owner_party, followup.status, followup.due_on) == ("mall", "open", due)
    actions.followup_done(action_id=followup.pk, note="通道已设置。", acting_user=lead)
    followup.refresh_from_db()
    assert followup.status == "done"
    actions.topic_conclude(
        topic_id=supported_topic.pk, outcome="resolved", explanation="骑手通道已开通。", acting_user=lead
    )
    supported_topic.refresh_from_db()
    assert (supported_topic.status, supported_topic.explanation) == ("resolved", "骑手通道已开通。")
    assert [kind for kind, _s, _b in inbox(supporter)] == [
        "station_topic_accepted",
        "station_topic_scheduled",
        "station_topic_minutes",
        "station_topic_resolution",
        "station_topic_followup_done",
        "station_topic_resolved",
    ]
    assert inbox(raiser) == inbox(supporter)
    assert inbox(raiser)[2:] == [
        (
            "station_topic_minutes",
            "议题所在的议事会已召开",
            "“商场不让电动车进地库取餐”已在西溪天街小哥驿站议事会上讨论，会议纪要已记录。",
        ),
        (
            "station_topic_resolution",
            "议事会已就议题作出决议",
            "“商场不让电动车进地库取餐”：商场午高峰开放北门地库入口给骑手。",
        ),
        (
            "station_topic_followup_done",
            "议题的跟进事项已完成",
            "“商场不让电动车进地库取餐”：商场管理方已完成“北门地库入口设骑手通道”：通道已设置。",
        ),
        ("station_topic_resolved", "议题已解决", "“商场不让电动车进地库取餐”：骑手通道已开通。"),
    ]
    assert [status for status, _role, _note in timeline(supported_topic)] == [
        "open",
        "accepted",
        "scheduled",
        "scheduled",
        "resolved",
    ]
    assert PointAccount.objects.get(user=raiser).balance == 5


def test_topic_can_end_unresolved(topic, station, raiser, lead):
    actions.topic_accept(topic_id=topic.pk, acting_user=lead)
    session = hold(schedule(station, lead, [topic]))
    actions.session_record_minutes(session_id=session.pk, minutes="物业未到会。", acting_user=lead)
    actions.topic_record_resolution(topic_id=topic.pk, resolution="下次再议。", acting_user=lead)
    with pytest.raises(ApplicationError) as no_text:
        actions.topic_conclude(topic_id=topic.pk, outcome="unresolved", explanation="", acting_user=lead)
    assert no_text.value.message == "请填写公开的结果说明。"
    with pytest.raises(ApplicationError) as bad:
        actions.topic_conclude(topic_id=topic.pk, outcome="closed", explanation="x", acting_user=lead)
    assert bad.value.message == "结果只能是“已解决”或“未解决”。"
    actions.topic_conclude(
        topic_id=topic.pk, outcome="unresolved", explanation="商场不同意开放地库。", acting_user=lead
    )
    topic.refresh_from_db()
    assert topic.status == "unresolved"
    assert inbox(raiser)[-1] == (
        "station_topic_unresolved",
        "议题未能解决",
        "“商场不让电动车进地库取餐”：商场不同意开放地库。",
    )


def test_schedule_refuses_bad_input_and_changes_nothing(topic, station, lead, outsider):
    actions.topic_accept(topic_id=topic.pk, acting_user=lead)
    open_topic = actions.topic_raise(
        station=station, raised_by=outsider, title="门岗", description="不让进。"
    )
    other_station_topic = actions.topic_raise(
        station=StationFactory(), raised_by=outsider, title="别处", description="别处的议题。"
    )
    start = timezone.now() + timedelta(days=2)
    good = {
        "station": station,
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "place": "会议室",
        "parties": ["mall"],
        "topic_ids": [topic.pk],
        "seat_limit": 10,
        "acting_user": lead,
    }
    cases = [
        ({"place": " "}, "请填写议事会的地点。"),
        ({"ends_at": start}, "议事会的结束时间必须晚于开始时间。"),
        ({"starts_at": timezone.now() - timedelta(hours=1)}, "议事会只能安排在将来的时间。"),
        ({"seat_limit": 0}, "请填写名额（至少1个）。"),
        ({"parties": []}, "请至少选择一个受邀方。"),
        ({"parties": ["police"]}, "未知的参会方：police。"),
        ({"topic_ids": []}, "请至少把一个已受理的议题列入议程。"),
        ({"topic_ids": [open_topic.pk]}, "议题“门岗”尚未受理上会，不能列入议程。"),
        ({"topic_ids": [other_station_topic.pk]}, "其他驿站的议题不能列入本次议事会议程。"),
    ]
    messages_before = Message.objects.count()
    for change, message in cases:
        with pytest.raises(ApplicationError) as refused:
            actions.session_schedule(**{**good, **change})
        assert refused.value.message == message
    with pytest.raises(PermissionDenied):
        actions.session_schedule(**{**good, "acting_user": outsider})
    assert not Session.objects.exists()
    assert not Event.objects.exists()
    topic.refresh_from_db()
    assert topic.status == "accepted"
    assert Message.objects.count() == messages_before


def test_agenda_can_grow_until_the_minutes(topic, station, lead, outsider):
    actions.topic_accept(topic_id=topic.pk, acting_user=lead)
    session = schedule(station, lead, [topic])
    later = actions.topic_raise(
        station=station, raised_by=outsider, title="没有临时停车位", description="北门。"
    )
    actions.topic_accept(topic_id=later.pk, acting_user=lead)
    actions.session_agenda_add(session_id=session.pk, topic_ids=[later.pk], acting_user=lead)
    assert set(session.agenda.values_list("pk", flat=True)) == {topic.pk, later.pk}
    hold(session)
    actions.session_record_minutes(session_id=session.pk, minutes="纪要。", acting_user=lead)
    third = actions.topic_raise(station=station, raised_by=outsider, title="第三个", description="描述。")
    actions.topic_accept(topic_id=third.pk, acting_user=lead)
    with pytest.raises(TransitionNotAllowed) as refused:
        actions.session_agenda_add(session_id=session.pk, topic_ids=[third.pk], acting_user=lead)
    assert refused.value.message == "本次议事会的纪要已经记录，议程不能再修改。"


def test_followup_rules(topic, station, lead):
    actions.topic_accept(topic_id=topic.pk, acting_user=lead)
    session = hold(schedule(station, lead, [topic]))
    with pytest.raises(TransitionNotAllowed) as early:
        actions.followup_add(
            topic_id=topic.pk,
            owner_party="mall",
            what="设通道",
            due_on=timezone.localdate(),
            acting_user=lead,
        )
    assert early.value.message == "记录了议事会对该议题的决议后，才能添加跟进事项。"
    actions.session_record_minutes(session_id=session.pk, minutes="纪要。", acting_user=lead)
    actions.topic_record_resolution(topic_id=topic.pk, resolution="设骑手通道。", acting_user=lead)
    cases = [
        ({"owner_party": "police"}, "未知的参会方：police。"),
        ({"what": " "}, "请填写要做什么。"),
        ({"due_on": timezone.localdate() - timedelta(days=30)}, "完成期限不能早于议事会日期。"),
    ]
    good = {"owner_party": "property", "what": "设通道", "due_on": timezone.localdate() + timedelta(days=7)}
    for change, message in cases:
        with pytest.raises(ApplicationError) as refused:
            actions.followup_add(topic_id=topic.pk, acting_user=lead, **{**good, **change})
        assert refused.value.message == message
    action = actions.followup_add(topic_id=topic.pk, acting_user=lead, **good)
    with pytest.raises(ApplicationError) as no_note:
        actions.followup_done(action_id=action.pk, note="", acting_user=lead)
    assert no_note.value.message == "请填写完成情况。"
    actions.followup_done(action_id=action.pk, note="已设置。", acting_user=lead)
    with pytest.raises(TransitionNotAllowed) as twice:
        actions.followup_done(action_id=action.pk, note="再次。", acting_user=lead)
    assert twice.value.message == "该跟进事项已经是“已完成”。"


def test_overdue_task_marks_past_due_actions_and_notifies(supported_topic, station, raiser, supporter, lead):
    actions.topic_accept(topic_id=supported_topic.pk, acting_user=lead)
    session = hold(schedule(station, lead, [supported_topic]))
    actions.session_record_minutes(session_id=session.pk, minutes="纪要。", acting_user=lead)
    today = timezone.localdate()
    actions.topic_record_resolution(
        topic_id=supported_topic.pk,
        resolution="商场设通道。",
        acting_user=lead,
        followups=[
            {"owner_party": "mall", "what": "设骑手通道", "due_on": today},
            {"owner_party": "property", "what": "画停车线", "due_on": today + timedelta(days=3)},
        ],
    )
    late, later = FollowUpAction.objects.order_by("due_on")
    FollowUpAction.objects.filter(pk=late.pk).update(due_on=today - timedelta(days=1))
    done = actions.followup_add(
        topic_id=supported_topic.pk, owner_party="district", what="协调", due_on=today, acting_user=lead
    )
    FollowUpAction.objects.filter(pk=done.pk).update(due_on=today - timedelta(days=2))
    actions.followup_done(action_id=done.pk, note="已协调。", acting_user=lead)
    Message.objects.all().delete()

    assert mark_overdue_actions() == 1
    statuses = dict(FollowUpAction.objects.values_list("pk", "status"))
    assert statuses == {late.pk: "overdue", later.pk: "open", done.pk: "done"}
    due = f"{(today - timedelta(days=1)).year}年{(today - timedelta(days=1)).month}月{(today - timedelta(days=1)).day}日"
    body = f"“商场不让电动车进地库取餐”：商场管理方承诺在{due}前“设骑手通道”，目前尚未完成。"
    for person in (raiser, supporter, lead):
        assert inbox(person) == [
            (
                "station_followup_overdue" if person == lead else "station_topic_followup_overdue",
                "跟进事项已逾期",
                body,
            )
        ]
    assert not Message.objects.filter(channel="sms").exists()
    assert mark_overdue_actions() == 0
    # An overdue action can still be done.
    actions.followup_done(action_id=late.pk, note="晚了一天，已设置。", acting_user=lead)
    assert FollowUpAction.objects.get(pk=late.pk).status == "done"


def test_a_lead_acting_in_english_leaves_chinese_notes_and_messages(supported_topic, station, raiser, lead):
    """Stored timeline notes and messages are in the site's language (zh-hans), not the lead's."""
    with translation.override("en"):
        actions.topic_accept(topic_id=supported_topic.pk, acting_user=lead)
        session = schedule(station, lead, [supported_topic])
    local = timezone.localtime(session.starts_at)
    when = f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    assert timeline(supported_topic)[1:] == [
        ("accepted", "lead", "驿站负责人将把它列入议事会议程。"),
        ("scheduled", "lead", f"已列入西溪天街小哥驿站议事会议程，时间{when}，地点西溪天街B1层会议室。"),
    ]
    assert inbox(raiser) == [
        (
            "station_topic_accepted",
            "议题已受理，将提交议事会",
            "你在西溪天街小哥驿站提出或附议的“商场不让电动车进地库取餐”已受理，将在议事会上讨论。",
        ),
        (
            "station_topic_scheduled",
            "议题已列入议事会议程",
            f"“商场不让电动车进地库取餐”将于{when}在西溪天街B1层会议室讨论。请在驿站页面报名参加议事会。",
        ),
    ]


def test_minutes_and_follow_ups_tell_raiser_and_supporters_by_inbox_only(
    supported_topic, station, raiser, supporter, lead
):
    actions.topic_accept(topic_id=supported_topic.pk, acting_user=lead)
    session = hold(schedule(station, lead, [supported_topic]))
    Message.objects.all().delete()
    actions.session_record_minutes(session_id=session.pk, minutes="各方到会。", acting_user=lead)
    actions.topic_record_resolution(topic_id=supported_topic.pk, resolution="设骑手通道。", acting_user=lead)
    due = timezone.localdate(session.starts_at) + timedelta(days=7)
    action = actions.followup_add(
        topic_id=supported_topic.pk, owner_party="property", what="画停车线", due_on=due, acting_user=lead
    )
    actions.followup_done(action_id=action.pk, note="停车线已画好。", acting_user=lead)
    title = "“商场不让电动车进地库取餐”"
    expected = [
        (
            "station_topic_minutes",
            "议题所在的议事会已召开",
            f"{title}已在西溪天街小哥驿站议事会上讨论，会议纪要已记录。",
        ),
        ("station_topic_resolution", "议事会已就议题作出决议", f"{title}：设骑手通道。"),
        (
            "station_topic_followup_added",
            "议题新增了跟进事项",
            f"{title}：物业将在{due.year}年{due.month}月{due.day}日前完成“画停车线”。",
        ),
        (
            "station_topic_followup_done",
            "议题的跟进事项已完成",
            f"{title}：物业已完成“画停车线”：停车线已画好。",
        ),
    ]
    assert inbox(raiser) == expected
    assert inbox(supporter) == expected
    # Only the resolution goes by SMS (to the raiser); the three new steps are inbox only.
    assert sms_kinds(raiser) == ["station_topic_resolution"]
    assert sms_kinds(supporter) == []


def test_session_cancel_cancels_the_event_and_returns_the_topics(
    supported_topic, station, raiser, supporter, lead, outsider
):
    actions.topic_accept(topic_id=supported_topic.pk, acting_user=lead)
    session = schedule(station, lead, [supported_topic])
    registration_create(event_id=session.event_id, user=outsider)
    Message.objects.all().delete()
    with pytest.raises(PermissionDenied):
        actions.session_cancel(session_id=session.pk, acting_user=outsider, reason="不开了")
    session.refresh_from_db()
    assert session.status == "scheduled"
    assert Event.objects.get().status != "cancelled"
    assert not Message.objects.exists()

    actions.session_cancel(session_id=session.pk, acting_user=lead, reason="  商场临时封闭会议室。 ")
    session.refresh_from_db()
    assert session.status == "cancelled"
    assert Event.objects.get().status == "cancelled"
    supported_topic.refresh_from_db()
    assert (supported_topic.status, supported_topic.session_id) == ("accepted", None)
    local = timezone.localtime(session.starts_at)
    when = f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    note = f"{when}的西溪天街小哥驿站议事会已取消，议题将等待下一次议事会。 取消原因：商场临时封闭会议室。"
    assert timeline(supported_topic)[-1] == ("accepted", "lead", note)
    expected = [
        ("station_topic_session_cancelled", "议题所在的议事会已取消", f"“商场不让电动车进地库取餐”：{note}")
    ]
    assert inbox(raiser) == inbox(supporter) == expected
    assert sms_kinds(raiser) == sms_kinds(supporter) == ["station_topic_session_cancelled"]
    # Whoever registered for the session hears it from the events app.
    assert sms_kinds(outsider) == ["event_cancelled"]

    with pytest.raises(TransitionNotAllowed) as twice:
        actions.session_cancel(session_id=session.pk, acting_user=lead, reason="再取消")
    assert twice.value.message == "本次议事会已取消。"
    hold(session)
    with pytest.raises(TransitionNotAllowed) as minutes:
        actions.session_record_minutes(session_id=session.pk, minutes="纪要。", acting_user=lead)
    assert minutes.value.message == "本次议事会已取消。"
    with pytest.raises(TransitionNotAllowed) as agenda:
        actions.session_agenda_add(session_id=session.pk, topic_ids=[supported_topic.pk], acting_user=lead)
    assert agenda.value.message == "本次议事会已取消。"
    session.refresh_from_db()
    assert (session.status, session.minutes) == ("cancelled", "")
    # One move through the session's transition table, with its reason; the refusals left no trace.
    assert [
        (change.from_status, change.to_status, change.actor_id, change.note)
        for change in StatusChange.objects.filter(
            target_type="deliberation.session", target_id=str(session.pk)
        )
    ] == [("scheduled", "cancelled", lead.pk, "商场临时封闭会议室。")]
    # The topic can go on the agenda of another session.
    again = schedule(station, lead, [supported_topic])
    supported_topic.refresh_from_db()
    assert (supported_topic.status, supported_topic.session_id) == ("scheduled", again.pk)


def test_a_held_session_cannot_be_cancelled(topic, station, lead):
    actions.topic_accept(topic_id=topic.pk, acting_user=lead)
    session = hold(schedule(station, lead, [topic]))
    actions.session_record_minutes(session_id=session.pk, minutes="纪要。", acting_user=lead)
    with pytest.raises(TransitionNotAllowed) as refused:
        actions.session_cancel(session_id=session.pk, acting_user=lead, reason="算了")
    assert refused.value.message == "本次议事会的纪要已经记录，议程不能再修改。"
    session.refresh_from_db()
    assert session.status == "held"
    assert Event.objects.get().status != "cancelled"
