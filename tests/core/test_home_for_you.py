"""The logged-in home page: what waits for the worker, one tap from each action (issue 19, item 2)."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from academy.models import Enrolment
from rewards.models import Voucher
from services.models import ServiceRequest
from subsidies.models import SubsidyApplication
from tests.academy.factories import EnrolmentFactory, worker
from tests.factories import UserFactory
from tests.rewards.factories import RewardFactory
from tests.services.factories import ServiceRequestFactory
from tests.stations.factories import StationFactory
from tests.subsidies.factories import SubsidyApplicationFactory, admitted_enrolment
from tests.volunteering.factories import TeamFactory, make_member, make_task
from volunteering.models import Signup

pytestmark = pytest.mark.django_db


def things(response) -> str:
    html = response.content.decode()
    match = re.search(r'<section class="card things".*?</section>', html, re.S)
    assert match, "no things-for-you section"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(0)).split())


def links(response) -> list[str]:
    html = response.content.decode()
    section = re.search(r'<section class="card things".*?</section>', html, re.S).group(0)
    return re.findall(r'href="([^"]+)"', section)


@pytest.fixture
def busy_worker():
    """A worker with one of everything the home page gathers."""
    now = timezone.now()
    person = worker(user__real_name="赵小明")
    draft = EnrolmentFactory(
        worker=person, status=Enrolment.Status.DRAFT, draft_step=Enrolment.Step.CERTIFICATE
    )
    Enrolment.objects.filter(pk=draft.pk).update(updated_at=now - dt.timedelta(hours=3))
    admitted = admitted_enrolment(worker=person, decided_at=now - dt.timedelta(days=1))
    returned = SubsidyApplicationFactory(
        enrolment=admitted_enrolment(worker=person, decided_at=now - dt.timedelta(days=30)),
        status=SubsidyApplication.Status.RETURNED,
    )
    SubsidyApplication.objects.filter(pk=returned.pk).update(updated_at=now - dt.timedelta(hours=1))
    resolved = ServiceRequestFactory(
        worker=person,
        status=ServiceRequest.Status.RESOLVED,
        assignee=UserFactory(is_staff=True),
        resolved_at=now - dt.timedelta(hours=2),
    )
    station = StationFactory()
    voucher = Voucher.objects.create(
        code="ABCD2345",
        user=person,
        reward=RewardFactory(),
        station=station,
        price=30,
        issued_at=now - dt.timedelta(minutes=30),
        expires_at=timezone.make_aware(dt.datetime(2030, 1, 31, 18, 0)),
    )
    team = TeamFactory()
    make_member(team, person)
    task = make_task(team, days=1)
    Signup.objects.create(task=task, volunteer=person)
    return {
        "user": person,
        "draft": draft,
        "admitted": admitted,
        "returned": returned,
        "resolved": resolved,
        "voucher": voucher,
        "task": task,
        "station": station,
    }


WAITING_TEXT = (
    "为你准备 "
    "等你处理 "
    "兑换券：驿站咖啡一杯 请在 2030年1月31日 前到{station}领取。 出示兑换券 "
    "学费资助：{returned} 工作人员请你补充材料。 补充材料 "
    "服务诉求 #{request}：法律咨询 已解决：这次帮助怎么样？ 评价这次帮助 "
    "已录取：{admitted} 你现在可以申请学费资助了。 申请学费资助 "
    "志愿任务：午餐送餐 明天 11:00–12:00，翠苑街道 查看任务 "
    "待完成的草稿 "
    "报名申请：{draft} 已开始，还没有提交：你填写的内容都已保存。 继续填写 "
    "最近的变化 "
    "报名申请：{admitted} 现在：已录取 查看申请"
)
NOTHING = "为你准备 现在没有需要你处理的事。报名申请、服务诉求和兑换券有新情况时，会显示在这里。"


def test_the_home_page_gathers_what_waits_for_the_worker(client, busy_worker):
    b = busy_worker
    client.force_login(b["user"])
    response = client.get(reverse("home"))
    assert things(response) == WAITING_TEXT.format(
        station=b["station"].name,
        returned=b["returned"].enrolment.offering.programme,
        request=b["resolved"].pk,
        admitted=b["admitted"].offering.programme,
        draft=b["draft"].offering.programme,
    )
    # Each item is one tap from where the worker acts.
    assert links(response) == [
        reverse("rewards:voucher", args=[b["voucher"].pk]),
        reverse("subsidies:documents", args=[b["returned"].pk]),
        reverse("services:request_detail", args=[b["resolved"].pk]) + "#rate",
        reverse("subsidies:apply", args=[b["admitted"].pk]),
        reverse("volunteering:task", args=[b["task"].pk]),
        reverse("academy:certificate", args=[b["draft"].pk]),
        reverse("academy:application", args=[b["admitted"].pk]),
    ]


def test_each_action_the_home_page_links_to_opens_for_the_worker(client, busy_worker):
    client.force_login(busy_worker["user"])
    for url in links(client.get(reverse("home"))):
        assert client.get(url).status_code == 200, url


def test_another_worker_sees_none_of_it(client, busy_worker):
    client.force_login(worker())
    response = client.get(reverse("home"))
    assert things(response) == NOTHING


def test_anonymous_visitors_get_no_things_section(client, busy_worker):
    response = client.get(reverse("home"))
    assert '<section class="card things"' not in response.content.decode()
    assert "为你准备" not in response.content.decode()


def test_old_decisions_and_finished_things_are_left_out(client):
    now = timezone.now()
    person = worker()
    EnrolmentFactory(worker=person, decided_at=now - dt.timedelta(days=30), status=Enrolment.Status.REJECTED)
    SubsidyApplicationFactory(
        enrolment=admitted_enrolment(worker=person, decided_at=now - dt.timedelta(days=30)),
        status=SubsidyApplication.Status.SUBMITTED,
    )
    team = TeamFactory()
    make_member(team, person)
    Signup.objects.create(task=make_task(team, days=3), volunteer=person)
    client.force_login(person)
    assert things(client.get(reverse("home"))) == NOTHING


def test_the_home_page_queries_do_not_grow(client, busy_worker, django_assert_num_queries):
    client.force_login(busy_worker["user"])
    client.get(reverse("home"))
    # 4 for the session, the user and the base template; 6 from the apps: academy 1, subsidies 2,
    # services 1, rewards 1, volunteering 1. More rows, same count.
    with django_assert_num_queries(QUERIES):
        client.get(reverse("home"))
    more = worker()
    for _n in range(5):
        EnrolmentFactory(worker=busy_worker["user"], status=Enrolment.Status.DRAFT)
        ServiceRequestFactory(worker=more)
    with django_assert_num_queries(QUERIES):
        client.get(reverse("home"))


QUERIES = 10
