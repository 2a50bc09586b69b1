"""The one write of the dashboard: rebuild the rollups from the other apps' rollup selectors."""

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from academy import selectors as academy
from dashboard.models import Panel, Rollup, RollupRun
from deliberation import selectors as deliberation
from governance import selectors as governance
from points import selectors as points
from rewards import selectors as rewards
from services import selectors as services
from subsidies import selectors as subsidies
from volunteering import selectors as volunteering

# Two refreshes never interleave their DELETE and INSERT (a beat run and one from a test or a shell).
REFRESH_LOCK = 220_001
DIMENSIONS = ("month", "street", "occupation", "key", "label", "label_en")
HOUR = dt.timedelta(hours=1)


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


def _rows() -> list[Rollup]:
    out: list[Rollup] = []
    out += _unpivot(
        Panel.ACADEMY,
        academy.enrolment_rollup(),
        counts=("applied", "admitted", "enrolled", "credited", "completed", "withdrawn"),
    )
    out += _unpivot(
        Panel.SUBSIDIES,
        subsidies.application_rollup(),
        counts=("submitted", "returned", "checked", "decided", "approved", "rejected", "appealed"),
        totals={"check_time": "checked", "decision_time": "decided"},
    )
    out += _unpivot(
        Panel.SUBSIDIES,
        subsidies.committed_rollup(),
        counts=("n",),
        totals={"amount": "n"},
        measure_prefix="committed_",
    )
    out += _unpivot(
        Panel.SUBSIDIES,
        subsidies.paid_rollup(),
        counts=("n",),
        totals={"amount": "n"},
        measure_prefix="paid_",
    )
    budget = subsidies.budget_totals()
    for measure in ("total", "committed", "paid"):
        out.append(Rollup(panel=Panel.SUBSIDIES, measure=f"budget_{measure}", total=budget[measure] or 0))
    out += _unpivot(
        Panel.SERVICES,
        services.request_rollup(),
        counts=("requests", "responded", "resolved", "rated"),
        totals={"response_time": "responded", "resolution_time": "resolved", "rating_sum": "rated"},
    )
    reports = list(governance.report_rollup())
    grid_rows = [{**row, "key": row["grid_key"], "label": row["grid_label"]} for row in reports]
    category_rows = [
        {
            **row,
            "key": row["category_key"],
            "label": row["category_label"],
            "label_en": row["category_label_en"],
        }
        for row in reports
    ]
    out += _unpivot(Panel.GRID, grid_rows, counts=("reports",), measure_prefix="grid_")
    out += _unpivot(
        Panel.GRID,
        category_rows,
        counts=("reports", "resolved", "reopened"),
        totals={"resolution_time": "resolved"},
    )
    out += _unpivot(Panel.STATIONS, deliberation.topic_rollup(), counts=("raised", "accepted", "resolved"))
    out += _unpivot(Panel.STATIONS, deliberation.followups_overdue_by_station(), counts=("overdue",))
    out += _unpivot(
        Panel.STATIONS,
        volunteering.tasks_done_rollup(),
        counts=("tasks_done",),
        rename={"street": "station_street"},
    )
    out += _unpivot(
        Panel.STATIONS,
        rewards.handovers_rollup(),
        counts=("handed_over",),
        totals={"points_redeemed": "handed_over"},
    )
    out += _unpivot(Panel.STATIONS, rewards.stock_by_station(), counts=("stock",))
    for row in points.ledger_rollup():
        for measure in ("issued", "spent"):
            if row[measure]:
                out.append(
                    Rollup(
                        panel=Panel.STATIONS,
                        measure=f"points_{measure}",
                        month=row["month"],
                        total=abs(row[measure]),
                    )
                )
    return out


@transaction.atomic(durable=True)
def rollups_refresh() -> RollupRun:
    """Rebuild every rollup in one transaction: readers keep the old rows until it commits."""
    started = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REFRESH_LOCK])
    rows = _rows()
    Rollup.objects.all().delete()
    Rollup.objects.bulk_create(rows, batch_size=2000)
    return RollupRun.objects.create(started_at=started, finished_at=timezone.now(), rows=len(rows))
