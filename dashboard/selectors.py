"""Reads of the dashboard: each panel sums its rollup rows in one query (never the raw tables).

Who sees which panel: district staff (`dashboard.view_district_dashboard`) every panel over the
whole district; station staff (`dashboard.view_station_dashboard`) the stations panel of the
stations they run, through the station-scope door (stations.selectors).
"""

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import CharField, DateField, Q, QuerySet, Subquery, Sum, TextChoices, Value
from django.db.models.functions import Cast, Greatest, Least
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from accounts.models import Education, Occupation, Street, User
from dashboard.cells import Average, Cell, Count, Money, Quantity, Rate, Text, is_small
from dashboard.models import HOTSPOT_MEASURE, HOTSPOTS_SHOWN, Hotspot, HotspotSpan, Panel, Rollup, RollupRun
from governance.selectors import HOTSPOT_CELLS_PER_DEGREE, grids_for_map
from stations.selectors import runs_every_station, stations_run_by
from voice.models import Opinion

DISTRICT = "dashboard.view_district_dashboard"
STATION = "dashboard.view_station_dashboard"


def may_see_district(user: User | AnonymousUser) -> bool:
    return bool(
        getattr(user, "is_authenticated", False) and user.is_active and user.is_staff
    ) and user.has_perm(DISTRICT)


def may_see_stations(user: User | AnonymousUser) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_staff) and (
        user.has_perm(STATION) or may_see_district(user)
    )


# --- Filters --------------------------------------------------------------------------------


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    months, month = [], start
    while month <= end:
        months.append(month)
        month = add_months(month, 1)
    return months


# The longest period the filter takes (dashboard.forms); the refresh keeps the most reported
# places for every period up to this long.
LONGEST_PERIOD_MONTHS = 60


@dataclass(frozen=True)
class Filters:
    start: dt.date  # first day of the first month
    end: dt.date  # first day of the last month (inclusive)
    street: str = ""
    occupation: str = ""
    # The station ids a station-scoped dashboard is limited to (None: the whole district).
    stations: QuerySet | None = None

    @classmethod
    def default(cls, *, today: dt.date | None = None, months: int = 12) -> "Filters":
        end = first_of_month(today or timezone.localdate())
        return cls(start=add_months(end, 1 - months), end=end)

    def query(self) -> dict[str, str]:
        """The filter as GET parameters (for the CSV links and the print link)."""
        params = {"start": f"{self.start:%Y-%m}", "end": f"{self.end:%Y-%m}"}
        if self.street:
            params["street"] = self.street
        if self.occupation:
            params["occupation"] = self.occupation
        return params


@dataclass
class Table:
    slug: str
    caption: str
    header: list[str]
    rows: list[list[Cell]]
    # How the chart above the table is drawn: "bars", "line", "map", or "" for none.
    chart: str = ""
    # Which columns the chart draws (indexes into each row), the first column naming the row.
    series: tuple[int, ...] = (1,)
    note: str = ""


@dataclass
class PanelData:
    slug: str
    title: str
    tables: list[Table]
    filters_used: list[str] = field(default_factory=list)
    # For the map: the grid polygons, with the value each is shaded by.
    shapes: list[dict] = field(default_factory=list)

    def table(self, slug: str) -> Table:
        return next(table for table in self.tables if table.slug == slug)


def _label(row: Mapping[str, Any]) -> str:
    if get_language() == "en" and row["label_en"]:
        return row["label_en"]
    return row["label"]


def _rows(
    panel: str,
    filters: Filters,
    *,
    periodic: bool = True,
    station_scoped: bool = False,
    states_unfiltered: bool = False,
    also: Q | None = None,
    exclude: Q | None = None,
    by: Iterable[str] = ("measure", "key", "label", "label_en"),
) -> list[dict]:
    """The panel's rollup rows summed by `by`, within the period (and rows of no month: states
    as of now; `also`: rows of any month, such as a forecast), the street and the occupation
    (`states_unfiltered`: the states whatever they are)."""
    period = Q(month__gte=filters.start, month__lte=filters.end) if periodic else Q(month__lte=filters.end)
    within = period | Q(month__isnull=True)
    queryset = Rollup.objects.filter(Q(panel=panel) & (within | also if also is not None else within))
    if exclude is not None:
        queryset = queryset.exclude(exclude)
    kept = Q(month__isnull=True) if states_unfiltered else Q(pk__in=[])
    if filters.street:
        queryset = queryset.filter(Q(street=filters.street) | kept)
    if filters.occupation:
        queryset = queryset.filter(Q(occupation=filters.occupation) | kept)
    if station_scoped and filters.stations is not None:
        # The door's queryset as a subquery: the rollup keys stations by their id as text.
        keys = filters.stations.annotate(key=Cast("pk", CharField())).values("key")
        queryset = queryset.filter(key__in=keys)
    return list(queryset.values(*by).annotate(n=Sum("count"), sum=Sum("total")).order_by(*by))


def _by(rows: list[dict], key: str) -> dict[tuple, dict[str, dict]]:
    """{(group value, label): {measure: row}}."""
    grouped: dict = defaultdict(dict)
    for row in rows:
        grouped[(row[key], _label(row) if key == "key" else row[key])][row["measure"]] = row
    return grouped


def _n(measures: dict, name: str) -> int:
    return measures[name]["n"] if name in measures else 0


def _sum(measures: dict, name: str) -> Decimal:
    return measures[name]["sum"] if name in measures else Decimal(0)


# --- Academy ---------------------------------------------------------------------------------

STAGES = ("applied", "admitted", "enrolled", "credited", "completed")


AGE_BANDS = {
    "under_25": gettext_lazy("Under 25"),
    "25_34": gettext_lazy("25 to 34"),
    "35_44": gettext_lazy("35 to 44"),
    "45_plus": gettext_lazy("45 and over"),
}


def academy_panel(filters: Filters) -> PanelData:
    rows = _rows(Panel.ACADEMY, filters, by=("measure", "key", "label", "label_en", "street", "occupation"))
    intakes: dict = defaultdict(lambda: defaultdict(int))
    streets: dict = defaultdict(lambda: defaultdict(int))
    occupations: dict = defaultdict(lambda: defaultdict(int))
    ages: dict[str, int] = defaultdict(int)
    educations: dict[str, int] = defaultdict(int)
    for row in rows:
        measure = row["measure"]
        if measure == "age_applied":
            ages[row["key"]] += row["n"]
            continue
        if measure == "education_applied":
            educations[row["key"]] += row["n"]
            continue
        intakes[(row["key"], _label(row))][measure] += row["n"]
        streets[row["street"]][measure] += row["n"]
        occupations[row["occupation"]][measure] += row["n"]
    stage_header = [_("Applied"), _("Admitted"), _("Enrolled"), _("Earned credits"), _("Completed")]
    funnel = Table(
        "funnel",
        _("Funnel per intake"),
        [_("Intake"), *stage_header, _("Withdrawn")],
        [
            [Text(label), *(Count(counts[stage]) for stage in STAGES), Count(counts["withdrawn"])]
            for (_key, label), counts in sorted(intakes.items(), key=lambda item: item[0][1], reverse=True)
        ],
        chart="bars",
        series=(1, 2, 3, 4, 5),
        note=_("Withdrawn applications are the drop-outs; each stage counts who reached it."),
    )
    by_occupation = Table(
        "occupations",
        _("Applicants by occupation"),
        [_("Occupation"), _("Applied"), _("Admitted"), _("Completed")],
        [
            [
                Text(_label_of(Occupation, value)),
                Count(c["applied"]),
                Count(c["admitted"]),
                Count(c["completed"]),
            ]
            for value, c in sorted(occupations.items(), key=lambda item: _order(Occupation, item[0]))
        ],
        chart="bars",
    )
    by_street = Table(
        "streets",
        _("Applicants by street"),
        [_("Street"), _("Applied"), _("Admitted"), _("Completed")],
        [
            [Text(_label_of(Street, value)), Count(c["applied"]), Count(c["admitted"]), Count(c["completed"])]
            for value, c in sorted(streets.items(), key=lambda item: _order(Street, item[0]))
        ],
        chart="bars",
    )
    bands = list(AGE_BANDS)
    by_age = Table(
        "ages",
        _("Applicants by age band"),
        [_("Age on applying"), _("Applied")],
        [
            [Text(str(AGE_BANDS[band]) if band in AGE_BANDS else _("Not given")), Count(n)]
            for band, n in sorted(
                ages.items(), key=lambda item: bands.index(item[0]) if item[0] in bands else len(bands)
            )
        ],
        chart="bars",
        note=_("From the birth date on the profile; only the band is kept."),
    )
    by_education = Table(
        "education",
        _("Applicants by prior education"),
        [_("Highest education"), _("Applied")],
        [
            [Text(_label_of(Education, value)), Count(n)]
            for value, n in sorted(educations.items(), key=lambda item: _order(Education, item[0]))
        ],
        chart="bars",
    )
    return PanelData(
        Panel.ACADEMY,
        str(Panel.ACADEMY.label),
        [funnel, by_occupation, by_street, by_age, by_education],
        ["period", "street", "occupation"],
    )


def _label_of(choices: type[TextChoices], value: str) -> str:
    return str(choices(value).label) if value in choices.values else _("Not given")


def _order(choices: type[TextChoices], value: str) -> int:
    return list(choices.values).index(value) if value in choices.values else len(choices.values)


# --- Subsidies -------------------------------------------------------------------------------


FORECAST_MONTHS = 12


def subsidies_panel(filters: Filters) -> PanelData:
    # Committed and paid to date add up every month before the period too, and the forecast
    # lies ahead of it: one query for all.
    rows = _rows(
        Panel.SUBSIDIES,
        filters,
        periodic=False,
        states_unfiltered=True,
        also=Q(measure__startswith="forecast_"),
        by=("measure", "month"),
    )
    in_period: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    monthly: dict[dt.date, dict[str, dict[str, Decimal]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(Decimal))
    )
    to_date: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    forecast: dict[dt.date, dict[str, dict[str, Decimal]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(Decimal))
    )
    budget: dict[str, Decimal] = {}
    for row in rows:
        measure, month = row["measure"], row["month"]
        if month is None:
            budget[measure] = row["sum"]
            continue
        if measure.startswith("forecast_"):
            forecast[month][measure]["n"] += row["n"]
            forecast[month][measure]["sum"] += row["sum"]
            continue
        monthly[month][measure]["n"] += row["n"]
        monthly[month][measure]["sum"] += row["sum"]
        if month >= filters.start:
            in_period[measure]["n"] += row["n"]
            in_period[measure]["sum"] += row["sum"]
    total = budget.get("budget_total", Decimal(0))
    committed, paid = budget.get("budget_committed", Decimal(0)), budget.get("budget_paid", Decimal(0))
    overview = Table(
        "budget",
        _("Budget now (every scheme)"),
        [_("Total"), _("Committed"), _("Paid"), _("Remaining")],
        [[Money(total), Money(committed), Money(paid), Money(total - committed)]],
        note=_(
            "The budget is the district's whole pool: the street and occupation filters do not apply to it."
        ),
    )

    def money(sums: dict[str, dict[str, Decimal]], measure: str) -> Money:
        # A sum over 1 to 4 people's subsidies is theirs: shown as "<5" like their count.
        return Money(sums[measure]["sum"], of=int(sums[measure]["n"]))

    # The last sum to date shown, by how many people it was over: two shown sums to date must
    # differ by 0 or by 5 people or more, or their difference would be a suppressed month's sum.
    # Which are shown is decided from the first month there is, so it does not depend on where
    # the period starts (two periods compared would tell the difference otherwise).
    shown = {"committed_n": 0, "paid_n": 0}

    def money_to_date(measure: str) -> Money:
        n = int(to_date[measure]["n"])
        if is_small(n - shown[measure]):
            return Money(to_date[measure]["sum"], of=n - shown[measure])
        shown[measure] = n
        return money(to_date, measure)

    over_time_rows: list[list[Cell]] = []
    first = min([*monthly, filters.start])
    for month in months_between(first, filters.end):
        for measure in ("committed_n", "paid_n"):
            to_date[measure]["n"] += monthly[month][measure]["n"]
            to_date[measure]["sum"] += monthly[month][measure]["sum"]
        cumulative = (money_to_date("committed_n"), money_to_date("paid_n"))
        if month < filters.start:
            continue
        over_time_rows.append(
            [
                Text(f"{month:%Y-%m}"),
                money(monthly[month], "committed_n"),
                money(monthly[month], "paid_n"),
                *cumulative,
            ]
        )
    over_time = Table(
        "over-time",
        _("Committed and paid by month"),
        [
            _("Month"),
            _("Committed in the month"),
            _("Paid in the month"),
            _("Committed to date"),
            _("Paid to date"),
        ],
        over_time_rows,
        chart="line",
        series=(3, 4),
        note=_(
            "A sum over fewer than 5 people's subsidies is shown as “<5”, like their count; so is a sum "
            "to date that grew by fewer than 5 people since the last one shown."
        ),
    )

    def n(measure: str) -> int:
        return int(in_period[measure]["n"])

    decisions = Table(
        "decisions",
        _("Decisions on applications submitted in the period"),
        [
            _("Submitted"),
            _("Returned for more information"),
            _("Approved"),
            _("Rejected"),
            _("Appealed"),
            _("Approval rate"),
            _("Return rate"),
            _("Appeal rate"),
            _("Days to check"),
            _("Days to decision"),
        ],
        [
            [
                Count(n("submitted")),
                Count(n("returned")),
                Count(n("approved")),
                Count(n("rejected")),
                Count(n("appealed")),
                Rate(n("approved"), n("decided")),
                Rate(n("returned"), n("submitted")),
                Rate(n("appealed"), n("decided")),
                Average(in_period["checked"]["sum"], n("checked"), per=24),
                Average(in_period["decided"]["sum"], n("decided"), per=24),
            ]
        ],
        note=_(
            "Days from submission to the first check and to the decision; rates of approval and "
            "appeal are over the applications decided, the return rate over those submitted."
        ),
    )
    return PanelData(
        Panel.SUBSIDIES,
        str(Panel.SUBSIDIES.label),
        [overview, over_time, _forecast_table(forecast), decisions],
        ["period", "street", "occupation"],
    )


def _forecast_table(forecast: dict[dt.date, dict[str, dict[str, Decimal]]]) -> Table:
    """The instalments not paid yet by the month they fall due, from this month on (they do not
    move with the period: a forecast starts today)."""
    this_month = first_of_month(timezone.localdate())
    last = add_months(this_month, FORECAST_MONTHS - 1)
    later: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for month, measures in forecast.items():
        if month > last:
            for measure, sums in measures.items():
                later[measure]["n"] += sums["n"]
                later[measure]["sum"] += sums["sum"]

    def row(label: str, sums: dict[str, dict[str, Decimal]]) -> list[Cell]:
        due, payable = sums["forecast_n"], sums["forecast_payable"]
        return [
            Text(label),
            Count(int(due["n"])),
            Money(due["sum"], of=int(due["n"])),
            Count(int(payable["n"])),
            Money(payable["sum"], of=int(payable["n"])),
        ]

    empty: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    rows = [row(f"{month:%Y-%m}", forecast.get(month, empty)) for month in months_between(this_month, last)]
    rows.append(row(_("Later"), later))
    return Table(
        "forecast",
        _("Instalments payable by month ahead"),
        [
            _("Month"),
            _("Instalments due"),
            _("Amount due"),
            _("Payable now (credits recorded)"),
            _("Amount payable now"),
        ],
        rows,
        chart="bars",
        series=(2,),
        note=_(
            "An instalment falls due when its study year's credits are recorded: payable ones now, the "
            "others at the end of their study year (the intake's start plus the years), or this month "
            "when their credits are late. Approved applications only."
        ),
    )


# --- Services --------------------------------------------------------------------------------


def services_panel(filters: Filters) -> PanelData:
    grouped = _by(_rows(Panel.SERVICES, filters), "key")
    target = settings.SERVICES_OVERDUE_WORKING_DAYS
    rows: list[list[Cell]] = [
        [
            Text(label),
            Count(_n(m, "requests")),
            Count(_n(m, "resolved")),
            Average(_sum(m, "responded"), _n(m, "responded")),
            Average(_sum(m, "workdays_responded"), _n(m, "workdays_responded")),
            Rate(_n(m, "in_target"), _n(m, "responded")),
            Average(_sum(m, "workdays_resolved"), _n(m, "workdays_resolved")),
            Average(_sum(m, "rated"), _n(m, "rated"), places=2),
        ]
        for (_key, label), m in sorted(
            grouped.items(), key=lambda item: (-_n(item[1], "requests"), item[0][1])
        )
    ]
    table = Table(
        "scenarios",
        _("Requests by scenario"),
        [
            _("Scenario"),
            _("Requests"),
            _("Resolved"),
            _("Hours to first response"),
            _("Working days to first response"),
            _("First response within %(days)d working days") % {"days": target},
            _("Working days to resolution"),
            _("Satisfaction (1–5)"),
        ],
        rows,
        chart="bars",
        series=(1, 2),
        note=_(
            "The target: service staff take a request on within %(days)d working days of the day it "
            "was made. Working days are Monday to Friday; the portal keeps no public-holiday calendar."
        )
        % {"days": target},
    )
    return PanelData(Panel.SERVICES, str(Panel.SERVICES.label), [table], ["period", "street", "occupation"])


# --- Grid ------------------------------------------------------------------------------------


CATEGORY_MEASURES = ("reports", "resolved", "reopened")


def grid_panel(filters: Filters) -> PanelData:
    # Reports, 随口说 and 随手帮 have no occupation: the filter does not apply to them.
    filters = dataclasses.replace(filters, occupation="")
    rows = _rows(Panel.GRID, filters, exclude=Q(measure=HOTSPOT_MEASURE))
    categories = _by([row for row in rows if row["measure"] in CATEGORY_MEASURES], "key")
    grids = {row["key"]: row["n"] for row in rows if row["measure"] == "grid_reports"}
    by_category = Table(
        "categories",
        _("Reports by category"),
        [_("Category"), _("Reports"), _("Resolved"), _("Days to resolve"), _("Reopen rate")],
        [
            [
                Text(label),
                Count(_n(m, "reports")),
                Count(_n(m, "resolved")),
                Average(_sum(m, "resolved"), _n(m, "resolved"), per=24),
                Rate(_n(m, "reopened"), _n(m, "resolved")),
            ]
            for (_key, label), m in sorted(
                categories.items(), key=lambda item: (-_n(item[1], "reports"), item[0][1])
            )
        ],
        chart="bars",
    )
    shapes: list[dict] = []
    grid_rows: list[list[Cell]] = []
    for grid in grids_for_map():
        if filters.street and grid.street != filters.street:
            continue
        count = Count(grids.get(str(grid.pk), 0))
        shapes.append({"name": grid.name, "area": grid.area, "count": count})
        grid_rows.append([Text(grid.name), Text(_label_of(Street, grid.street)), count])
    if grids.get("0"):
        grid_rows.append([Text(_("No grid (placed by hand)")), Text(""), Count(grids["0"])])
    by_grid = Table(
        "grids",
        _("Reports by grid"),
        [_("Grid"), _("Street"), _("Reports")],
        grid_rows,
        chart="map",
        series=(2,),
    )
    return PanelData(
        Panel.GRID,
        str(Panel.GRID.label),
        [by_category, by_grid, _hotspots(filters), *_voice_tables(rows)],
        ["period", "street"],
        shapes,
    )


def _hotspots(filters: Filters) -> Table:
    """The same problem reported again and again at the same place (a square of about 200 m):
    only places with 5 reports or more are named, so no single report's place is shown.

    A query of its own, of at most ten rows: the refresh keeps the ten for every period the filter
    can ask (dashboard.actions._hotspots_refresh), read here as the period's overlap with the months
    there are hotspot rollups of (the months outside it add nothing to any place)."""
    span = HotspotSpan.objects.order_by()
    places = Hotspot.objects.filter(
        street=filters.street,
        start=Greatest(Value(filters.start), Subquery(span.values("first")[:1]), output_field=DateField()),
        end=Least(Value(filters.end), Subquery(span.values("last")[:1]), output_field=DateField()),
    ).order_by("rank")[:HOTSPOTS_SHOWN]
    return Table(
        "hotspots",
        _("The most frequent problems at the same place"),
        [_("Problem and grid"), _("Where (about 200 m around)"), _("Reports")],
        [
            [Text(_label(place)), Text(_square_centre(place["key"])), Count(place["count"])]
            for place in places.values("key", "label", "label_en", "count")
        ],
        chart="bars",
        series=(2,),
        note=_(
            "Reports of one category within a square of about 200 m, counted over the months in "
            "which it was reported at least twice; only places with 5 reports or more are listed."
        ),
    )


def _square_centre(key: str) -> str:
    """'road@15142:60048' (the square's row and column at 1/500 of a degree): its centre."""
    try:
        row, column = (int(part) / HOTSPOT_CELLS_PER_DEGREE for part in key.rsplit("@", 1)[1].split(":"))
    except (IndexError, ValueError):
        return ""
    return f"{row:.3f}, {column:.3f}"


def _voice_tables(rows: list[dict]) -> list[Table]:
    """随口说 by topic and status, 随手帮 deeds and requests: counted wherever the grid member
    who passed them on works (opinions and deeds) or wherever the grid is (requests)."""
    opinion_measures = ("voice_opinions", "voice_routed", "voice_answered", "voice_adopted")
    topics = _by([row for row in rows if row["measure"] in opinion_measures], "key")
    order = list(Opinion.Topic.values)
    opinions = Table(
        "opinions",
        _("随口说: opinions by topic"),
        [_("Topic"), _("Received"), _("Passed on"), _("Answered"), _("Adopted")],
        [
            [
                Text(label or _("Not given")),
                Count(_n(m, "voice_opinions")),
                Count(_n(m, "voice_routed")),
                Count(_n(m, "voice_answered")),
                Count(_n(m, "voice_adopted")),
            ]
            for (key, label), m in sorted(
                topics.items(),
                key=lambda item: order.index(item[0][0]) if item[0][0] in order else len(order),
            )
        ],
        chart="bars",
        series=(1, 3, 4),
    )
    totals = {
        row["measure"]: row for row in rows if row["measure"].startswith(("voice_deeds_", "voice_help_"))
    }
    helps = Table(
        "help",
        _("随手帮: help given and help requests"),
        [
            _("Help recorded"),
            _("Help verified"),
            _("Help requests posted"),
            _("Help requests done"),
        ],
        [
            [
                Count(_n(totals, "voice_deeds_deeds")),
                Count(_n(totals, "voice_deeds_verified")),
                Count(_n(totals, "voice_help_requests")),
                Count(_n(totals, "voice_help_done")),
            ]
        ],
    )
    return [opinions, helps]


# --- Stations and points ---------------------------------------------------------------------


def stations_panel(filters: Filters) -> PanelData:
    grouped = _by(
        _rows(Panel.STATIONS, dataclasses.replace(filters, occupation=""), station_scoped=True), "key"
    )
    points = grouped.pop(("", ""), {})
    station_rows: list[list[Cell]] = [
        [
            Text(label),
            Count(_n(m, "raised")),
            Count(_n(m, "accepted")),
            Count(_n(m, "resolved")),
            Quantity(_n(m, "overdue")),
            Quantity(_n(m, "tasks_done")),
            Count(_n(m, "handed_over")),
            Quantity(int(_sum(m, "handed_over")), of=_n(m, "handed_over")),
            Quantity(_n(m, "stock")),
        ]
        for (_key, label), m in sorted(grouped.items(), key=lambda item: item[0][1])
    ]
    table = Table(
        "stations",
        _("Per station"),
        [
            _("Station"),
            _("Topics raised"),
            _("Topics accepted"),
            _("Topics resolved"),
            _("Follow-ups overdue now"),
            _("Volunteer tasks done"),
            _("Rewards handed over"),
            _("Points redeemed"),
            _("Stock now"),
        ],
        station_rows,
        chart="bars",
        series=(1, 2, 3),
    )
    tables = [table]
    if filters.stations is None and not filters.street:
        tables.append(
            Table(
                "points",
                _("Points across the district"),
                [_("Issued"), _("Spent")],
                [[Quantity(int(_sum(points, "points_issued"))), Quantity(int(_sum(points, "points_spent")))]],
            )
        )
    return PanelData(Panel.STATIONS, str(Panel.STATIONS.label), tables, ["period", "street"])


PANELS: dict[str, Callable[[Filters], PanelData]] = {
    Panel.ACADEMY: academy_panel,
    Panel.SUBSIDIES: subsidies_panel,
    Panel.SERVICES: services_panel,
    Panel.GRID: grid_panel,
    Panel.STATIONS: stations_panel,
}


def panels_for(user: User | AnonymousUser, filters: Filters) -> list[PanelData]:
    """Every panel for district staff; the stations panel of their own stations for station staff."""
    if may_see_district(user):
        return [read(filters) for read in PANELS.values()]
    return [stations_panel(filters)]


def scoped_filters(user: User | AnonymousUser, filters: Filters) -> Filters:
    """District staff see the district; everyone else the stations the door says they run."""
    if may_see_district(user) or runs_every_station(user):
        return filters
    return Filters(
        filters.start, filters.end, filters.street, filters.occupation, stations=stations_run_by(user)
    )


def last_refresh() -> RollupRun | None:
    return RollupRun.objects.order_by("-finished_at", "-id").first()
