from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Street
from core.privacy import masked_name
from points.actions import points_add
from points.models import PointEntry
from rewards import selectors
from rewards.actions import leaderboard_opt_set
from tests.factories import UserFactory, WorkerProfileFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOVEMBER = date(2026, 11, 1)


def worker(name: str, street=Street.JIANGCUN, opted_in=True):
    user = WorkerProfileFactory(user=UserFactory(real_name=name), street=street).user
    if opted_in:
        leaderboard_opt_set(user=user, opted_in=True)
    return user


def earn(user, amount: int, at: datetime, reason="report_accepted"):
    entry = points_add(user=user, amount=amount, reason=reason)
    PointEntry.objects.filter(pk=entry.pk).update(
        created_at=at
    )  # the ledger is append-only; only the time moves
    return entry


@pytest.fixture
def board():
    mid = datetime(2026, 11, 15, 12, tzinfo=SHANGHAI)
    zhang, li, wang = worker("张伟"), worker("李娜"), worker("欧阳娜娜")
    earn(zhang, 30, mid)
    earn(zhang, 10, mid, reason="event_attended")
    earn(li, 40, mid)
    earn(wang, 10, mid)
    # Not counted: spending, refunds, another month (by Shanghai time), hidden and other-street workers.
    earn(zhang, 50, mid)
    points_add(user=zhang, amount=-50, reason="spend")
    earn(li, 30, mid, reason="voucher_refund")
    earn(
        wang, 99, datetime(2026, 12, 1, 0, 30, tzinfo=SHANGHAI)
    )  # 2026-11-30 16:30 UTC: December in Hangzhou
    earn(wang, 99, datetime(2026, 10, 31, 23, 59, tzinfo=SHANGHAI))
    earn(worker("赵六", opted_in=False), 500, mid)
    earn(worker("钱七", street=Street.XIXI), 500, mid)
    hidden_again = worker("孙八")
    earn(hidden_again, 500, mid)
    leaderboard_opt_set(user=hidden_again, opted_in=False)
    return {"zhang": zhang, "li": li, "wang": wang}


def test_ranks_points_earned_in_the_month_among_opted_in_workers(board):
    rows = selectors.leaderboard(street=Street.JIANGCUN, month=NOVEMBER, me=board["li"])
    assert [(r.rank, r.name, r.points, r.is_me) for r in rows] == [
        (1, "张*", 90, False),
        (2, "李娜", 40, True),
        (3, "欧***", 10, False),
    ]


def test_ties_share_a_rank():
    mid = datetime(2026, 11, 15, 12, tzinfo=SHANGHAI)
    a, b, c = worker("甲一"), worker("乙二"), worker("丙三")
    earn(a, 20, mid)
    earn(b, 20, mid)
    earn(c, 5, mid)
    rows = selectors.leaderboard(street=Street.JIANGCUN, month=NOVEMBER)
    assert [(r.rank, r.points) for r in rows] == [(1, 20), (1, 20), (3, 5)]


def test_december_is_counted_in_shanghai_time(board):
    rows = selectors.leaderboard(street=Street.JIANGCUN, month=date(2026, 12, 1))
    assert [(r.rank, r.name, r.points) for r in rows] == [(1, "欧***", 99)]


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2026-10", date(2026, 10, 1)),
        ("", date(2026, 11, 1)),
        ("2026-13", date(2026, 11, 1)),
        ("abc", date(2026, 11, 1)),
        ("2026-12", date(2026, 11, 1)),  # the future is not a month yet
        ("1999-01", date(2026, 11, 1)),
        ("2026-10-01", date(2026, 11, 1)),
        (None, date(2026, 11, 1)),
    ],
)
def test_month_parameter(raw, expected):
    assert selectors.parse_month(raw, today=date(2026, 11, 29)) == expected


def test_names_are_masked():
    assert [masked_name(n) for n in ["张伟", "欧阳娜娜", "王", ""]] == ["张*", "欧***", "王*", "*"]


def test_page_shows_the_board_and_highlights_me(client, board, django_assert_num_queries):
    client.force_login(board["zhang"])
    url = reverse("rewards:leaderboard") + "?month=2026-11&street=jiangcun"
    # session, user, profile, the board, my opt-in, inbox count
    with django_assert_num_queries(6):
        response = client.get(url)
    page = response.content.decode()
    assert (
        '<li class="leader leader-me" aria-current="true"><span class="leader-rank">1</span><span class="leader-name">张伟 <small>（我）</small></span><span class="leader-points">90</span></li>'
        in page
    )
    assert '<span class="leader-name">李*</span>' in page and "李娜" not in page
    assert "你已上你资料中所填街道的排行榜" in page
    assert '<option value="jiangcun" selected>' in page


@pytest.mark.parametrize("query", ["?month=bad&street=nowhere", "?month=2026-99", "?street=%E2%98%95", ""])
def test_bad_parameters_fall_back_to_this_month_and_my_street(client, query):
    me = worker("周九", street=Street.XIXI)
    client.force_login(me)
    response = client.get(reverse("rewards:leaderboard") + query)
    assert response.status_code == 200
    page = response.content.decode()
    this_month = timezone.localdate().strftime("%Y-%m")
    assert f'<option value="{this_month}" selected>' in page
    assert '<option value="xixi" selected>' in page


def test_a_nul_in_the_address_is_refused_before_the_page_with_a_translated_message(client):
    client.force_login(worker("周九", street=Street.XIXI))
    response = client.get(reverse("rewards:leaderboard") + "?street=%00")
    assert response.status_code == 400
    page = response.content.decode()
    assert "<h1>请检查你输入的内容</h1>" in page
    assert "<p>street 含有控制字符（例如 NUL），请删除后再试。</p>" in page


def test_a_worker_without_a_profile_sees_a_board(client):
    client.force_login(UserFactory())
    response = client.get(reverse("rewards:leaderboard"))
    assert response.status_code == 200
    assert "本月这个榜单还没有人。" in response.content.decode()
