"""Demo events at the demo stations: a coming skill contest, a full poetry evening with a waitlist,
a sharing event open for check-in now, and a past contest with check-ins and published results.

Runs after stations/demo.py and takes whatever stations exist. Everything goes through the
actions (with `now=` for the past event), so points and messages are what real use would give.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.demo import demo_user
from events import actions, codes
from events.models import CheckIn, ContestResult, Event, Registration
from stations.models import Station

WORKERS = {
    "13800000001": "张伟",
    "13800000002": "李娜",
    "13800000003": "王强",
    "13800000004": "刘洋",
    "13800000005": "陈静",
    "13800000006": "赵磊",
}


def _at(day, hour: int, minute: int = 0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _event(station, *, kind, title, place, starts_at, hours, seats, description) -> Event:
    existing = Event.objects.filter(station=station, title=title).first()
    if existing is not None:
        return existing
    return actions.event_create(
        station=station,
        kind=kind,
        title=title,
        place=place,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        seat_limit=seats,
        description=description,
        acting_user=station.lead,
    )


def _register(event: Event, phones: list[str], now=None) -> None:
    for phone in phones:
        user = demo_user(phone, WORKERS[phone])
        live = Registration.objects.filter(event=event, user=user).exclude(
            status=Registration.Status.CANCELLED
        )
        if not live.exists():
            actions.registration_create(event_id=event.pk, user=user, now=now)


def seed(*, stdout) -> None:
    stations = list(Station.objects.filter(is_active=True)[:3])  # events are published at open stations only
    if not stations:
        stdout.write("  events: no stations yet (stations/demo.py seeds them first), no demo events")
        return
    first, second, third = (stations * 3)[:3]
    today = timezone.localdate()

    contest = _event(
        first,
        kind=Event.Kind.CONTEST,
        title="外卖骑手技能竞赛",
        place="驿站门前广场",
        starts_at=_at(today + timedelta(days=7), 14),
        hours=3,
        seats=20,
        description="取餐、装箱、路线规划和安全骑行四项比拼。前三名获得积分奖励，全部参赛者签到即得积分。",
    )
    _register(contest, ["13800000001", "13800000002", "13800000004"])

    poetry = _event(
        second,
        kind=Event.Kind.SHARING,
        title="诗歌分享会·路上的诗",
        place="驿站二楼读书角",
        starts_at=_at(today + timedelta(days=10), 19),
        hours=2,
        seats=3,
        description="带一首你写的诗，或者一首陪你跑单的诗，和小哥们一起读。",
    )
    # Three seats, five people: the last two wait.
    _register(poetry, ["13800000001", "13800000003", "13800000005", "13800000002", "13800000006"])

    now = timezone.now()
    today_talk = _event(
        third,
        kind=Event.Kind.SHARING,
        title="安全骑行经验分享会",
        place="驿站休息区",
        starts_at=now.replace(second=0, microsecond=0) + timedelta(minutes=20),
        hours=3,
        seats=30,
        description="老骑手讲雨天和夜间骑行的经验；交警中队民警现场答疑。",
    )
    if today_talk.starts_at > now:  # registration closes at the start; a re-seed later leaves it alone
        _register(today_talk, ["13800000001", "13800000002"])

    past_day = today - timedelta(days=14)
    past = _event(
        first,
        kind=Event.Kind.CONTEST,
        title="快递员打包技能比武",
        place="驿站门前广场",
        starts_at=_at(past_day, 9),
        hours=3,
        seats=10,
        description="规范打包、面单识别和搬运安全。",
    )
    signed_up = past.starts_at - timedelta(days=3)
    _register(past, ["13800000001", "13800000002", "13800000003", "13800000004"], now=signed_up)
    for minutes, phone in enumerate(["13800000001", "13800000002", "13800000003"]):
        user = demo_user(phone, WORKERS[phone])
        if not CheckIn.objects.filter(event=past, user=user).exists():
            at = past.starts_at - timedelta(minutes=15) + timedelta(minutes=minutes)
            actions.checkin_create(event_id=past.pk, user=user, code=codes.checkin_code(past.pk, at), now=at)
    if past.results_published_at is None:
        scores = {"13800000002": (1, "96.5"), "13800000001": (2, "93.0"), "13800000003": (3, "88.5")}
        for phone, (rank, score) in scores.items():
            user = demo_user(phone, WORKERS[phone])
            if not ContestResult.objects.filter(event=past, user=user).exists():
                actions.contest_result_record(
                    event_id=past.pk, user=user, rank=rank, score=Decimal(score), acting_user=first.lead
                )
        actions.contest_results_publish(
            event_id=past.pk, acting_user=first.lead, now=past.ends_at + timedelta(hours=1)
        )
    stdout.write(
        f"  events: 4 events at {len(stations)} stations (one full with a waitlist, one open for check-in now, "
        f"one past with check-ins and results)"
    )
