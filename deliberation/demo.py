"""Demo deliberation at the demo stations (stations/demo.py seeds them first): topics, supports, a past
session with its minutes, resolution and follow-ups, and a coming session."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.utils import timezone, translation

from accounts.demo import demo_user
from deliberation import actions
from deliberation.models import Session, Topic, TopicUpdate
from events.models import Event
from stations.demo import STATION_LEAD_PHONE, STATIONS
from stations.models import Station


def _at(day, hour: int):
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _raise(station, phone: str, title: str, description: str, supporters: list[str]) -> Topic:
    topic = actions.topic_raise(
        station=station, raised_by=demo_user(phone), title=title, description=description
    )
    for supporter in supporters:
        actions.topic_support(topic_id=topic.pk, user=demo_user(supporter))
    return topic


def _schedule(station, lead, topics, *, starts_at, title: str, place: str, parties) -> Session:
    return actions.session_schedule(
        station=station,
        title=title,
        place=place,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        parties=parties,
        topic_ids=[topic.pk for topic in topics],
        seat_limit=30,
        acting_user=lead,
    )


def _tianjie(station, lead) -> None:
    today = timezone.localdate()
    basement = _raise(
        station,
        "13800000002",
        "商场不让电动车进地库取餐",
        "午高峰保安不让电动车进B2地库，只能停在五常大道路边，步行到B1商户取餐来回要十分钟，经常超时。",
        ["13800000001", "13800000003", "13800000004", "13800000005"],
    )
    parking = _raise(
        station,
        "13800000001",
        "午高峰没有临时停车位",
        "北门外的非机动车位午高峰全被占满，停在路边会被贴条，希望划出骑手临时停车区。",
        ["13800000002", "13800000006"],
    )
    _raise(
        station,
        "13800000005",
        "B1层取餐电梯太挤",
        "午餐时间货梯和顾客电梯都排长队，希望午高峰给骑手留一部电梯或开放消防楼梯。",
        ["13800000003"],
    )
    actions.topic_accept(topic_id=basement.pk, acting_user=lead, note="下次议事会请商场和物业一起讨论。")
    actions.topic_accept(topic_id=parking.pk, acting_user=lead)

    # The past session was scheduled like any other, then it took place: its dates move into the past.
    held_on = today - timedelta(days=10)
    past = _schedule(
        station,
        lead,
        [basement],
        starts_at=timezone.now() + timedelta(days=1),
        title="西溪天街小哥驿站第一次议事会",
        place="西溪天街B1层小哥驿站会议室",
        parties=["mall", "property", "riders", "district"],
    )
    start = _at(held_on, 14)
    Session.objects.filter(pk=past.pk).update(starts_at=start, ends_at=start + timedelta(hours=2))
    Event.objects.filter(pk=past.event_id).update(starts_at=start, ends_at=start + timedelta(hours=2))
    actions.session_record_minutes(
        session_id=past.pk,
        minutes=(
            "商场物业部、龙湖物业、骑手代表三人和蒋村街道工作人员到会。骑手代表介绍了午高峰取餐难的情况；"
            "商场同意午高峰开放北门地库入口给电动车，物业负责施划停车线，街道协调交警在北门设临时停车点。"
        ),
        acting_user=lead,
    )
    actions.topic_record_resolution(
        topic_id=basement.pk,
        resolution="每天11:00—13:30、17:00—19:30开放北门B2地库入口供骑手电动车进出，地库内划出骑手专用停车区。",
        acting_user=lead,
        followups=[
            {
                "owner_party": "mall",
                "what": "北门地库入口设骑手专用通道",
                "due_on": held_on + timedelta(days=5),
            },
            {
                "owner_party": "district",
                "what": "协调交警在北门设临时停车点",
                "due_on": held_on + timedelta(days=7),
            },
            {"owner_party": "property", "what": "地库内施划骑手停车线", "due_on": today + timedelta(days=10)},
        ],
    )
    channel = basement.followups.get(owner_party="mall")
    actions.followup_done(action_id=channel.pk, note="通道已于本周一开通，并设置了指示牌。", acting_user=lead)
    actions.followups_mark_overdue()
    actions.topic_conclude(
        topic_id=basement.pk,
        outcome=Topic.Status.RESOLVED,
        explanation="北门地库骑手通道已开通，午高峰可直接进地库取餐；停车线由物业在月底前施划完成。",
        acting_user=lead,
    )

    _backdate(basement, past, held_on)

    _schedule(
        station,
        lead,
        [parking],
        starts_at=_at(today + timedelta(days=6), 15),
        title="西溪天街小哥驿站第二次议事会",
        place="西溪天街B1层小哥驿站会议室",
        parties=["mall", "riders", "district"],
    )


def _backdate(topic: Topic, session: Session, held_on) -> None:
    """The first session's topic went through its steps over weeks, not in one second of seeding."""
    session.refresh_from_db()
    moments = [
        _at(held_on - timedelta(days=12), 12),  # raised
        _at(held_on - timedelta(days=10), 10),  # accepted
        _at(held_on - timedelta(days=7), 9),  # scheduled
        _at(held_on, 17),  # resolution
        _at(held_on + timedelta(days=6), 11),  # resolved
    ]
    with translation.override(settings.LANGUAGE_CODE):
        scheduled_note = str(actions.SCHEDULED_NOTE) % {
            "session": session.title,
            "when": actions.when_text(session.starts_at),
            "place": session.place,
        }
    for update, moment in zip(topic.updates.order_by("id"), moments, strict=True):
        note = (
            scheduled_note
            if update.status == Topic.Status.SCHEDULED and update.actor_role == "lead"
            else update.note
        )
        TopicUpdate.objects.filter(pk=update.pk).update(created_at=moment, note=note)
    Topic.objects.filter(pk=topic.pk).update(created_at=moments[0], updated_at=moments[-1])
    topic.supports.update(created_at=moments[0] + timedelta(hours=3))


def _cuiyuan(station, lead) -> None:
    _raise(
        station,
        "13800000003",
        "小区门岗不让骑手进",
        "翠苑一区门岗要求骑手把外卖放在门口，老人腿脚不便下楼取不了，希望登记后允许骑手进小区送到楼下。",
        ["13800000001", "13800000002", "13800000005"],
    )
    lockers = _raise(
        station,
        "13800000004",
        "快递柜满了只能放门岗",
        "晚上快递柜经常满格，门岗不肯代收，只能二次派送。",
        ["13800000006"],
    )
    actions.topic_close(
        topic_id=lockers.pk,
        acting_user=lead,
        answer="社区已协调物业在3号楼旁新增一组快递柜，下月投入使用；满格时可暂放驿站代收点。",
    )


def _hubin(station) -> None:
    _raise(
        station,
        "13800000004",
        "景区周末限行，骑手绕路",
        "北山街周末对电动车限行，送湖边酒店的单只能绕行，希望给持证骑手开放通行时段。",
        ["13800000006"],
    )


def seed(*, stdout) -> None:
    stations = {
        station.name: station for station in Station.objects.filter(name__in=[row[0] for row in STATIONS])
    }
    if len(stations) < len(STATIONS):
        stdout.write("  deliberation: the demo stations are missing (stations/demo.py seeds them first)")
        return
    lead = demo_user(STATION_LEAD_PHONE)
    if not Topic.objects.filter(station__in=stations.values()).exists():
        _tianjie(stations["西溪天街小哥驿站"], lead)
        _cuiyuan(stations["翠苑小哥驿站"], lead)
        _hubin(stations["湖滨小哥驿站"])
    stdout.write(f"  deliberation: {Topic.objects.count()} topics, {Session.objects.count()} sessions")
