"""The district dashboard at 100k and at 1M rows: panel time, page time, and the refresh lag.

The same rows as bench/admin_lists.py (per worker: an enrolment, a subsidy application, a grid
report, a service request and two ledger lines), in two fresh databases. The panels read the
rollups (dashboard.actions.rollups_refresh), never the raw tables, so their time should not
grow with the rows: the bench prints T(large) / T(small) per panel and for the whole district
page (target ≤ 1.5), with the queries at both sizes (target: equal). The lag between a change
and the dashboard showing it is at most the beat interval plus one refresh: the bench prints the
refresh time at both sizes.
"""

import time
from contextlib import ExitStack

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench import harness
from bench.admin_lists import _seed, _staff_session
from config.celery import app as celery_app
from dashboard import selectors
from dashboard.actions import rollups_refresh

PERIOD = {"start": "", "end": ""}


def _timed_refresh() -> float:
    started = time.perf_counter()
    rollups_refresh()
    return time.perf_counter() - started


def run(*, best_of):
    small_rows, large_rows = harness.sizes()
    small, large = harness.label(small_rows), harness.label(large_rows)
    home = connection.settings_dict["NAME"]
    databases, clients, refresh, rows = {}, {}, {}, {}
    filters = selectors.Filters.default()
    results = []
    with ExitStack() as stack:
        for size, count in ((small, small_rows), (large, large_rows)):
            harness.use_database(home)
            databases[size] = stack.enter_context(harness.fresh_database(f"dash_{size}"))
            staff, _code = _seed(count)
            refresh[size] = min(_timed_refresh() for _ in range(harness.REPEAT))
            rows[size] = selectors.last_refresh().rows
            clients[size], _session = _staff_session(staff)

        def panel_at(size: str, read):
            def call():
                harness.use_database(databases[size])
                read(filters)

            return call

        def page_at(size: str):
            def call():
                harness.use_database(databases[size])
                response = clients[size].get(reverse("dashboard:district"))
                assert response.status_code == 200, response.status_code

            return call

        for name, read in selectors.PANELS.items():
            counts = {}
            for size in (small, large):
                harness.use_database(databases[size])
                with CaptureQueriesContext(connection) as queries:
                    read(filters)
                counts[size] = len(queries)
            timings = harness.interleave({small: panel_at(small, read), large: panel_at(large, read)})
            results.append(
                (
                    f"panel {name}: T({large})/T({small})",
                    harness.ratios(timings[large], timings[small]),
                    f"target ≤ 1.5; {harness.ms(timings[small])} → {harness.ms(timings[large])}; "
                    f"queries {counts[small]} at {small}, {counts[large]} at {large} (target: equal)",
                )
            )
        timings = harness.interleave({small: page_at(small), large: page_at(large)})
        results.append(
            (
                f"district page: T({large})/T({small})",
                harness.ratios(timings[large], timings[small]),
                f"target ≤ 1.5; {harness.ms(timings[small])} → {harness.ms(timings[large])}",
            )
        )
        interval = celery_app.conf.beat_schedule["dashboard-rollups"]["schedule"]
        for size in (small, large):
            results.append(
                (
                    f"refresh at {size}",
                    None,
                    f"{refresh[size]:.2f} s for {rows[size]} rollup rows; a change shows within "
                    f"{interval:.0f} s (beat) + {refresh[size]:.2f} s",
                )
            )
        results.append(
            (
                f"refresh: T({large})/T({small})",
                refresh[large] / refresh[small],
                "grows with the rows: a full rebuild",
            )
        )
        harness.use_database(home)
    return results
