import re

import pytest
from django.urls import reverse

from points.models import PointAccount, PointEntry
from rewards import actions
from rewards.models import LeaderboardOptIn, RewardStock, Voucher
from tests.factories import UserFactory
from tests.rewards.factories import RewardFactory, StockFactory

pytestmark = pytest.mark.django_db

STORE = reverse("rewards:store")
VOUCHERS = reverse("rewards:vouchers")
HANDOVER = reverse("rewards:handover")


def text(response) -> str:
    return response.content.decode()


def errors(response) -> list[str]:
    return re.findall(r'<ul class="errorlist[^"]*"[^>]*>\s*<li>(.*?)</li>', text(response))


@pytest.fixture
def worker_client(client, worker):
    client.force_login(worker)
    return client


@pytest.fixture
def voucher(worker, coffee, station, stock):
    return actions.voucher_redeem(user=worker, reward=coffee, station=station)


def test_pages_need_a_login(client, voucher):
    for url in (
        STORE,
        VOUCHERS,
        HANDOVER,
        reverse("rewards:leaderboard"),
        reverse("rewards:voucher", args=[voucher.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/" in response["Location"], url


def test_store_shows_balance_rewards_and_stations(worker_client, stock, django_assert_num_queries):
    StockFactory(reward=stock.reward, quantity=0)  # a sold-out station is not listed
    RewardFactory(name_zh="雨衣", price=150, is_active=False)
    # session, user, rewards, their stocks with stations, points account,
    # "does this person run a station", inbox count
    with django_assert_num_queries(7):
        response = worker_client.get(STORE)
    page = text(response)
    assert '<p class="balance-value" id="points-balance">100</p>' in page
    assert f'href="{reverse("governance:points")}"' in page
    assert "驿站咖啡一杯" in page and "30 积分" in page
    assert "领取驿站： 龙湖天街小哥驿站（剩 5 件）</p>" in page
    assert "雨衣" not in page
    assert f'href="{reverse("rewards:redeem", args=[stock.reward.pk])}"' in page
    assert f'href="{HANDOVER}"' not in page


def test_station_staff_find_the_hand_over_page_in_the_store(client, station_staff):
    client.force_login(station_staff)
    assert f'<a href="{HANDOVER}">发放兑换奖励（驿站工作人员）</a>' in text(client.get(STORE))


def test_store_query_count_does_not_grow_with_rewards(worker_client, stock, django_assert_num_queries):
    for _ in range(10):
        StockFactory(station=stock.station, reward=RewardFactory())
    with django_assert_num_queries(7):
        worker_client.get(STORE)


def test_redeem_page_preselects_the_only_station(worker_client, coffee, stock):
    page = text(worker_client.get(reverse("rewards:redeem", args=[coffee.pk])))
    assert f'value="{stock.station.pk}"' in page and "checked" in page
    assert "龙湖天街小哥驿站（剩 5 件）" in page
    assert "用 30 积分兑换" in page
    assert "请在 7 天内到驿站出示领取" in page


def test_redeem_issues_the_voucher_and_shows_it(worker_client, worker, coffee, station, stock):
    response = worker_client.post(reverse("rewards:redeem", args=[coffee.pk]), {"station": station.pk})
    voucher = Voucher.objects.get(user=worker)
    assert response.status_code == 302 and response["Location"] == reverse(
        "rewards:voucher", args=[voucher.pk]
    )
    page = text(worker_client.get(response["Location"]))
    assert "兑换成功！请到龙湖天街小哥驿站出示这个兑换码，领取驿站咖啡一杯。" in page
    assert f'<p class="voucher-code" aria-label="兑换码">{voucher.code_display}</p>' in page
    assert "<svg" in page and '<span class="badge badge-progress">待领取</span>' in page
    assert PointAccount.objects.get(user=worker).balance == 70


@pytest.mark.parametrize("value", ["", "abc", "999999", "1.5"])
def test_redeem_bad_station_is_refused(worker_client, worker, coffee, stock, value):
    response = worker_client.post(
        reverse("rewards:redeem", args=[coffee.pk]), {"station": value} if value else {}
    )
    assert response.status_code == 400
    assert errors(response) == ["请选择领取的驿站。"]
    assert not Voucher.objects.exists() and PointAccount.objects.get(user=worker).balance == 100


def test_redeem_refusal_keeps_the_choice(client, coffee, station, stock, other_station):
    StockFactory(station=other_station, reward=coffee, quantity=2)
    poor = UserFactory()
    client.force_login(poor)
    response = client.post(reverse("rewards:redeem", args=[coffee.pk]), {"station": other_station.pk})
    assert response.status_code == 400
    page = text(response)
    assert "积分不够：“驿站咖啡一杯”需要 30 积分，你现在有 0 积分。" in page
    assert re.search(rf'value="{other_station.pk}"[^>]*checked', page)
    assert not Voucher.objects.exists()


def test_redeem_sold_out_keeps_the_choice(worker_client, worker, coffee, station, stock):
    RewardStock.objects.filter(pk=stock.pk).update(quantity=0)
    response = worker_client.post(reverse("rewards:redeem", args=[coffee.pk]), {"station": station.pk})
    assert response.status_code == 400
    page = text(response)
    assert "“驿站咖啡一杯”在龙湖天街小哥驿站已兑完，请选择其他驿站。" in page
    assert re.search(rf'value="{station.pk}"[^>]*checked', page)
    assert "龙湖天街小哥驿站（已兑完）" in page
    assert PointAccount.objects.get(user=worker).balance == 100


def test_redeem_missing_or_withdrawn_reward_is_404(worker_client, coffee, station, stock):
    assert worker_client.get(reverse("rewards:redeem", args=[999999])).status_code == 404
    coffee.is_active = False
    coffee.save()
    response = worker_client.post(reverse("rewards:redeem", args=[coffee.pk]), {"station": station.pk})
    assert response.status_code == 404
    assert not Voucher.objects.exists()


def test_my_vouchers(worker_client, worker, voucher, coffee, station, django_assert_num_queries):
    for _ in range(2):
        actions.voucher_redeem(user=worker, reward=coffee, station=station)
    # session, user, count, the page of vouchers with reward and station, inbox count
    with django_assert_num_queries(5):
        response = worker_client.get(VOUCHERS)
    page = text(response)
    assert page.count('<span class="badge badge-progress">待领取</span>') == 3
    assert voucher.code_display in page and "领取截止" in page


def test_empty_vouchers_say_what_to_do(client):
    client.force_login(UserFactory())
    page = text(client.get(VOUCHERS))
    assert "还没有兑换券。用积分兑换奖励后，兑换券会显示在这里。" in page


def test_foreign_voucher_is_404_and_cannot_be_cancelled(client, voucher, worker):
    client.force_login(UserFactory())
    assert client.get(reverse("rewards:voucher", args=[voucher.pk])).status_code == 404
    assert client.post(reverse("rewards:cancel", args=[voucher.pk])).status_code == 404
    assert client.post(reverse("rewards:cancel", args=[999999])).status_code == 404
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.ISSUED
    assert PointAccount.objects.get(user=worker).balance == 70


def test_cancel_own_voucher(worker_client, worker, voucher):
    url = reverse("rewards:cancel", args=[voucher.pk])
    assert worker_client.get(url).status_code == 405
    response = worker_client.post(url, follow=True)
    page = text(response)
    assert "兑换券已取消：30 积分已退回你的账户。" in page
    assert '<span class="badge badge-refused">已取消，积分已退回</span>' in page
    assert PointAccount.objects.get(user=worker).balance == 100
    response = worker_client.post(url, follow=True)
    assert "只有待领取的兑换券可以取消，这张兑换券的状态是“已取消，积分已退回”。" in text(response)
    assert PointAccount.objects.get(user=worker).balance == 100


# --- Hand-over page ---------------------------------------------------------------------------


def test_workers_cannot_use_the_hand_over_page(worker_client, voucher):
    response = worker_client.get(HANDOVER)
    assert response.status_code == 403
    assert "这个页面供驿站工作人员使用。" in text(response)
    response = worker_client.post(HANDOVER, {"station": voucher.station_id, "code": voucher.code})
    assert response.status_code == 403
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.ISSUED


def test_scanned_code_is_filled_in(client, station_staff, voucher):
    client.force_login(station_staff)
    page = text(client.get(HANDOVER + f"?code={voucher.code}"))
    assert f'value="{voucher.code}"' in page
    assert "龙湖天街小哥驿站" in page


def test_staff_confirm_a_hand_over(client, station_staff, voucher, station):
    client.force_login(station_staff)
    response = client.post(HANDOVER, {"station": station.pk, "code": voucher.code_display.lower()})
    assert response.status_code == 200
    page = text(response)
    assert "已确认，请发放：" in page and '<p class="voucher-code">驿站咖啡一杯</p>' in page
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.HANDED_OVER and voucher.handed_over_by == station_staff


def test_hand_over_refusals_keep_what_was_typed(client, station_staff, voucher, station):
    client.force_login(station_staff)
    response = client.post(HANDOVER, {"station": station.pk, "code": "WXYZ 2345"})
    assert response.status_code == 400
    page = text(response)
    assert "没有兑换码为 WXYZ 2345 的兑换券，请核对后重新输入。" in page
    assert 'value="WXYZ 2345"' in page


@pytest.mark.parametrize(
    "data, message",
    [
        ({"code": ""}, "请输入小哥出示的兑换码。"),
        ({"station": "", "code": "X"}, "请选择你所在的驿站。"),
        ({"station": "abc", "code": "X"}, "请选择你所在的驿站。"),
    ],
)
def test_hand_over_bad_input(client, station_staff, station, voucher, data, message):
    client.force_login(station_staff)
    response = client.post(HANDOVER, {"station": station.pk, **data})
    assert response.status_code == 400
    assert errors(response) == [message]
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.ISSUED


def test_staff_cannot_confirm_at_a_station_they_do_not_run(
    client, other_staff, voucher, station, other_station
):
    client.force_login(other_staff)
    response = client.post(HANDOVER, {"station": station.pk, "code": voucher.code})
    assert response.status_code == 400 and errors(response) == ["请选择你所在的驿站。"]
    response = client.post(HANDOVER, {"station": other_station.pk, "code": voucher.code})
    assert "这张兑换券要在龙湖天街小哥驿站领取，不是本驿站，请让小哥去那里领取。" in text(response)
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.ISSUED


# --- Leaderboard -------------------------------------------------------------------------------


def test_opt_in_and_out_by_post(worker_client, worker):
    url = reverse("rewards:leaderboard_opt")
    assert worker_client.get(url).status_code == 405
    page = text(worker_client.get(reverse("rewards:leaderboard")))
    assert "你目前不在排行榜上。" in page and "我要上榜" in page
    response = worker_client.post(url, {"opted_in": "1"}, follow=True)
    assert "你已上你所在街道的排行榜。" in text(response) and "不再上榜" in text(response)
    assert LeaderboardOptIn.objects.get(user=worker).opted_in
    response = worker_client.post(url, {"opted_in": "0"}, follow=True)
    assert "你已退出排行榜。" in text(response)
    assert not LeaderboardOptIn.objects.get(user=worker).opted_in


@pytest.mark.parametrize("value", ["", "yes", "2"])
def test_opt_bad_input(worker_client, worker, value):
    response = worker_client.post(reverse("rewards:leaderboard_opt"), {"opted_in": value}, follow=True)
    assert "请从选项中选择一项。" in text(response)
    assert not LeaderboardOptIn.objects.filter(user=worker).exists()


def test_no_points_history_entry_changed_by_pages(worker_client, worker):
    worker_client.get(STORE)
    assert PointEntry.objects.filter(user=worker).count() == 1


def test_a_scanned_code_opens_at_the_vouchers_station(client, voucher, station, other_station):
    lead = UserFactory()
    for place in (other_station, station):
        place.lead = lead
        place.save()
    client.force_login(lead)
    page = text(client.get(HANDOVER + f"?code={voucher.code.lower()}"))
    assert f'<option value="{station.pk}" selected>龙湖天街小哥驿站</option>' in page
    page = text(client.get(HANDOVER + "?code=nothing"))
    assert "selected" not in page


def test_voucher_timeline_says_what_to_do_next(worker_client, voucher, station, station_staff):
    from django.utils import timezone

    deadline = timezone.localtime(voucher.expires_at)
    page = text(worker_client.get(reverse("rewards:voucher", args=[voucher.pk])))
    assert "已兑换：支付 30 积分" in page
    assert (
        f"请在{deadline.year}年{deadline.month}月{deadline.day}日 {deadline:%H:%M}前到龙湖天街小哥驿站出示兑换码，领取驿站咖啡一杯。"
        in page
    )
    actions.voucher_handover_confirm(voucher_code=voucher.code, station=station, acting_user=station_staff)
    page = text(worker_client.get(reverse("rewards:voucher", args=[voucher.pk])))
    assert "驿站工作人员" in page and "赵驿站" not in page
    assert '<span class="badge badge-done">已领取</span>' in page
    # No QR code once handed over (the sprite's icons are the only SVG left).
    assert "<svg" not in re.sub(r'<svg class="icon[^"]*" aria-hidden="true".*?</svg>', "", page)


# --- Issue 19, item 8: an unaffordable reward shows a disabled 兑换 and says why once -----------


def test_an_unaffordable_reward_has_a_disabled_redeem_button(client, coffee, stock):
    expensive = RewardFactory(name_zh="雨衣", price=150)
    StockFactory(station=stock.station, reward=expensive, quantity=2)
    poor = UserFactory()
    points_add_for(poor, 40)
    client.force_login(poor)
    page = text(client.get(STORE))
    raincoat = re.search(rf'<li class="card reward" id="reward-{expensive.pk}">.*?</li>', page, re.S).group(0)
    assert (
        f'<button class="button primary" type="button" disabled aria-describedby="short-{expensive.pk}">兑换</button>'
        in raincoat
    )
    assert f'<p class="muted" id="short-{expensive.pk}">还差 110 积分。</p>' in raincoat
    assert f'href="{reverse("rewards:redeem", args=[expensive.pk])}"' not in raincoat
    affordable = re.search(rf'<li class="card reward" id="reward-{coffee.pk}">.*?</li>', page, re.S).group(0)
    assert f'href="{reverse("rewards:redeem", args=[coffee.pk])}"' in affordable
    assert "disabled" not in affordable


def test_the_redeem_page_says_not_enough_points_once(client, coffee, station, stock):
    poor = UserFactory()
    client.force_login(poor)
    url = reverse("rewards:redeem", args=[coffee.pk])
    page = text(client.get(url))
    assert page.count("你的积分暂时还不够兑换这项奖励。") == 1
    assert re.search(
        r'<button type="submit" class="button primary" disabled aria-describedby="points-short">', page
    )
    # Posted anyway (no JavaScript needed to get here): the refusal is said once, not twice.
    page = text(client.post(url, {"station": station.pk}))
    assert page.count("积分不够") + page.count("你的积分暂时还不够兑换这项奖励。") == 1


def points_add_for(user, amount: int) -> None:
    from points.actions import points_add

    points_add(user=user, amount=amount, reason="adjustment")
