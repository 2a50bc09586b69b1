"""The panels' numbers on seeded data (tests/dashboard/conftest.py), exactly, with "<5" wherever a
count, or a rate or average over so few people, could single a person out."""

import dataclasses
import datetime as dt

import pytest

from dashboard import selectors
from dashboard.models import Rollup
from dashboard.selectors import Filters

pytestmark = pytest.mark.django_db

PERIOD = Filters(start=dt.date(2026, 1, 1), end=dt.date(2026, 6, 1))


def texts(table) -> list[list[str]]:
    return [[cell.text() for cell in row] for row in table.rows]


def test_academy_funnel_per_intake_and_applicants_by_occupation_and_street(refreshed):
    panel = selectors.academy_panel(PERIOD)
    assert texts(panel.table("funnel")) == [["2026年春季", "8", "6", "5", "<5", "<5", "<5"]]
    assert texts(panel.table("occupations")) == [["快递员", "7", "6", "<5"], ["外卖骑手", "<5", "0", "0"]]
    assert texts(panel.table("streets")) == [["西溪街道", "7", "6", "<5"], ["古荡街道", "<5", "0", "0"]]


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
    assert texts(panel.table("over-time")) == [
        ["2026-01", "¥0.00", "¥0.00", "¥0.00", "¥0.00"],
        ["2026-02", "¥0.00", "¥0.00", "¥0.00", "¥0.00"],
        ["2026-03", "¥36,000.00", "¥0.00", "¥36,000.00", "¥0.00"],
        ["2026-04", "¥0.00", "¥3,600.00", "¥36,000.00", "¥3,600.00"],
        ["2026-05", "¥0.00", "¥0.00", "¥36,000.00", "¥3,600.00"],
        ["2026-06", "¥0.00", "¥0.00", "¥36,000.00", "¥3,600.00"],
    ]
    # 5 of 6 approved; the single rejection and the single appeal are "<5", so is the appeal rate.
    assert texts(panel.table("decisions")) == [
        ["6", "0", "5", "<5", "<5", "83.3%", "0.0%", "<5", "3.0", "10.0"]
    ]


def test_subsidies_to_date_counts_the_months_before_the_period(refreshed):
    april = Filters(start=dt.date(2026, 4, 1), end=dt.date(2026, 5, 1))
    assert texts(selectors.subsidies_panel(april).table("over-time")) == [
        ["2026-04", "¥0.00", "¥3,600.00", "¥36,000.00", "¥3,600.00"],
        ["2026-05", "¥0.00", "¥0.00", "¥36,000.00", "¥3,600.00"],
    ]


def test_the_budget_ignores_the_street_filter_but_the_decisions_do_not(refreshed):
    gudang = dataclasses.replace(PERIOD, street="gudang")
    panel = selectors.subsidies_panel(gudang)
    assert texts(panel.table("budget")) == [["¥500,000.00", "¥36,000.00", "¥3,600.00", "¥464,000.00"]]
    assert texts(panel.table("decisions")) == [["0", "0", "0", "0", "0", "—", "—", "—", "—", "—"]]


def test_services_by_scenario_with_response_resolution_and_rating(refreshed):
    panel = selectors.services_panel(PERIOD)
    assert texts(panel.table("scenarios")) == [
        ["法律援助", "5", "5", "2.0", "48.0", "4.60"],
        ["帮扶救助", "<5", "0", "—", "—", "—"],
    ]


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
        # 1: the rollup rows, 2: the grid polygons for the map.
        (selectors.grid_panel, 2),
        (selectors.stations_panel, 1),
    ],
)
def test_each_panel_reads_a_fixed_number_of_queries(refreshed, django_assert_num_queries, read, queries):
    with django_assert_num_queries(queries):
        read(PERIOD)


def test_a_refresh_replaces_every_rollup_and_a_change_shows_after_the_next(refreshed):
    from dashboard.tasks import refresh_rollups
    from governance.models import Report

    before = Rollup.objects.count()
    report = Report.objects.filter(grid=refreshed["grid_a"]).first()
    Report.objects.create(
        reporter=report.reporter,
        category=report.category,
        grid=report.grid,
        street=report.street,
        department="城管",
        created_at=report.created_at,
        due_at=report.due_at,
    )
    # Until the task runs the panel shows the rollup as it was (no per-request scan).
    assert texts(selectors.grid_panel(PERIOD).table("grids"))[0] == ["文鼎苑网格", "蒋村街道", "6"]
    assert refresh_rollups() == before
    assert texts(selectors.grid_panel(PERIOD).table("grids"))[0] == ["文鼎苑网格", "蒋村街道", "7"]
    assert Rollup.objects.count() == before
    assert selectors.last_refresh().rows == before


def test_no_rollup_row_names_a_person(refreshed):
    """Aggregates only: the rollup holds labels of intakes, scenarios, categories, grids, stations."""
    from academy.models import Intake
    from accounts.models import User

    labels = set(Rollup.objects.values_list("label", flat=True)) - {""}
    intakes = set(Intake.objects.values_list("name", flat=True))
    assert labels - intakes == {
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
