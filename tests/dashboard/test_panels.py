"""The panels' numbers on seeded data (tests/dashboard/conftest.py), exactly, with "<5" wherever a
count, or a rate or average over so few people, could single a person out."""

import dataclasses
import datetime as dt

import pytest
from django.db.models import F
from django.utils import timezone

from dashboard import selectors
from dashboard.models import Rollup
from dashboard.selectors import Filters

pytestmark = pytest.mark.django_db

PERIOD = Filters(start=dt.date(2026, 1, 1), end=dt.date(2026, 6, 1))
# The sources every refresh rebuilds whole (no mark of change, or states as of now).
ALWAYS = ("budget", "voice", "station_states")


def texts(table) -> list[list[str]]:
    return [[cell.text() for cell in row] for row in table.rows]


def test_academy_funnel_per_intake_and_applicants_by_occupation_and_street(refreshed):
    panel = selectors.academy_panel(PERIOD)
    assert texts(panel.table("funnel")) == [["2026年春季", "8", "6", "5", "<5", "<5", "<5"]]
    assert texts(panel.table("occupations")) == [["快递员", "7", "6", "<5"], ["外卖骑手", "<5", "0", "0"]]
    assert texts(panel.table("streets")) == [["西溪街道", "7", "6", "<5"], ["古荡街道", "<5", "0", "0"]]


def test_academy_applicants_by_age_band_and_prior_education(refreshed):
    panel = selectors.academy_panel(PERIOD)
    # Two couriers born in 2003 are under 25; everyone else is 31 (tests/factories.py).
    assert texts(panel.table("ages")) == [["25岁以下", "<5"], ["25–34岁", "6"]]
    assert texts(panel.table("education")) == [["初中及以下", "<5"], ["高中／中专（职高）", "7"]]
    riders = dataclasses.replace(PERIOD, occupation="food_delivery")
    assert texts(selectors.academy_panel(riders).table("ages")) == [["25–34岁", "<5"]]


def test_academy_filters_by_street_occupation_and_period(refreshed):
    gudang = dataclasses.replace(PERIOD, street="gudang")
    assert texts(selectors.academy_panel(gudang).table("funnel")) == [
        ["2026年春季", "<5", "0", "0", "0", "0", "<5"]
    ]
    riders = dataclasses.replace(PERIOD, occupation="food_delivery")
    assert texts(selectors.academy_panel(riders).table("occupations")) == [["外卖骑手", "<5", "0", "0"]]
    april = Filters(start=dt.date(2026, 4, 1), end=dt.date(2026, 6, 1))
    assert texts(selectors.academy_panel(april).table("funnel")) == []


def test_subsidies_budget_over_time_and_decisions(refreshed):
    panel = selectors.subsidies_panel(PERIOD)
    assert texts(panel.table("budget")) == [["¥500,000.00", "¥36,000.00", "¥3,600.00", "¥464,000.00"]]
    # One instalment paid: its amount is that person's, so it is "<5" like a count of one.
    assert texts(panel.table("over-time")) == [
        ["2026-01", "¥0.00", "¥0.00", "¥0.00", "¥0.00"],
        ["2026-02", "¥0.00", "¥0.00", "¥0.00", "¥0.00"],
        ["2026-03", "¥36,000.00", "¥0.00", "¥36,000.00", "¥0.00"],
        ["2026-04", "¥0.00", "<5", "¥36,000.00", "<5"],
        ["2026-05", "¥0.00", "¥0.00", "¥36,000.00", "<5"],
        ["2026-06", "¥0.00", "¥0.00", "¥36,000.00", "<5"],
    ]
    # 5 of 6 approved; the single rejection and the single appeal are "<5", so is the appeal rate.
    assert texts(panel.table("decisions")) == [
        ["6", "0", "5", "<5", "<5", "83.3%", "0.0%", "<5", "3.0", "10.0"]
    ]


def test_subsidies_to_date_counts_the_months_before_the_period(refreshed):
    april = Filters(start=dt.date(2026, 4, 1), end=dt.date(2026, 5, 1))
    assert texts(selectors.subsidies_panel(april).table("over-time")) == [
        ["2026-04", "¥0.00", "<5", "¥36,000.00", "<5"],
        ["2026-05", "¥0.00", "¥0.00", "¥36,000.00", "<5"],
    ]


def test_instalments_payable_by_month_ahead_from_the_plans_and_the_credits(seeded, now_march):
    """On 20 March 2026: four first-year instalments payable now (their credits are in), five
    second-year ones due when the second study year ends (the intake starts 1 March 2027)."""
    from dashboard.actions import rollups_refresh
    from subsidies.models import Instalment

    rollups_refresh()
    rows = texts(selectors.subsidies_panel(PERIOD).table("forecast"))
    months = [f"2026-{month:02d}" for month in range(3, 13)] + ["2027-01", "2027-02"]
    assert [row[0] for row in rows] == [*months, "以后"]
    assert rows[0] == ["2026-03", "<5", "<5", "<5", "<5"]
    assert rows[1:-1] == [[month, "0", "¥0.00", "0", "¥0.00"] for month in months[1:]]
    assert rows[-1] == ["以后", "5", "¥18,000.00", "0", "¥0.00"]
    # A fifth set of credits makes five payable now: the month's figures show.
    first = Instalment.objects.filter(study_year=2).order_by("pk").first()
    Instalment.objects.filter(pk=first.pk).update(status=Instalment.Status.PAYABLE)
    rollups_refresh(full=True)
    rows = texts(selectors.subsidies_panel(PERIOD).table("forecast"))
    assert rows[0] == ["2026-03", "5", "¥18,000.00", "5", "¥18,000.00"]
    assert rows[-1] == ["以后", "<5", "<5", "0", "¥0.00"]


def test_money_of_a_street_with_fewer_than_five_subsidies_is_suppressed(refreshed):
    """Privacy: ¥7,200 committed in a street with one approval is that person's subsidy."""
    from accounts.models import WorkerProfile
    from dashboard.actions import rollups_refresh
    from subsidies.models import SubsidyApplication

    approved = SubsidyApplication.objects.filter(status="approved").order_by("pk")
    WorkerProfile.objects.filter(user=approved[0].applicant).update(street="lingyin")
    rollups_refresh(full=True)
    lingyin = dataclasses.replace(PERIOD, street="lingyin")
    assert texts(selectors.subsidies_panel(lingyin).table("over-time"))[2] == [
        "2026-03",
        "<5",
        "¥0.00",
        "<5",
        "¥0.00",
    ]
    # The four approvals left in Xixi are "<5" too; the district's five are shown.
    xixi = dataclasses.replace(PERIOD, street="xixi")
    assert texts(selectors.subsidies_panel(xixi).table("over-time"))[2][1] == "<5"
    assert texts(selectors.subsidies_panel(PERIOD).table("over-time"))[2][1] == "¥36,000.00"


def test_a_sum_to_date_that_grew_by_fewer_than_five_people_is_suppressed(refreshed):
    """Five first-year instalments paid in April, one second-year one in May: April's ¥18,000 to
    date shows, May's to date would tell the one May payment (the difference): "<5", until five
    more people are paid. Whatever month the period starts in."""
    from dashboard.actions import rollups_refresh
    from subsidies.models import Instalment

    Instalment.objects.filter(study_year=1).update(
        status=Instalment.Status.PAID, paid_on=dt.date(2026, 4, 10), payment_reference="PAY"
    )
    first = Instalment.objects.filter(study_year=2).order_by("pk").first()
    Instalment.objects.filter(pk=first.pk).update(
        status=Instalment.Status.PAID, paid_on=dt.date(2026, 5, 10), payment_reference="PAY"
    )
    rollups_refresh(full=True)
    rows = texts(selectors.subsidies_panel(PERIOD).table("over-time"))
    assert [row[4] for row in rows] == ["¥0.00", "¥0.00", "¥0.00", "¥18,000.00", "<5", "<5"]
    assert [row[2] for row in rows[3:5]] == ["¥18,000.00", "<5"]
    may = Filters(start=dt.date(2026, 5, 1), end=dt.date(2026, 6, 1))
    assert [row[4] for row in texts(selectors.subsidies_panel(may).table("over-time"))] == ["<5", "<5"]


def test_services_by_scenario_with_response_resolution_and_rating(refreshed):
    panel = selectors.services_panel(PERIOD)
    assert panel.table("scenarios").header[4:7] == [
        "首次响应用时（工作日）",
        "2个工作日内首次响应",
        "办结用时（工作日）",
    ]
    # Made on Tuesday 10 March at 9:00, taken on at 11:00 (0 working days), resolved on Thursday.
    assert texts(panel.table("scenarios")) == [
        ["法律援助", "5", "5", "2.0", "0.0", "100.0%", "2.0", "4.60"],
        ["帮扶救助", "<5", "0", "—", "—", "—", "—", "—"],
    ]


@pytest.mark.parametrize(
    ("made", "answered", "working_days"),
    [
        # Friday evening, Monday morning: one working day; the weekend does not count.
        (dt.datetime(2026, 3, 13, 17), dt.datetime(2026, 3, 16, 9), 1),
        # Saturday, Monday: one; Saturday, Sunday: none.
        (dt.datetime(2026, 3, 14, 10), dt.datetime(2026, 3, 16, 10), 1),
        (dt.datetime(2026, 3, 14, 10), dt.datetime(2026, 3, 15, 10), 0),
        # Thursday, the Wednesday after: four working days (over the target of two).
        (dt.datetime(2026, 3, 12, 9), dt.datetime(2026, 3, 18, 9), 4),
        # 23:30 in Shanghai is still that day, though it is 15:30 in UTC.
        (dt.datetime(2026, 3, 13, 23, 30), dt.datetime(2026, 3, 16, 0, 30), 1),
    ],
)
def test_working_days_to_first_response_skip_weekends(made, answered, working_days):
    from services import selectors as services
    from services.models import ServiceRequest
    from tests.academy.factories import worker
    from tests.dashboard.conftest import SHANGHAI
    from tests.factories import StaffFactory

    request = ServiceRequest.objects.create(
        worker=worker(),
        kind=ServiceRequest.Kind.LEGAL,
        description="欠薪",
        status="assigned",
        assignee=StaffFactory(),
    )
    ServiceRequest.objects.filter(pk=request.pk).update(
        created_at=made.replace(tzinfo=SHANGHAI), assigned_at=answered.replace(tzinfo=SHANGHAI)
    )
    [row] = services.request_rollup()
    assert (row["responded"], row["response_workdays"], row["in_target"]) == (
        1,
        working_days,
        int(working_days <= 2),
    )


def test_grid_by_category_and_by_grid_with_the_map(refreshed):
    panel = selectors.grid_panel(PERIOD)
    assert texts(panel.table("categories")) == [
        ["道路交通隐患", "6", "5", "1.0", "<5"],
        ["环境卫生", "<5", "0", "—", "—"],
    ]
    assert texts(panel.table("grids")) == [["文鼎苑网格", "蒋村街道", "6"], ["西溪网格", "西溪街道", "<5"]]
    assert [(shape["name"], shape["count"].text()) for shape in panel.shapes] == [
        ("文鼎苑网格", "6"),
        ("西溪网格", "<5"),
    ]


def test_grid_names_the_places_where_the_same_problem_comes_back(refreshed):
    """Six road reports within a few metres are one place; the two sanitation reports at another
    place are too few to name it."""
    panel = selectors.grid_panel(PERIOD)
    assert texts(panel.table("hotspots")) == [["道路交通隐患 · 文鼎苑网格", "30.284, 120.096", "6"]]
    assert texts(selectors.grid_panel(dataclasses.replace(PERIOD, street="xixi")).table("hotspots")) == []


def test_grid_counts_opinions_and_help_from_the_voice_app(refreshed):
    panel = selectors.grid_panel(PERIOD)
    assert texts(panel.table("opinions")) == [
        ["交通出行", "6", "5", "5", "<5"],
        ["平台规则", "<5", "0", "0", "0"],
    ]
    assert texts(panel.table("help")) == [["6", "5", "<5", "<5"]]


def test_stations_per_station_and_points(refreshed):
    panel = selectors.stations_panel(PERIOD)
    assert texts(panel.table("stations")) == [
        ["古荡驿站", "<5", "0", "0", "0", "0", "0", "0", "3"],
        ["天街驿站", "6", "<5", "0", "0", "0", "0", "0", "12"],
    ]
    assert texts(panel.table("points")) == [["0", "0"]]


def test_station_scope_keeps_to_the_stations_the_door_opens(refreshed):
    filters = selectors.scoped_filters(refreshed["lead"], PERIOD)
    panel = selectors.stations_panel(filters)
    assert texts(panel.table("stations")) == [["天街驿站", "6", "<5", "0", "0", "0", "0", "0", "12"]]
    # The district's points are not a station's.
    assert [table.slug for table in panel.tables] == ["stations"]


@pytest.mark.parametrize(
    ("read", "queries"),
    [
        # 1: the panel's rollup rows, summed by the database.
        (selectors.academy_panel, 1),
        (selectors.subsidies_panel, 1),
        (selectors.services_panel, 1),
        # 1: the rollup rows, 2: the grid polygons for the map, 3: the ten places most reported (kept
        # by the refresh per period and street: at most ten rows whatever the history).
        (selectors.grid_panel, 3),
        (selectors.stations_panel, 1),
    ],
)
def test_each_panel_reads_a_fixed_number_of_queries(refreshed, django_assert_num_queries, read, queries):
    with django_assert_num_queries(queries):
        read(PERIOD)


def _new_report_like(report):
    from governance.models import Report

    return Report.objects.create(
        reporter=report.reporter,
        category=report.category,
        grid=report.grid,
        street=report.street,
        department="城管",
        created_at=report.created_at,
        due_at=report.due_at,
    )


def test_a_change_shows_after_one_refresh_which_rewrites_only_what_changed(refreshed, monkeypatch):
    from dashboard import actions
    from dashboard.models import RollupRun
    from dashboard.tasks import refresh_rollups
    from governance.models import Report

    # Nothing changed since the (full) refresh of the fixture, to the second: no look back.
    monkeypatch.setattr(actions, "OVERLAP", dt.timedelta(0))
    kept = dict(Rollup.objects.exclude(source__in=("grid", *ALWAYS)).values_list("pk", "count"))
    report = Report.objects.filter(grid=refreshed["grid_a"]).first()
    _new_report_like(report)
    # Until the task runs the panel shows the rollup as it was (no per-request scan).
    assert texts(selectors.grid_panel(PERIOD).table("grids"))[0] == ["文鼎苑网格", "蒋村街道", "6"]
    written = refresh_rollups()
    assert texts(selectors.grid_panel(PERIOD).table("grids"))[0] == ["文鼎苑网格", "蒋村街道", "7"]
    run = selectors.last_refresh()
    assert (run.full, run.rows, run.total_rows) == (False, written, Rollup.objects.count())
    # Written: March of the grid source (8 rows) and the sources without a mark of change (14);
    # the rows of every other source, the forecast among them, are the very rows of before.
    assert written == Rollup.objects.filter(source__in=("grid", *ALWAYS)).count() == 22
    assert dict(Rollup.objects.exclude(source__in=("grid", *ALWAYS)).values_list("pk", "count")) == kept
    # A refresh with nothing changed writes only those sources again.
    assert refresh_rollups() == Rollup.objects.filter(source__in=ALWAYS).count() == 14
    assert RollupRun.objects.filter(full=True).count() == 1
    # An instalment paid: the forecast is rebuilt whole, the paid sums for its month.
    from subsidies.models import Instalment

    payable = Instalment.objects.filter(status="payable").order_by("pk").first()
    Instalment.objects.filter(pk=payable.pk).update(
        status="paid", paid_on=dt.date(2026, 4, 20), payment_reference="PAY-2", updated_at=timezone.now()
    )
    refresh_rollups()
    assert set(Rollup.objects.exclude(pk__in=kept).values_list("source", flat=True)) == {
        "grid",
        "forecast",
        "paid",
        *ALWAYS,
    }


def test_the_daily_full_rebuild_takes_in_what_months_cannot_show(refreshed, monkeypatch):
    """A deleted report leaves no mark of change: the next full rebuild (once a day) drops it."""
    from dashboard import actions
    from dashboard.actions import FULL_EVERY, rollups_refresh

    monkeypatch.setattr(actions, "OVERLAP", dt.timedelta(0))
    from dashboard.models import RollupRun
    from governance.models import Report

    Report.objects.filter(grid=refreshed["grid_a"], status="submitted").delete()
    assert rollups_refresh().full is False
    assert texts(selectors.grid_panel(PERIOD).table("grids"))[0] == ["文鼎苑网格", "蒋村街道", "6"]
    RollupRun.objects.update(started_at=F("started_at") - FULL_EVERY)
    assert rollups_refresh().full is True
    assert texts(selectors.grid_panel(PERIOD).table("grids"))[0] == ["文鼎苑网格", "蒋村街道", "5"]


def test_no_rollup_row_names_a_person(refreshed):
    """Aggregates only: the rollup holds labels of intakes, scenarios, categories, grids, stations."""
    from academy.models import Intake
    from accounts.models import User

    labels = set(Rollup.objects.values_list("label", flat=True)) - {""}
    intakes = set(Intake.objects.values_list("name", flat=True))
    assert labels - intakes == {
        "道路交通隐患 · 文鼎苑网格",
        "环境卫生 · 西溪网格",
        "交通出行",
        "平台规则",
        "法律援助",
        "帮扶救助",
        "道路交通隐患",
        "环境卫生",
        "文鼎苑网格",
        "西溪网格",
        "天街驿站",
        "古荡驿站",
    }
    people = set(User.objects.values_list("real_name", flat=True)) | set(
        User.objects.values_list("phone", flat=True)
    )
    assert not labels & people
