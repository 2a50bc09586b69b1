"""Demo 随手帮 and 随口说: demo worker 13800000001 (a grid member, governance/demo.py) has help
waiting for verification and verified, an open help request in their grid and one confirmed, an
opinion waiting and one adopted, so the grid page, the points page and admin show each on `make run`."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.demo import demo_user
from governance.demo import GRID_ADMIN_PHONE
from governance.models import Grid
from voice import actions
from voice.models import HelpDeed, HelpRequest, Opinion

GRID = "蒋村街道·龙湖天街网格"


def seed(*, stdout) -> None:
    worker = demo_user("13800000001")
    admin = demo_user(GRID_ADMIN_PHONE)
    grid = Grid.objects.get(name=GRID)
    if not HelpDeed.objects.filter(worker=worker).exists():
        deed, _created = actions.deed_record(
            worker=worker,
            kind=HelpDeed.Kind.ESCORT,
            note="在文一西路遇到迷路的老人，送回了五常社区的家中。",
            lat=Decimal("30.283300"),
            lng=Decimal("120.095300"),
            address="文一西路五常港路口",
        )
        actions.deed_verify(deed_id=deed.pk, acting_user=admin)
        actions.deed_record(
            worker=worker, kind=HelpDeed.Kind.OBSTACLE, note="把倒在非机动车道上的共享单车扶起挪开。"
        )
    if not HelpRequest.objects.filter(grid=grid).exists():
        now = timezone.now()
        tomorrow_evening = timezone.localtime(now).replace(
            hour=17, minute=0, second=0, microsecond=0
        ) + timedelta(days=1)
        helped = actions.request_post(
            acting_user=admin,
            grid=grid,
            what="帮独居老人把一袋米搬上五楼",
            starts_at=now - timedelta(hours=3),
            ends_at=now + timedelta(hours=1),
            recipient=actions.RecipientDetails(
                name="王阿姨", address="文鼎苑3幢2单元501", phone="13700000000"
            ),
        )
        actions.request_take(request_id=helped.pk, user=worker)
        actions.request_done(request_id=helped.pk, user=worker, note="已送到五楼，老人很满意。")
        actions.request_confirm(request_id=helped.pk, acting_user=admin)
        actions.request_post(
            acting_user=admin,
            grid=grid,
            what="傍晚顺路看看独居的李大爷是否安好",
            # Tomorrow's early evening, as the request says.
            starts_at=tomorrow_evening,
            ends_at=tomorrow_evening + timedelta(hours=2),
            recipient=actions.RecipientDetails(
                name="李大爷", address="文鼎苑5幢1单元302", notes="耳背，请多敲几下门"
            ),
        )
    if not Opinion.objects.filter(worker=worker).exists():
        adopted, _created = actions.opinion_submit(
            worker=worker,
            text="骑手们说龙湖天街东门没有临时停车位，送餐只能停在人行道上，经常被罚。",
            topic=Opinion.Topic.TRAFFIC,
            address="龙湖天街东门",
        )
        actions.opinion_route(
            opinion_id=adopted.pk,
            acting_user=admin,
            summary="龙湖天街东门缺少骑手临时停车位",
            department="蒋村街道城管科",
            tags="停车,骑手",
        )
        actions.opinion_answer(
            opinion_id=adopted.pk, acting_user=admin, answer="已在东门划设骑手临时停车区。", adopted=True
        )
        actions.opinion_submit(
            worker=worker,
            text="居民反映小区门口的快递柜晚上十点后就无法取件。",
            topic=Opinion.Topic.COMMUNITY,
        )
    stdout.write(
        "  voice: 13800000001 has help verified and waiting, a help request confirmed and one open, "
        "an opinion adopted and one waiting"
    )
