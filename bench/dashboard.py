"""The district dashboard at 100k and at 1M rows: panel time, page time, and the refresh lag.

The same rows as bench/admin_lists.py (per worker: an enrolment, a subsidy application, a grid
report, a service request and two ledger lines), plus what the newer panels read (EXTRA below):
the reports placed on the map (one in ten at one of 50 crossings), two instalments per approved
application, and 随口说 / 随手帮 for one worker in ten, in two fresh databases. The panels read
the rollups (dashboard.actions.rollups_refresh), never the raw tables, so their time should not
grow with the rows: the bench prints T(large) / T(small) per panel and for the whole district
page (target ≤ 1.5), with the queries at both sizes (target: equal). The lag between a change
and the dashboard showing it is at most the beat interval plus one incremental refresh (the
months changed since the previous one): the bench times that after one new report, checks the
grid panel shows it, and prints the daily full rebuild's time beside it.
"""

import datetime as dt
import time
from contextlib import ExitStack

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bench import harness
from bench.admin_lists import _seed, _staff_session
from config.celery import app as celery_app
from dashboard import selectors
from dashboard.actions import rollups_refresh

PERIOD = {"start": "", "end": ""}

EXTRA = """
-- One report in ten at one of 50 crossings (the same place again and again), the rest scattered.
UPDATE governance_report SET
    lat = CASE WHEN id %% 10 = 0 THEN 30.27 + (id %% 50) * 0.002 ELSE 30.20 + (id %% 9973) * 0.00001 END,
    lng = CASE WHEN id %% 10 = 0 THEN 120.06 + (id %% 50) * 0.002 ELSE 120.05 + (id %% 8191) * 0.00001 END;

INSERT INTO subsidies_instalment (created_at, updated_at, application_id, study_year, amount, status,
                                  payment_reference)
SELECT now(), now(), a.id, y, 3600, CASE WHEN y = 1 AND a.id %% 2 = 0 THEN 'payable' ELSE 'pending' END, ''
FROM subsidies_subsidyapplication a, generate_series(1, 2) AS y WHERE a.status = 'approved';

INSERT INTO voice_opinion (worker_id, client_uuid, text, audio, topic, address, status, summary, tags,
                           department, answer, created_at)
SELECT id, gen_random_uuid(), '路口红绿灯太短', '', (ARRAY['traffic', 'community', 'platform'])[1 + id %% 3], '',
       (ARRAY['submitted', 'routed', 'answered'])[1 + id %% 3], '', '',
       CASE WHEN id %% 3 = 0 THEN '' ELSE '交警' END, '', date_joined
FROM accounts_user WHERE phone LIKE '+86170%%' AND id %% 10 = 0;

INSERT INTO voice_helpdeed (worker_id, client_uuid, kind, note, photo, address, status, reject_reason,
                            created_at)
SELECT id, gen_random_uuid(), 'escort', '送迷路老人回家', '', '',
       CASE WHEN id %% 4 = 0 THEN 'submitted' ELSE 'verified' END, '', date_joined
FROM accounts_user WHERE phone LIKE '+86170%%' AND id %% 10 = 5;

-- Seeded a while ago, as a live district's rows are: the refresh's marks of change (updated_at) are
-- older than the previous refresh, so an incremental refresh sees only what changed since.
UPDATE academy_enrolment SET updated_at = now() - interval '1 hour';
UPDATE subsidies_subsidyapplication SET updated_at = now() - interval '1 hour';
UPDATE subsidies_instalment SET updated_at = now() - interval '1 hour';

ANALYZE;
"""


def _timed_refresh(*, full: bool) -> float:
    started = time.perf_counter()
    rollups_refresh(full=full)
    return time.perf_counter() - started


def _grid_reports(filters) -> int:
    return sum(row[2].n for row in selectors.grid_panel(filters).table("grids").rows)


def _lag(filters) -> float:
    """One new report now, then one incremental refresh: its time, and the panel shows the report."""
    from governance.models import Report

    report = Report.objects.order_by("-pk").first()
    before = _grid_reports(filters)
    Report.objects.create(
        reporter_id=report.reporter_id,
        category_id=report.category_id,
        street=report.street,
        department="城管",
        due_at=timezone.now() + dt.timedelta(days=3),
    )
    elapsed = _timed_refresh(full=False)
    assert selectors.last_refresh().full is False
    assert _grid_reports(filters) == before + 1, "the new report is not on the dashboard"
    return elapsed


def run(*, best_of):
    small_rows, large_rows = harness.sizes()
    small, large = harness.label(small_rows), harness.label(large_rows)
    home = connection.settings_dict["NAME"]
    databases, clients, refresh, rows, lag = {}, {}, {}, {}, {}
    filters = selectors.Filters.default()
    results = []
    with ExitStack() as stack:
        for size, count in ((small, small_rows), (large, large_rows)):
            harness.use_database(home)
            databases[size] = stack.enter_context(harness.fresh_database(f"dash_{size}"))
            staff, _code = _seed(count)
            with connection.cursor() as cursor:
                cursor.execute(EXTRA, {})
            refresh[size] = min(_timed_refresh(full=True) for _ in range(harness.REPEAT))
            rows[size] = selectors.last_refresh().rows
            lag[size] = sorted(_lag(filters) for _ in range(harness.REPEAT))
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
                    f"lag at {size}",
                    None,
                    f"one new report shows after one incremental refresh of {harness.summary(lag[size])} s "
                    f"(min / median / max): within {interval:.0f} s (beat) + {lag[size][-1]:.2f} s",
                )
            )
            results.append(
                (
                    f"full rebuild at {size}",
                    None,
                    f"{refresh[size]:.2f} s for {rows[size]} rollup rows (daily, and the first)",
                )
            )
        results.append(
            (
                f"incremental refresh: T({large})/T({small})",
                harness.ratios(lag[large], lag[small]),
                "the months changed, not the whole history",
            )
        )
        results.append(
            (
                f"full rebuild: T({large})/T({small})",
                refresh[large] / refresh[small],
                "grows with the rows: once a day",
            )
        )
        harness.use_database(home)
    return results
