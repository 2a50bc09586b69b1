"""Demo volunteer team 助老专送小哥队 with tasks in 翠苑街道 (called by `manage.py seed_demo`).

The elderly people and their details are fictitious.
"""

from datetime import time, timedelta

from django.utils import timezone

from accounts.demo import demo_user
from accounts.models import Street
from stations.models import Station
from volunteering import actions
from volunteering.models import Membership, Task, Team

TEAM_NAME = "助老专送小哥队"
LEAD_PHONE = "13800000002"
MEMBERS = [("13800000001", "张伟"), ("13800000002", "李娜"), ("13800000003", "王强"), ("13800000004", "赵敏")]
DESCRIPTION = (
    "我们利用跑单间隙，为翠苑、古荡一带独居和行动不便的老人送午餐。"
    "每次约半小时，送到家门口并问一声好。完成一次可得积分。"
)

# (days from today, what, area, volunteers, recipient). Fictitious people, fictitious numbers.
OPEN_TASKS = [
    (
        1,
        "午餐送餐",
        "翠苑一区",
        2,
        actions.RecipientDetails(
            name="陈阿婆",
            address="翠苑一区 12 幢 3 单元 502 室",
            phone="0571-88000001",
            notes="腿脚不便请送上楼；敲门后稍等一会儿。",
        ),
    ),
    (
        2,
        "午餐送餐",
        "翠苑二区",
        1,
        actions.RecipientDetails(
            name="刘大伯",
            address="翠苑二区 7 幢 1 单元 301 室",
            phone="0571-88000002",
            notes="耳朵不太好，请多敲几下门。",
        ),
    ),
]
DONE_TASK = (
    "午餐送餐",
    "翠苑三区",
    actions.RecipientDetails(name="周奶奶", address="翠苑三区 3 幢 2 单元 201 室", phone="0571-88000003"),
)


def seed(*, stdout) -> None:
    lead = demo_user(LEAD_PHONE, "李娜")
    team = Team.objects.filter(name=TEAM_NAME).first()
    if team is None:
        team = actions.team_create(
            name=TEAM_NAME,
            lead=lead,
            description=DESCRIPTION,
            station=Station.objects.first(),
            acting_user=None,
        )
    for phone, name in MEMBERS:
        user = demo_user(phone, name)
        if not Membership.objects.filter(team=team, user=user, status=Membership.Status.ACTIVE).exists():
            membership = actions.membership_request(team=team, user=user)
            actions.membership_accept(membership_id=membership.pk, acting_user=lead)
    if not Task.objects.filter(team=team).exists():
        today = timezone.localdate()
        for days, what, area, needed, recipient in OPEN_TASKS:
            task = actions.task_create(
                team=team,
                acting_user=lead,
                date=today + timedelta(days=days),
                starts_at=time(11, 0),
                ends_at=time(12, 0),
                street=Street.CUIYUAN,
                area=area,
                what=what,
                volunteers_needed=needed,
                description="在翠苑社区食堂取餐，送到老人家中。",
                recipient=recipient,
            )
            if days == 1:
                actions.signup_create(task_id=task.pk, user=demo_user("13800000001"))
        what, area, recipient = DONE_TASK
        done = actions.task_create(
            team=team,
            acting_user=lead,
            date=today,
            starts_at=time(11, 0),
            ends_at=time(11, 45),
            street=Street.CUIYUAN,
            area=area,
            what=what,
            volunteers_needed=2,
            recipient=recipient,
        )
        for phone in ("13800000003", "13800000004"):
            actions.signup_create(task_id=done.pk, user=demo_user(phone))
        actions.task_confirm(task_id=done.pk, acting_user=lead)
    stdout.write(
        f"  volunteering: {TEAM_NAME} ({team.station or '无驿站'}), lead {LEAD_PHONE}, "
        f"{team.memberships.filter(status=Membership.Status.ACTIVE).count()} members, "
        f"{team.tasks.count()} tasks"
    )
