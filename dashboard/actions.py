"""The one write of the dashboard: keep the rollups current from the other apps' rollup selectors.

Each source (a rollup selector and the measures it gives) owns its rollup rows (`Rollup.source`).
A refresh rebuilds, per source, only the months in which a row of its table changed since the
previous refresh (read off `updated_at`, or the date a row is written at for append-only tables
such as the ledger); sources without such a mark, and the states as of now (budget, stock,
follow-ups overdue, the instalment forecast), are small and rebuilt whole every time. Once a day
a refresh rebuilds everything, which also takes in what a month-by-month refresh cannot see: a
row deleted, or moved to another month. Each refresh is one transaction: a reader sees the
rollups before it or after it, never half.
"""

import datetime as dt
import heapq
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import DateField, Max, Min, Model, Q, QuerySet
from django.db.models.functions import Trunc
from django.utils import timezone

from academy import selectors as academy
from academy.models import CreditRecord, Enrolment
from dashboard.cells import SMALLEST_SHOWN
from dashboard.models import HOTSPOT_MEASURE, HOTSPOTS_SHOWN, Hotspot, HotspotSpan, Panel, Rollup, RollupRun
from dashboard.selectors import LONGEST_PERIOD_MONTHS, add_months, months_between
from deliberation import selectors as deliberation
from deliberation.models import Topic
from governance import selectors as governance
from governance.models import Report
from points import selectors as points
from points.models import PointEntry
from rewards import selectors as rewards
from rewards.models import Voucher
from services import selectors as services
from services.models import ServiceRequest
from subsidies import selectors as subsidies
from subsidies.models import Instalment, SubsidyApplication
from voice import selectors as voice
from volunteering import selectors as volunteering

# Two refreshes never interleave their DELETE and INSERT (a beat run and one from a test or a shell).
REFRESH_LOCK = 220_001
DIMENSIONS = ("month", "street", "occupation", "key", "label", "label_en")
# A row saved just before the previous refresh read its table may have committed just after: the
# next refresh looks back this much further than the previous one started. Rebuilding a month
# twice gives the same rows, so the overlap costs a little time and never counts anything twice.
OVERLAP = dt.timedelta(minutes=10)
FULL_EVERY = dt.timedelta(days=1)
# The months a source is rebuilt for; None: every month.
Months = list[dt.date] | None


def _total(value: Any) -> Decimal:
    if value is None:
        return Decimal(0)
    if isinstance(value, dt.timedelta):
        # Waiting times are summed in hours, two places: the panels show averages in days or hours.
        return (Decimal(value.total_seconds()) / Decimal(3600)).quantize(Decimal("0.01"))
    return Decimal(value)


def _unpivot(
    panel: str,
    rows: Iterable[Mapping[str, Any]],
    *,
    counts: Iterable[str] = (),
    totals: Mapping[str, str] | None = None,
    rename: Mapping[str, str] | None = None,
    measure_prefix: str = "",
) -> Iterable[Rollup]:
    """One Rollup per (row, measure): a count column gives `count`, a total column (paired with
    the count column it is the sum over) gives `total` of the same measure row."""
    counts, totals, rename = tuple(counts), totals or {}, rename or {}
    for row in rows:
        dims = {name: row.get(rename.get(name, name)) for name in DIMENSIONS}
        base = {
            "panel": panel,
            "month": dims["month"],
            "street": dims["street"] or "",
            "occupation": dims["occupation"] or "",
            "key": str(dims["key"] if dims["key"] is not None else ""),
            "label": (dims["label"] or "")[:120],
            "label_en": (dims["label_en"] or "")[:120],
        }
        paired = {count_column: total_column for total_column, count_column in totals.items()}
        for column in counts:
            n = row[column] or 0
            total = _total(row[paired[column]]) if column in paired else Decimal(0)
            if n or total:
                yield Rollup(measure=measure_prefix + column, count=n, total=total, **base)


# --- The sources ------------------------------------------------------------------------------


def _in_months(field: str, months: list[dt.date] | None, *, dates: bool = False) -> Q:
    """The rows whose `field` (a time, or a date with `dates`) falls in one of `months` (every row
    for None), in Shanghai time like the selectors' Trunc(..., "month"), as ranges an index on the
    field can serve."""
    if months is None:
        return Q()
    zone = timezone.get_current_timezone()
    where = Q(pk__in=[])
    for month in months:
        following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        bounds: tuple = (month, following)
        if not dates:
            bounds = tuple(dt.datetime.combine(day, dt.time(), tzinfo=zone) for day in bounds)
        where |= Q(**{f"{field}__gte": bounds[0], f"{field}__lt": bounds[1]})
    return where


@dataclass(frozen=True)
class Changes:
    """Where a source's table says which of its months changed: rows of `model` marked (by `mark`)
    since a moment, grouped by the month of `field` (a path through a relation is allowed)."""

    model: type[Model]
    field: str
    mark: str = "updated_at"

    def any_since(self, since: dt.datetime) -> bool:
        return self.model._default_manager.filter(**{f"{self.mark}__gte": since}).exists()

    def months(self, since: dt.datetime) -> set[dt.date]:
        queryset: QuerySet = self.model._default_manager.filter(**{f"{self.mark}__gte": since})
        return set(
            queryset.exclude(**{self.field: None})
            .annotate(changed_month=Trunc(self.field, "month", output_field=DateField()))
            .values_list("changed_month", flat=True)
            .distinct()
        )


@dataclass(frozen=True)
class Source:
    name: str
    # The source's rows for the given months (every month for None).
    build: Callable[[list[dt.date] | None], Iterable[Rollup]]
    # Empty: no mark of change, so the source is rebuilt whole at every refresh.
    changes: tuple[Changes, ...] = ()
    # A state as of now: rebuilt whole when any of `changes` saw a row change (or a new month
    # began: "this month" moved), skipped otherwise.
    whole: bool = False


def _academy(months: Months) -> Iterable[Rollup]:
    where = _in_months("submitted_at", months)
    yield from _unpivot(
        Panel.ACADEMY,
        academy.enrolment_rollup().filter(where),
        counts=("applied", "admitted", "enrolled", "credited", "completed", "withdrawn"),
    )
    applicants = list(academy.applicant_rollup().filter(where))
    for measure, column in (("age_", "age_band"), ("education_", "education")):
        yield from _unpivot(
            Panel.ACADEMY, applicants, counts=("applied",), rename={"key": column}, measure_prefix=measure
        )


def _applications(months: Months) -> Iterable[Rollup]:
    return _unpivot(
        Panel.SUBSIDIES,
        subsidies.application_rollup().filter(_in_months("submitted_at", months)),
        counts=("submitted", "returned", "checked", "decided", "approved", "rejected", "appealed"),
        totals={"check_time": "checked", "decision_time": "decided"},
    )


def _committed(months: Months) -> Iterable[Rollup]:
    return _unpivot(
        Panel.SUBSIDIES,
        subsidies.committed_rollup().filter(_in_months("decided_at", months)),
        counts=("n",),
        totals={"amount": "n"},
        measure_prefix="committed_",
    )


def _paid(months: Months) -> Iterable[Rollup]:
    return _unpivot(
        Panel.SUBSIDIES,
        subsidies.paid_rollup().filter(_in_months("paid_on", months, dates=True)),
        counts=("n",),
        totals={"amount": "n"},
        measure_prefix="paid_",
    )


def _forecast(_months: Months) -> Iterable[Rollup]:
    return _unpivot(
        Panel.SUBSIDIES,
        subsidies.instalment_forecast_rollup(),
        counts=("n", "payable"),
        totals={"due": "n", "payable_due": "payable"},
        measure_prefix="forecast_",
    )


def _budget(_months: Months) -> Iterable[Rollup]:
    budget = subsidies.budget_totals()
    for measure in ("total", "committed", "paid"):
        yield Rollup(panel=Panel.SUBSIDIES, measure=f"budget_{measure}", total=budget[measure] or 0)


def _services(months: Months) -> Iterable[Rollup]:
    rows = services.request_rollup(where=_in_months("created_at", months))
    yield from _unpivot(
        Panel.SERVICES,
        rows,
        counts=("requests", "responded", "in_target", "resolved", "rated"),
        totals={"response_time": "responded", "resolution_time": "resolved", "rating_sum": "rated"},
    )
    # The same waits in working days, under measures of their own (`responded` keeps the hours).
    yield from _unpivot(
        Panel.SERVICES,
        rows,
        counts=("responded", "resolved"),
        totals={"response_workdays": "responded", "resolution_workdays": "resolved"},
        measure_prefix="workdays_",
    )


def _grid(months: Months) -> Iterable[Rollup]:
    where = _in_months("created_at", months)
    reports = list(governance.report_rollup().filter(where))
    yield from _unpivot(
        Panel.GRID,
        [{**row, "key": row["grid_key"], "label": row["grid_label"]} for row in reports],
        counts=("reports",),
        measure_prefix="grid_",
    )
    yield from _unpivot(
        Panel.GRID,
        [
            {
                **row,
                "key": row["category_key"],
                "label": row["category_label"],
                "label_en": row["category_label_en"],
            }
            for row in reports
        ],
        counts=("reports", "resolved", "reopened"),
        totals={"resolution_time": "resolved"},
    )
    yield from _unpivot(
        Panel.GRID,
        [
            {
                **row,
                "label": " · ".join(filter(None, (row["category_label"], row["grid_label"]))),
                "label_en": " · ".join(filter(None, (row["category_label_en"], row["grid_label"]))),
            }
            for row in governance.report_hotspot_rollup().filter(where)
        ],
        counts=("reports",),
        measure_prefix="hotspot_",
    )


def _voice(_months: Months) -> Iterable[Rollup]:
    yield from _unpivot(
        Panel.GRID,
        voice.opinion_rollup(),
        counts=("opinions", "routed", "answered", "adopted"),
        measure_prefix="voice_",
    )
    yield from _unpivot(
        Panel.GRID, voice.help_deed_rollup(), counts=("deeds", "verified"), measure_prefix="voice_deeds_"
    )
    yield from _unpivot(
        Panel.GRID, voice.help_request_rollup(), counts=("requests", "done"), measure_prefix="voice_help_"
    )


def _topics(months: Months) -> Iterable[Rollup]:
    return _unpivot(
        Panel.STATIONS,
        deliberation.topic_rollup().filter(_in_months("created_at", months)),
        counts=("raised", "accepted", "resolved"),
    )


def _handovers(months: Months) -> Iterable[Rollup]:
    return _unpivot(
        Panel.STATIONS,
        rewards.handovers_rollup().filter(_in_months("handed_over_at", months)),
        counts=("handed_over",),
        totals={"points_redeemed": "handed_over"},
    )


def _ledger(months: Months) -> Iterable[Rollup]:
    for row in points.ledger_rollup().filter(_in_months("created_at", months)):
        for measure in ("issued", "spent"):
            if row[measure]:
                yield Rollup(
                    panel=Panel.STATIONS,
                    measure=f"points_{measure}",
                    month=row["month"],
                    total=abs(row[measure]),
                )


def _station_states(_months: Months) -> Iterable[Rollup]:
    yield from _unpivot(Panel.STATIONS, deliberation.followups_overdue_by_station(), counts=("overdue",))
    yield from _unpivot(
        Panel.STATIONS,
        volunteering.tasks_done_rollup(),
        counts=("tasks_done",),
        rename={"street": "station_street"},
    )
    yield from _unpivot(Panel.STATIONS, rewards.stock_by_station(), counts=("stock",))


SOURCES: tuple[Source, ...] = (
    Source(
        "academy",
        _academy,
        (Changes(Enrolment, "submitted_at"), Changes(CreditRecord, "enrolment__submitted_at")),
    ),
    Source("applications", _applications, (Changes(SubsidyApplication, "submitted_at"),)),
    Source("committed", _committed, (Changes(SubsidyApplication, "decided_at"),)),
    Source("paid", _paid, (Changes(Instalment, "paid_on"),)),
    # The forecast counts from this month: rebuilt when an instalment or an application changed.
    Source(
        "forecast",
        _forecast,
        (Changes(Instalment, "paid_on"), Changes(SubsidyApplication, "decided_at")),
        whole=True,
    ),
    # A few rows, moved by UPDATE … SET committed = committed + … (no mark of change).
    Source("budget", _budget),
    Source("services", _services, (Changes(ServiceRequest, "created_at"),)),
    Source("grid", _grid, (Changes(Report, "created_at"),)),
    # 随口说 and 随手帮 keep no time of their last change; their tables are small.
    Source("voice", _voice),
    Source("topics", _topics, (Changes(Topic, "created_at"),)),
    Source("handovers", _handovers, (Changes(Voucher, "handed_over_at", mark="handed_over_at"),)),
    # The ledger is append-only: a line is new when it was written.
    Source("ledger", _ledger, (Changes(PointEntry, "created_at", mark="created_at"),)),
    # Tasks keep no time of their last change either; the rest are states as of now.
    Source("station_states", _station_states),
)


# --- The most reported places ------------------------------------------------------------------

# A place: its key (category and square), label and English label, as the rollup rows group it.
Place = tuple[str, str, str]


def _hotspots_refresh(changed: Months) -> int:
    """Keep `Hotspot` (the ten places most reported, with 5 reports or more) for every period of
    at most LONGEST_PERIOD_MONTHS months within the months of the hotspot rollups, and for the
    district and each street, from those rollups: only the periods holding a month in `changed`
    (None: every period). Returns the rows written.

    A period outside those months counts the same as its overlap with them, so the grid panel
    reads the overlap's row (HotspotSpan says where the months begin and end). The periods ending
    in one month are summed in one walk back through the months: a place's count only grows as
    the period grows, so the new ten are among the previous ten and the places of the month
    added — a refresh of the current month reads each rollup row of the last five years once."""
    rollups = Rollup.objects.filter(panel=Panel.GRID, measure=HOTSPOT_MEASURE)
    span = rollups.aggregate(first=Min("month"), last=Max("month"))
    first, last = span["first"], span["last"]
    HotspotSpan.objects.all().delete()
    if first is None:
        Hotspot.objects.all().delete()
        return 0
    HotspotSpan.objects.create(first=first, last=last)
    if changed is None:
        Hotspot.objects.all().delete()
        changed = months_between(first, last)
    else:
        # Periods reaching past the months there are are never read again (their overlap is).
        Hotspot.objects.filter(Q(start__lt=first) | Q(end__gt=last)).delete()
        changed = sorted(month for month in changed if first <= month <= last)
        if not changed:
            return 0
        stale = Q(pk__in=[])
        for month in changed:
            stale |= Q(start__lte=month, end__gte=month)
        Hotspot.objects.filter(stale).delete()
    longest = LONGEST_PERIOD_MONTHS - 1
    low = max(first, add_months(changed[0], -longest))
    high = min(last, add_months(changed[-1], longest))
    # Rows of no month are none of these (the filter on month): typed as the field is, nullable.
    monthly: dict[str, dict[dt.date | None, list[tuple[Place, int]]]] = defaultdict(lambda: defaultdict(list))
    for row_month, street, key, label, label_en, count in rollups.filter(
        month__gte=low, month__lte=high
    ).values_list("month", "street", "key", "label", "label_en", "count"):
        place = (key, label, label_en)
        monthly[""][row_month].append((place, count))
        if street:
            monthly[street][row_month].append((place, count))
    rows: list[Hotspot] = []
    for street, months in monthly.items():
        for end in months_between(changed[0], high):
            # The periods ending in `end` that hold a changed month start at or before it.
            latest = max(month for month in changed if month <= end)
            earliest = max(first, add_months(end, -longest))
            if latest < earliest:
                continue
            counts: dict[Place, int] = defaultdict(int)
            top: list[Place] = []
            start = end
            while start >= earliest:
                added = months.get(start, ())
                for place, count in added:
                    counts[place] += count
                if added:
                    # Most reports first; ties by label, then key, as the panel has always listed them.
                    top = heapq.nsmallest(
                        HOTSPOTS_SHOWN,
                        set(top).union(place for place, _count in added),
                        key=lambda place: (-counts[place], place[1], place[0], place[2]),
                    )
                if start <= latest:
                    rows.extend(
                        Hotspot(
                            street=street,
                            start=start,
                            end=end,
                            rank=rank,
                            key=place[0],
                            label=place[1],
                            label_en=place[2],
                            count=counts[place],
                        )
                        for rank, place in enumerate(
                            (place for place in top if counts[place] >= SMALLEST_SHOWN), start=1
                        )
                    )
                start = add_months(start, -1)
    Hotspot.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _previous() -> RollupRun | None:
    return RollupRun.objects.order_by("-started_at", "-id").first()


def _last_full() -> RollupRun | None:
    return RollupRun.objects.filter(full=True).order_by("-started_at", "-id").first()


@transaction.atomic(durable=True)
def rollups_refresh(*, full: bool | None = None) -> RollupRun:
    """Bring the rollups up to date: the months changed since the previous refresh (`full=None`
    decides: everything when there was no full rebuild within a day), or everything (`full=True`)."""
    started = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REFRESH_LOCK])
    previous, last_full = _previous(), _last_full()
    first_of_month = timezone.localdate().replace(day=1)
    if full is None:
        full = previous is None or last_full is None or started - last_full.started_at >= FULL_EVERY
    if full:
        Rollup.objects.all().delete()
    written = 0
    rebuilt: dict[str, Months] = {}
    for source in SOURCES:
        months: list[dt.date] | None = None
        if not full and source.changes:
            assert previous is not None
            since = previous.started_at - OVERLAP
            if source.whole:
                new_month = timezone.localtime(previous.started_at).date().replace(day=1) != first_of_month
                if not new_month and not any(changes.any_since(since) for changes in source.changes):
                    continue
            else:
                months = sorted(set().union(*(changes.months(since) for changes in source.changes)))
                if not months:
                    continue
        rows = [row for row in source.build(months) if months is None or row.month in months]
        for row in rows:
            row.source = source.name
        if not full:
            stale = Rollup.objects.filter(source=source.name)
            if months is not None:
                stale = stale.filter(month__in=months)
            stale.delete()
        Rollup.objects.bulk_create(rows, batch_size=2000)
        written += len(rows)
        rebuilt[source.name] = months
    if "grid" in rebuilt:
        _hotspots_refresh(rebuilt["grid"])
    return RollupRun.objects.create(
        started_at=started,
        finished_at=timezone.now(),
        rows=written,
        full=full,
        total_rows=Rollup.objects.count(),
    )
