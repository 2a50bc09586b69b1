"""The dashboard pages in admin: who may open which, what they show, CSV bodies, bad filters."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts import roles
from dashboard.models import Rollup, RollupRun
from tests.academy.factories import worker
from tests.csv_safety import csv_rows
from tests.dashboard.conftest import PERIOD, in_group
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

DISTRICT = reverse("dashboard:district")
STATION = reverse("dashboard:station")
REPORT = reverse("dashboard:report")


def csv_url(panel: str, table: str) -> str:
    return reverse("dashboard:csv", args=[panel, table])


def client_of(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def partner_client() -> Client:
    """A partner university's API client: a bearer token, no staff session."""
    from tests.partner_api import factories

    uni = factories.university("uni-a", "甲大学")
    api_client = factories.api_client(uni, client_id="uni-a")
    return Client(HTTP_AUTHORIZATION=f"Bearer {factories.token_for(api_client.application)}")


@pytest.fixture
def clients(refreshed):
    superuser = StaffFactory(is_superuser=True)
    return {
        "anonymous": Client(),
        "worker": client_of(worker()),
        "partner": partner_client(),
        "support": client_of(in_group(roles.SUPPORT)),
        "station_staff": client_of(refreshed["lead"]),
        "station_staff_elsewhere": client_of(in_group(roles.STATION_STAFF)),
        "checker": client_of(in_group(roles.CHECKER)),
        "approver": client_of(in_group(roles.APPROVER)),
        "service_staff": client_of(in_group(roles.SERVICE_STAFF)),
        "grid_admin": client_of(in_group(roles.GRID_ADMIN)),
        "superuser": client_of(superuser),
    }


LOGIN = 302  # admin sends anyone without a staff session to the staff login
DISTRICT_ROLES = ("checker", "approver", "service_staff", "grid_admin", "superuser")
# role -> (district page, station page, academy CSV, stations CSV)
EXPECTED = {
    "anonymous": (LOGIN, LOGIN, LOGIN, LOGIN),
    "worker": (LOGIN, LOGIN, LOGIN, LOGIN),
    "partner": (LOGIN, LOGIN, LOGIN, LOGIN),
    "support": (403, 403, 403, 403),
    "station_staff": (403, 200, 403, 200),
    "station_staff_elsewhere": (403, 200, 403, 200),
    **{role: (200, 200, 200, 200) for role in DISTRICT_ROLES},
}


def snapshot():
    return (
        list(Rollup.objects.order_by("pk").values_list("pk", "count", "total")),
        RollupRun.objects.count(),
    )


@pytest.mark.parametrize("role", list(EXPECTED))
def test_who_may_open_what(clients, role):
    before = snapshot()
    client = clients[role]
    answers = (
        client.get(DISTRICT, PERIOD).status_code,
        client.get(STATION, PERIOD).status_code,
        client.get(csv_url("academy", "funnel"), PERIOD).status_code,
        client.get(csv_url("stations", "stations"), PERIOD).status_code,
    )
    assert answers == EXPECTED[role]
    assert snapshot() == before  # reading (or being refused) changes nothing


def test_a_refused_visitor_is_sent_to_the_staff_login(clients):
    response = clients["anonymous"].get(DISTRICT)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_district_dashboard_shows_every_panel_with_charts_tables_and_csv_links(clients):
    page = clients["checker"].get(DISTRICT, PERIOD).content.decode()
    for panel in ("academy", "subsidies", "services", "grid", "stations"):
        assert f'id="panel-{panel}"' in page
    # Funnel, occupations, streets, ages, education; budget line, forecast; scenarios;
    # categories, the map, places, opinions; stations.
    assert page.count('<svg class="chart"') == 13
    assert "<script" not in page.split('id="content-main"')[1].split('id="footer"')[0]
    assert "<caption>各招生批次的报名漏斗</caption>" in page
    assert f'href="{csv_url("academy", "funnel")}?start=2026-01&amp;end=2026-06"' in page
    assert "<td>&lt;5</td>" in page


def test_the_station_dashboard_shows_only_their_own_station(clients):
    page = clients["station_staff"].get(STATION, PERIOD).content.decode()
    assert "天街驿站" in page
    assert "古荡驿站" not in page
    assert 'id="panel-academy"' not in page
    other = clients["station_staff_elsewhere"].get(STATION, PERIOD).content.decode()
    assert "天街驿站" not in other and "古荡驿站" not in other


def test_the_admin_index_links_the_dashboards_for_those_who_may_see_them(clients):
    index = reverse("admin:index")
    district = clients["checker"].get(index).content.decode()
    assert f'href="{DISTRICT}"' in district and f'href="{REPORT}"' in district
    station = clients["station_staff"].get(index).content.decode()
    assert f'href="{DISTRICT}"' not in station and f'href="{STATION}"' in station
    support = clients["support"].get(index).content.decode()
    assert f'href="{STATION}"' not in support


def test_csv_bodies_are_the_tables_with_the_suppression(clients):
    client = clients["checker"]
    response = client.get(csv_url("academy", "funnel"), PERIOD)
    assert (
        response["Content-Disposition"] == 'attachment; filename="dashboard-academy-funnel-202601-202606.csv"'
    )
    assert csv_rows(response) == [
        ["招生批次", "申请", "已录取", "已注册入学", "获得学分", "已结业", "已撤回"],
        ["2026年春季", "8", "6", "5", "<5", "<5", "<5"],
    ]
    decisions = client.get(csv_url("subsidies", "decisions"), PERIOD)
    assert csv_rows(decisions)[1] == ["6", "0", "5", "<5", "<5", "83.3", "0.0", "<5", "3.0", "10.0"]
    # A sum of money over fewer than 5 people is "<5" in the CSV as on the page.
    over_time = client.get(csv_url("subsidies", "over-time"), PERIOD)
    assert csv_rows(over_time)[3:5] == [
        ["2026-03", "36000.00", "0.00", "36000.00", "0.00"],
        ["2026-04", "0.00", "<5", "36000.00", "<5"],
    ]
    hotspots = client.get(csv_url("grid", "hotspots"), PERIOD)
    assert csv_rows(hotspots) == [
        ["问题与网格", "位置（约 200 米范围）", "随手报"],
        ["道路交通隐患 · 文鼎苑网格", "30.284, 120.096", "6"],
    ]
    opinions = client.get(csv_url("grid", "opinions"), PERIOD)
    assert csv_rows(opinions) == [
        ["议题", "已收到", "已转交", "已答复", "已采纳"],
        ["交通出行", "6", "5", "5", "<5"],
        ["平台规则", "<5", "0", "0", "0"],
    ]
    grids = client.get(csv_url("grid", "grids"), PERIOD)
    assert csv_rows(grids) == [
        ["网格", "街道", "随手报"],
        ["文鼎苑网格", "蒋村街道", "6"],
        ["西溪网格", "西溪街道", "<5"],
    ]


def test_station_staff_get_their_own_station_in_the_csv(clients):
    response = clients["station_staff"].get(csv_url("stations", "stations"), PERIOD)
    assert csv_rows(response)[1:] == [["天街驿站", "6", "<5", "0", "0", "0", "0", "0", "12"]]


def test_an_unknown_panel_or_table_is_not_found(clients):
    assert clients["checker"].get(csv_url("people", "funnel")).status_code == 404
    assert clients["checker"].get(csv_url("academy", "names")).status_code == 404


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-13", "end": "2026-06"}, "请按 YYYY-MM 填写月份，例如 2026-03。"),
        ({"start": "last year"}, "请按 YYYY-MM 填写月份，例如 2026-03。"),
        ({"start": "2026-06", "end": "2026-01"}, "结束月份不能早于开始月份。"),
        ({"start": "2000-01", "end": "2026-01"}, "时段最长 60 个月（五年）。"),
        ({"street": "atlantis"}, "没有这个街道，请从列表中选择。"),
        ({"occupation": "pilot"}, "没有这个职业，请从列表中选择。"),
    ],
)
def test_bad_filter_input_gets_a_translated_message_and_keeps_what_was_typed(clients, params, message):
    response = clients["checker"].get(DISTRICT, params)
    assert response.status_code == 400
    page = response.content.decode()
    assert f"<li>{message}</li>" in page
    for value in params.values():
        if value in ("atlantis", "pilot"):
            continue  # a select cannot keep an unknown option; the message names the field
        assert f'value="{value}"' in page
    csv = clients["checker"].get(csv_url("academy", "funnel"), params)
    assert (csv.status_code, csv.content.decode()) == (400, message)


def test_the_monthly_report_is_one_page_per_area_for_printing(clients):
    response = clients["checker"].get(REPORT, {"month": "2026-03"})
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('<section class="dash-page">') == 5
    assert "dashboard.css" in page
    assert "Download CSV" not in page and "下载 CSV" not in page
    assert "2026年春季" in page


def test_the_monthly_report_refuses_a_bad_month_with_a_message(clients):
    response = clients["checker"].get(REPORT, {"month": "March"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "<li>请按 YYYY-MM 填写月份，例如 2026-03。</li>" in page
    assert 'value="March"' in page


def test_station_staff_print_only_their_stations(clients):
    page = clients["station_staff"].get(REPORT, {"month": "2026-03"}).content.decode()
    assert page.count('<section class="dash-page">') == 1
    assert "天街驿站" in page and "古荡驿站" not in page


def test_the_district_page_reads_a_fixed_number_of_queries(clients, django_assert_num_queries):
    # 1-2: session and user, 3-4: the user's own and group permissions, 5: academy,
    # 6: subsidies, 7: services, 8-10: grid rollup, polygons and places, 11: stations, 12: the last
    # refresh. However many reports, applications and ledger lines there are: the panels read rollups.
    with django_assert_num_queries(12):
        clients["checker"].get(DISTRICT, PERIOD)


def test_the_station_page_reads_a_fixed_number_of_queries(clients, django_assert_num_queries):
    # 1-2: session and user, 3-4: permissions, 5: the stations rollup with the door's
    # subquery inside, 6: the last refresh.
    with django_assert_num_queries(6):
        clients["station_staff"].get(STATION, PERIOD)
