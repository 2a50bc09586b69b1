"""The most reported places (the grid panel's hotspot table), kept by the refresh for every period
and street so that a request reads at most ten rows: the same places as summing the hotspot
rollups per request (as the panel did before), after a full rebuild and after an incremental one."""

import datetime as dt
import random

import pytest
from django.core.management import call_command
from django.db.models import Sum

from accounts.models import Street
from dashboard import actions, selectors
from dashboard.cells import SMALLEST_SHOWN
from dashboard.models import HOTSPOT_MEASURE, HOTSPOTS_SHOWN, Hotspot, HotspotSpan, Panel, Rollup
from dashboard.selectors import Filters, add_months, months_between
from tests.dashboard.conftest import at
from tests.dashboard.test_panels import PERIOD, texts

pytestmark = pytest.mark.django_db

STREETS = ("", Street.XIXI, Street.GUDANG, Street.JIANGCUN)


def summed_per_request(filters: Filters) -> list[list[str]]:
    """The hotspot table as the grid panel computed it before (dashboard.selectors until issue 22):
    the period's rollup rows summed per request, the first ten with 5 reports or more."""
    places = (
        Rollup.objects.filter(
            panel=Panel.GRID, measure=HOTSPOT_MEASURE, month__gte=filters.start, month__lte=filters.end
        )
        .filter(**({"street": filters.street} if filters.street else {}))
        .values("key", "label", "label_en")
        .annotate(n=Sum("count"))
        .filter(n__gte=SMALLEST_SHOWN)
        .order_by("-n", "label", "key", "label_en")[:HOTSPOTS_SHOWN]
    )
    return [[place["label"], selectors._square_centre(place["key"]), str(place["n"])] for place in places]


def kept(filters: Filters) -> list[list[str]]:
    """The hotspot table as the panel reads it now."""
    return texts(selectors._hotspots(filters))


def assert_same_for_every_period(first: dt.date, last: dt.date, streets=STREETS) -> int:
    """Every period of the filter from a month before `first` to a month after `last` (longer
    periods than the data too), for the district and each street: the same places, in order."""
    compared = 0
    for start in months_between(add_months(first, -1), add_months(last, 1)):
        for end in months_between(start, add_months(last, 1)):
            for street in streets:
                filters = Filters(start=start, end=end, street=street)
                assert kept(filters) == summed_per_request(filters), filters
                compared += 1
    return compared


def hotspot_rollups(months: list[dt.date], seed: int) -> None:
    """Hotspot rollup rows at random: 30 places of 3 streets, some in several streets (a square on
    a boundary), some with a second grid label, counts of 2 to 6 in a month, many ties."""
    rng = random.Random(seed)
    streets = STREETS[1:]
    rows = []
    for month in months:
        for place in range(30):
            if rng.random() < 0.45:
                continue
            label = f"道路交通隐患 · 网格{place % 7}" if place % 5 else f"环境卫生 · 网格{place % 3}"
            if place % 11 == 0 and month.month % 2:
                label += "（新）"
            for street in rng.sample(streets, 2 if place % 9 == 0 else 1):
                rows.append(
                    Rollup(
                        source="grid",
                        panel=Panel.GRID,
                        measure=HOTSPOT_MEASURE,
                        month=month,
                        street=street,
                        key=f"road@{15000 + place}:60000",
                        label=label,
                        label_en=label.replace("道路交通隐患", "Road hazard"),
                        count=rng.randint(2, 6),
                    )
                )
    Rollup.objects.bulk_create(rows)


@pytest.mark.slow(reason="compares every period of two years for four street filters: 1,200 panel reads")
def test_the_kept_places_are_those_summed_per_request_for_every_period_and_street():
    months = months_between(dt.date(2024, 11, 1), dt.date(2025, 12, 1))
    hotspot_rollups(months, seed=22)
    actions._hotspots_refresh(None)
    assert HotspotSpan.objects.get().first == months[0]
    assert Hotspot.objects.filter(count__lt=SMALLEST_SHOWN).count() == 0
    # Ten places for the long periods of the district (30 places, counts up to 6 a month).
    assert len(kept(Filters(start=months[0], end=months[-1]))) == HOTSPOTS_SHOWN
    assert assert_same_for_every_period(months[0], months[-1]) == 4 * (16 * 17 // 2)


@pytest.mark.slow(reason="compares every period of two years for four street filters, twice")
def test_an_incremental_refresh_rewrites_only_the_periods_of_the_changed_months():
    months = months_between(dt.date(2024, 11, 1), dt.date(2025, 12, 1))
    hotspot_rollups(months, seed=7)
    actions._hotspots_refresh(None)
    june, july = dt.date(2025, 6, 1), dt.date(2025, 7, 1)
    untouched = dict(Hotspot.objects.exclude(start__lte=july, end__gte=june).values_list("pk", "count"))
    # June: a place jumps to the top; July: every place of one street goes (a month emptied of a street).
    Rollup.objects.filter(measure=HOTSPOT_MEASURE, month=june, key="road@15003:60000").update(count=40)
    Rollup.objects.filter(measure=HOTSPOT_MEASURE, month=july, street=Street.XIXI).delete()
    written = actions._hotspots_refresh([june, july])
    assert written == Hotspot.objects.filter(start__lte=july, end__gte=june).count()
    assert (
        dict(Hotspot.objects.exclude(start__lte=july, end__gte=june).values_list("pk", "count")) == untouched
    )
    assert assert_same_for_every_period(months[0], months[-1])
    # The same rows as a full rebuild.
    before = sorted(Hotspot.objects.values_list("street", "start", "end", "rank", "key", "label", "count"))
    actions._hotspots_refresh(None)
    assert (
        sorted(Hotspot.objects.values_list("street", "start", "end", "rank", "key", "label", "count"))
        == before
    )


def test_the_months_of_the_rollups_shrink_and_grow_with_them():
    hotspot_rollups(months_between(dt.date(2025, 1, 1), dt.date(2025, 3, 1)), seed=1)
    actions._hotspots_refresh(None)
    Rollup.objects.filter(month=dt.date(2025, 3, 1)).delete()
    actions._hotspots_refresh([dt.date(2025, 3, 1)])
    span = HotspotSpan.objects.get()
    assert (span.first, span.last) == (dt.date(2025, 1, 1), dt.date(2025, 2, 1))
    # Periods reaching into March are never read again: gone.
    assert not Hotspot.objects.filter(end=dt.date(2025, 3, 1)).exists()
    assert_same_for_every_period(dt.date(2025, 1, 1), dt.date(2025, 3, 1))
    Rollup.objects.all().delete()
    assert actions._hotspots_refresh([dt.date(2025, 1, 1)]) == 0
    assert (HotspotSpan.objects.count(), Hotspot.objects.count()) == (0, 0)
    assert texts(selectors._hotspots(Filters(start=dt.date(2025, 1, 1), end=dt.date(2025, 2, 1)))) == []


def test_the_refresh_of_one_month_reads_and_writes_in_a_fixed_number_of_queries(django_assert_num_queries):
    months = months_between(dt.date(2025, 1, 1), dt.date(2025, 3, 1))
    hotspot_rollups(months, seed=3)
    actions._hotspots_refresh(None)
    # The months, the span rewritten (2), the periods outside it and those of March deleted (2),
    # the rollup rows of the months in reach, the new rows in one INSERT.
    with django_assert_num_queries(7):
        assert actions._hotspots_refresh([dt.date(2025, 3, 1)]) > 0


def test_the_seeded_place_shows_and_counts_a_new_report_after_one_refresh(refreshed, monkeypatch):
    """Six road reports at one crossing in March: named; two sanitation reports elsewhere: not.
    A seventh at the crossing and five at the other place show after one incremental refresh."""
    from dashboard.tasks import refresh_rollups
    from governance.models import Report

    monkeypatch.setattr(actions, "OVERLAP", dt.timedelta(0))
    assert (
        kept(PERIOD) == summed_per_request(PERIOD) == [["道路交通隐患 · 文鼎苑网格", "30.284, 120.096", "6"]]
    )
    march = Filters(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 1))
    assert texts(selectors._hotspots(march)) == [["道路交通隐患 · 文鼎苑网格", "30.284, 120.096", "6"]]
    road = Report.objects.filter(grid=refreshed["grid_a"]).first()
    sanitation = Report.objects.exclude(grid=refreshed["grid_a"]).first()
    for report, copies in ((road, 1), (sanitation, 3)):
        for _ in range(copies):
            Report.objects.create(
                reporter=report.reporter,
                category=report.category,
                grid=report.grid,
                street=report.street,
                department="城管",
                created_at=at(10),
                due_at=at(13),
                lat=report.lat,
                lng=report.lng,
            )
    # Until the refresh the table is the one of before (no per-request sums).
    assert texts(selectors._hotspots(PERIOD)) == [["道路交通隐患 · 文鼎苑网格", "30.284, 120.096", "6"]]
    refresh_rollups()
    assert not selectors.last_refresh().full
    assert texts(selectors._hotspots(PERIOD)) == [
        ["道路交通隐患 · 文鼎苑网格", "30.284, 120.096", "7"],
        ["环境卫生 · 西溪网格", "30.272, 120.064", "5"],
    ]
    assert texts(selectors._hotspots(march)) == texts(selectors._hotspots(PERIOD))
    assert texts(selectors._hotspots(Filters(start=march.start, end=march.end, street=Street.XIXI))) == [
        ["环境卫生 · 西溪网格", "30.272, 120.064", "5"]
    ]
    assert texts(selectors._hotspots(Filters(start=dt.date(2026, 4, 1), end=dt.date(2026, 6, 1)))) == []
    assert_same_for_every_period(dt.date(2026, 3, 1), dt.date(2026, 3, 1))


@pytest.mark.slow(reason="seeds the demo district (a year of reports)")
def test_the_demo_places_are_those_summed_per_request():
    call_command("seed_demo")
    default = Filters.default()
    assert len(kept(default)) == 3
    assert kept(default) == summed_per_request(default)
    first = (
        Rollup.objects.filter(measure=HOTSPOT_MEASURE).order_by("month").values_list("month", flat=True)[0]
    )
    last = (
        Rollup.objects.filter(measure=HOTSPOT_MEASURE).order_by("-month").values_list("month", flat=True)[0]
    )
    streets = (
        "",
        *Rollup.objects.filter(measure=HOTSPOT_MEASURE).values_list("street", flat=True).distinct(),
    )
    assert assert_same_for_every_period(first, last, streets=streets)
