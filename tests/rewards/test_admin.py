import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts import roles
from accounts.models import User
from core.models import AuditEntry
from points.actions import points_add
from rewards import actions
from rewards.models import RewardStock, Voucher
from stations.models import Station
from tests.csv_safety import ESCAPED, INJECTION, csv_rows, formula_cells
from tests.factories import StaffFactory, UserFactory
from tests.rewards.factories import RewardFactory, StockFactory

pytestmark = pytest.mark.django_db

VOUCHERS = reverse("admin:rewards_voucher_changelist")
STOCKS = reverse("admin:rewards_rewardstock_changelist")


@pytest.fixture
def superuser(db):
    return StaffFactory(is_superuser=True, real_name="系统管理员")


@pytest.fixture
def voucher(worker, coffee, station, stock):
    return actions.voucher_redeem(user=worker, reward=coffee, station=station)


def test_changelists_open(client, superuser, voucher):
    client.force_login(superuser)
    for name in ("reward", "rewardstock", "voucher", "leaderboardoptin"):
        assert client.get(reverse(f"admin:rewards_{name}_changelist")).status_code == 200, name
    assert client.get(reverse("admin:rewards_voucher_change", args=[voucher.pk])).status_code == 200


def test_voucher_list_queries_do_not_grow(
    client, superuser, worker, coffee, station, stock, django_assert_num_queries
):
    actions.voucher_redeem(user=worker, reward=coffee, station=station)
    client.force_login(superuser)
    client.get(VOUCHERS)
    # session, user, permissions (user, group), capped count, the page with its joins,
    # the station and reward filters' choices (the month filter asks nothing): not one more per voucher
    with django_assert_num_queries(6) as first:
        client.get(VOUCHERS)
    for _ in range(3):
        buyer = UserFactory()
        points_add(user=buyer, amount=30, reason="adjustment")
        actions.voucher_redeem(user=buyer, reward=coffee, station=station)
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(VOUCHERS)


def test_search_by_the_code_as_read_aloud(client, superuser, voucher, worker, coffee, station):
    other = actions.voucher_redeem(user=worker, reward=coffee, station=station)
    client.force_login(superuser)
    typed = f"{voucher.code[:4].lower()} {voucher.code[4:].lower()}"
    page = client.get(VOUCHERS, {"q": typed}).content.decode()
    assert voucher.code in page and other.code not in page


def test_station_staff_confirm_in_admin_only_at_their_station(
    client, station_staff, voucher, worker, other_station
):
    elsewhere_stock = StockFactory(station=other_station, reward=voucher.reward, quantity=1)
    elsewhere = actions.voucher_redeem(user=worker, reward=voucher.reward, station=elsewhere_stock.station)
    client.force_login(station_staff)
    response = client.post(
        VOUCHERS,
        {"action": "confirm_handover", "_selected_action": [voucher.pk, elsewhere.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert "已确认领取 1 张兑换券。" in page
    assert elsewhere.code not in page  # another station's voucher cannot even be selected
    voucher.refresh_from_db()
    elsewhere.refresh_from_db()
    assert voucher.status == Voucher.Status.HANDED_OVER
    assert elsewhere.status == Voucher.Status.ISSUED


def test_vouchers_are_never_edited_or_deleted_in_admin(client, superuser, voucher):
    client.force_login(superuser)
    url = reverse("admin:rewards_voucher_change", args=[voucher.pk])
    client.post(url, {"status": "handed_over"})
    assert client.get(reverse("admin:rewards_voucher_delete", args=[voucher.pk])).status_code == 403
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.ISSUED


def test_csv_export_of_the_filtered_list(client, superuser, voucher):
    client.force_login(superuser)
    response = client.get(reverse("admin:rewards_voucher_export"), {"status__exact": "issued"})
    body = b"".join(response.streaming_content).decode("utf-8")
    lines = body.splitlines()
    assert lines[0] == "\ufeff兑换码,小哥,手机号,奖励,驿站,所付积分,状态,兑换时间,领取截止,领取时间"
    assert lines[1].startswith(
        f"{voucher.code},张伟,'{voucher.user.phone},驿站咖啡一杯,龙湖天街小哥驿站,30,待领取,"
    )
    assert len(lines) == 2
    assert (
        client.get(reverse("admin:rewards_voucher_export"), {"status__exact": "expired"})
        .getvalue()
        .decode("utf-8")
        .count("\n")
        == 1
    )


def test_low_stock_filter(client, superuser, stock):
    plenty = StockFactory(reward=RewardFactory(name_zh="雨衣"), quantity=50)
    RewardStock.objects.filter(pk=stock.pk).update(quantity=2)
    client.force_login(superuser)
    page = client.get(STOCKS, {"level": "low"}).content.decode()
    assert '<td class="field-quantity">2</td>' in page
    assert '<td class="field-quantity">50</td>' not in page
    assert plenty.quantity == 50


def test_staff_adjust_stock_with_a_reason(client, station_staff, stock):
    client.force_login(station_staff)
    url = reverse("admin:rewards_rewardstock_change", args=[stock.pk])
    response = client.post(url, {"change": "12", "reason": "第二批到货"})
    assert response.status_code == 302
    stock.refresh_from_db()
    assert stock.quantity == 17
    entry = AuditEntry.objects.get(action="rewards.stock.adjust")
    assert (entry.actor, entry.note, entry.data) == (
        station_staff,
        "第二批到货",
        {"change": 12, "before": 5, "after": 17},
    )


@pytest.mark.parametrize(
    "data, message",
    [
        ({"change": "0", "reason": "盘点"}, "请填写增加的数量（减少请在前面加负号）。"),
        ({"change": "-9", "reason": "盘点"}, "库存不能少于零：现有 5 件，要调整 -9 件。"),
        ({"change": "abc", "reason": "盘点"}, "请填写整数。"),
        ({"change": "3", "reason": ""}, "该字段是必填项。"),
    ],
)
def test_bad_stock_adjustments_in_admin(client, station_staff, stock, data, message):
    client.force_login(station_staff)
    response = client.post(reverse("admin:rewards_rewardstock_change", args=[stock.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    stock.refresh_from_db()
    assert stock.quantity == 5
    assert not AuditEntry.objects.filter(action="rewards.stock.adjust").exists()


def test_staff_of_another_station_cannot_adjust_in_admin(client, other_staff, stock):
    client.force_login(other_staff)
    response = client.post(
        reverse("admin:rewards_rewardstock_change", args=[stock.pk]), {"change": "3", "reason": "到货"}
    )
    assert response.status_code == 404  # not even visible to them
    stock.refresh_from_db()
    assert stock.quantity == 5
    assert not AuditEntry.objects.filter(action="rewards.stock.adjust").exists()


def test_district_staff_see_every_stock_but_adjust_only_with_the_permission(client, stock):
    viewer = StaffFactory(real_name="周区级")
    viewer.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="rewards",
            codename__in=["view_rewardstock", "change_rewardstock", "confirm_handover"],
        )
    )
    client.force_login(viewer)
    response = client.post(
        reverse("admin:rewards_rewardstock_change", args=[stock.pk]), {"change": "3", "reason": "到货"}
    )
    assert "你只能调整自己负责的驿站的库存。" in response.content.decode()
    stock.refresh_from_db()
    assert stock.quantity == 5


def test_new_stock_row_through_admin(client, superuser, station, coffee):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:rewards_rewardstock_add"),
        {"station": station.pk, "reward": coffee.pk, "change": "20", "reason": "首批到货"},
    )
    assert response.status_code == 302
    assert RewardStock.objects.get(station=station, reward=coffee).quantity == 20


# --- Station staff see their own stations, with masked phones -----------------------------------


@pytest.fixture
def buyer(db):
    user = UserFactory(phone="+8613800000001", real_name="李明")
    points_add(user=user, amount=100, reason="adjustment")
    return user


@pytest.fixture
def two_vouchers(buyer, coffee, station, stock, other_station):
    StockFactory(station=other_station, reward=coffee, quantity=2)
    here = actions.voucher_redeem(user=buyer, reward=coffee, station=station)
    elsewhere = actions.voucher_redeem(user=buyer, reward=coffee, station=other_station)
    return here, elsewhere


@pytest.fixture
def station_lead(station):
    user = StaffFactory(real_name="孙站长")
    user.groups.add(Group.objects.get(name=roles.STATION_STAFF))
    Station.objects.filter(pk=station.pk).update(lead=user)
    return user


@pytest.fixture
def district_staff(db):
    user = StaffFactory(real_name="周区级")
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="rewards", codename__in=["view_voucher", "confirm_handover"]
        ),
        # Full phone numbers are their own permission (accounts 0005), not the hand-over one.
        Permission.objects.get(content_type__app_label="accounts", codename="see_phone_number"),
    )
    return user


@pytest.mark.parametrize("who", ["station_staff", "station_lead"])
def test_station_staff_see_only_the_vouchers_of_their_stations_masked(client, request, two_vouchers, who):
    here, elsewhere = two_vouchers
    client.force_login(request.getfixturevalue(who))
    page = client.get(VOUCHERS).content.decode()
    assert here.code in page and elsewhere.code not in page
    assert "李明 138****0001" in page
    assert "138 0000 0001" not in page and "13800000001" not in page
    # The station filter offers only their own station.
    assert "龙湖天街小哥驿站" in page and "西溪湿地小哥驿站" not in page
    change = client.get(reverse("admin:rewards_voucher_change", args=[here.pk])).content.decode()
    assert "李明 138****0001" in change and "138 0000 0001" not in change
    assert client.get(reverse("admin:rewards_voucher_change", args=[elsewhere.pk])).status_code == 404


def test_station_staff_cannot_find_a_worker_by_the_full_phone(client, station_staff, two_vouchers):
    here, _elsewhere = two_vouchers
    client.force_login(station_staff)
    for term in ("13800000001", "138 0000 0001", "+8613800000001", "1380000"):
        assert here.code not in client.get(VOUCHERS, {"q": term}).content.decode(), term
    for term in ("0001", "李明", here.code):
        assert here.code in client.get(VOUCHERS, {"q": term}).content.decode(), term


def test_district_staff_see_every_station_with_full_phones(client, district_staff, two_vouchers):
    here, elsewhere = two_vouchers
    client.force_login(district_staff)
    page = client.get(VOUCHERS).content.decode()
    assert here.code in page and elsewhere.code in page
    assert "李明 138 0000 0001" in page and "****" not in page
    assert elsewhere.code in client.get(VOUCHERS, {"q": "13800000001"}).content.decode()


def test_the_csv_of_station_staff_has_their_stations_and_masked_phones(client, station_staff, two_vouchers):
    here, _elsewhere = two_vouchers
    client.force_login(station_staff)
    response = client.get(reverse("admin:rewards_voucher_export"))
    lines = b"".join(response.streaming_content).decode("utf-8").splitlines()
    assert len(lines) == 2
    assert lines[1].startswith(f"{here.code},李明,138****0001,驿站咖啡一杯,龙湖天街小哥驿站,30,待领取,")


def test_the_csv_of_district_staff_has_every_station_and_full_phones(client, district_staff, two_vouchers):
    client.force_login(district_staff)
    response = client.get(reverse("admin:rewards_voucher_export"))
    lines = b"".join(response.streaming_content).decode("utf-8").splitlines()
    assert len(lines) == 3
    # A leading + would start a formula; the apostrophe keeps the number readable text.
    assert all(",李明,'+8613800000001,驿站咖啡一杯," in line for line in lines[1:])


@pytest.mark.parametrize("extra", [0, 2])
def test_station_staff_voucher_list_queries_do_not_grow(
    client, station_staff, buyer, coffee, station, stock, django_assert_num_queries, extra
):
    RewardStock.objects.filter(pk=stock.pk).update(quantity=10)
    for _ in range(1 + extra):
        actions.voucher_redeem(user=buyer, reward=coffee, station=station)
    client.force_login(station_staff)
    # session, user, permissions (user, group), their stations for the filter, the reward
    # filter's choices, capped count, the page with its joins (the month filter asks nothing)
    with django_assert_num_queries(8):
        assert client.get(VOUCHERS).status_code == 200


def test_station_staff_see_only_the_stock_of_their_stations(client, station_staff, stock, other_station):
    elsewhere = StockFactory(station=other_station, reward=RewardFactory(name_zh="雨衣"), quantity=50)
    client.force_login(station_staff)
    page = client.get(STOCKS).content.decode()
    assert '<td class="field-quantity">5</td>' in page
    assert '<td class="field-quantity">50</td>' not in page and "西溪湿地小哥驿站" not in page
    assert client.get(reverse("admin:rewards_rewardstock_change", args=[elsewhere.pk])).status_code == 404


def test_leaderboard_choices_show_masked_phones_to_station_staff(client, station_staff, buyer):
    actions.leaderboard_opt_set(user=buyer, opted_in=True)
    client.force_login(station_staff)
    page = client.get(reverse("admin:rewards_leaderboardoptin_changelist")).content.decode()
    assert "李明 138****0001" in page and "138 0000 0001" not in page


def test_csv_export_escapes_cells_a_spreadsheet_would_run(client, superuser, voucher):
    User.objects.filter(pk=voucher.user_id).update(real_name=INJECTION)
    client.force_login(superuser)
    rows = csv_rows(client.get(reverse("admin:rewards_voucher_export")))
    # The name cannot run; the phone number stays readable text instead of becoming 8.6138E+12.
    assert rows[1][1:3] == [ESCAPED, "'" + voucher.user.phone]
    assert formula_cells(rows) == []
