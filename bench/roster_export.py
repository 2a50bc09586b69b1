"""The partner roster CSV over HTTP against `psql \\copy` of the same SELECT, at 200k and 1M rows.

Seeds LARGE enrolled students of one university in SQL (INSERT … SELECT generate_series), SMALL of
them in one intake, and serves the bench database with gunicorn (2 workers). Then, in turns:

- the export over HTTP (OAuth token, scoping, formula escaping in SQL, streamed COPY blocks,
  gunicorn, the socket), rows/s, for the SMALL intake and for the whole roster;
- `psql -c "\\copy (the export's own SELECT) TO STDOUT"` of the same rows into a pipe, rows/s.

Prints rows/s over HTTP ÷ rows/s of psql (target >= 0.7) at both sizes, the peak RSS of the
gunicorn workers while streaming LARGE rows over their peak while streaming SMALL rows (SMALL
first; target <= 1.2: memory stays flat), and the plan of the export's SELECT.
"""

import datetime as dt
import os
import secrets
import subprocess
import threading
import time
from urllib.parse import urlsplit

import psutil
import psycopg
import requests
from django.db import connection
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from academy.api import export
from academy.api.selectors import enrolments_for_university
from academy.models import ApiClient, Intake, Offering, Programme, University
from bench import harness

CHUNK = 256 * 1024  # what the client reads at once


def sizes() -> tuple[int, int]:
    small, large = (int(part) for part in os.environ.get("BENCH_ROSTER_ROWS", "200000,1000000").split(","))
    return small, large


def seed(small: int, large: int) -> tuple[University, Intake, str]:
    """`large` enrolled students of one university, the first `small` in one intake; a roster token."""
    university = University.objects.create(code="bench-roster", name="基准大学", short_name="基准")
    programme = Programme.objects.create(
        university=university,
        level="associate",
        major="电子商务",
        tuition="7200.00",
        description="-",
        study_mode="-",
    )
    now = timezone.now()
    first, rest = (
        Intake.objects.create(
            name=name,
            applications_open_at=now - dt.timedelta(days=30),
            applications_close_at=now + dt.timedelta(days=30),
            starts_on=dt.date(2027, 3, 1) + dt.timedelta(days=number),
        )
        for number, name in enumerate(("bench-small", "bench-large"))
    )
    offerings = [
        Offering.objects.create(programme=programme, intake=i, seat_limit=large) for i in (first, rest)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO accounts_user (password, is_superuser, phone, real_name, email, phone_verified,
                                       is_staff, is_active, date_joined)
            SELECT '!', false, '+8616' || lpad(n::text, 9, '0'), '学员' || n, '', true, false, true, now()
            FROM generate_series(1, %(rows)s) AS n;
            INSERT INTO accounts_workerprofile (created_at, updated_at, user_id, occupation, platform, street,
                                                months_in_trade, education, id_number_encrypted,
                                                id_number_masked, birth_date, sex)
            SELECT now(), now(), id, 'courier', '顺丰速运', 'xixi', 24, 'senior_high', '',
                   '330106********' || lpad((id %% 10000)::text, 4, '0'), date '1995-03-12', 'male'
            FROM accounts_user WHERE phone LIKE '+8616%%';
            INSERT INTO academy_enrolment (created_at, updated_at, worker_id, offering_id, intake_id, status,
                                           draft_step, certificate, certificate_content_type, submitted_at,
                                           decision_reason, student_number)
            SELECT now(), now(), u.id,
                   CASE WHEN u.id - %(first_id)s < %(small)s THEN %(o1)s ELSE %(o2)s END,
                   CASE WHEN u.id - %(first_id)s < %(small)s THEN %(i1)s ELSE %(i2)s END,
                   'enrolled', 4, '', '', now(), '', 'S' || u.id
            FROM accounts_user u WHERE u.phone LIKE '+8616%%';
            ANALYZE;
            """,
            {
                "rows": large,
                "small": small,
                "first_id": _next_user_id(),
                "o1": offerings[0].pk,
                "o2": offerings[1].pk,
                "i1": first.pk,
                "i2": rest.pk,
            },
        )
    application = Application.objects.create(
        name="bench",
        client_id="bench",
        client_secret=secrets.token_urlsafe(16),
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
    )
    ApiClient.objects.create(application=application, university=university)
    token = secrets.token_urlsafe(24)
    AccessToken.objects.create(
        application=application,
        token=token,
        scope="roster:read",
        expires=timezone.now() + dt.timedelta(hours=4),
    )
    return university, first, token


def _next_user_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value + CASE WHEN is_called THEN 1 ELSE 0 END FROM accounts_user_id_seq")
        return cursor.fetchone()[0]


class WorkersPeakRss:
    """The highest RSS of any worker of a gunicorn arbiter, sampled every 5 ms meanwhile."""

    def __init__(self, arbiter: int) -> None:
        self.workers = psutil.Process(arbiter).children()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max([self.peak] + [worker.memory_info().rss for worker in self.workers])
            time.sleep(0.005)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _psql_copy(database: str, statement: str, rows: int) -> None:
    """`psql \\copy (…) TO STDOUT` of the statement, read whole from a pipe (as a client would)."""
    parts = urlsplit(harness.database_url(database))
    command = ["psql", "-X", "-q", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432),
               "-U", parts.username or "postgres", "-d", database,
               "-c", f"\\copy ({statement}) TO STDOUT WITH (FORMAT csv)"]  # fmt: skip
    env = {**os.environ, "PGPASSWORD": parts.password or ""}
    with subprocess.Popen(command, stdout=subprocess.PIPE, env=env) as psql:
        lines = 0
        while block := psql.stdout.read(CHUNK):
            lines += block.count(b"\n")
    assert psql.returncode == 0 and lines == rows, (psql.returncode, lines, rows)


def run(*, best_of):
    small_rows, large_rows = sizes()
    small, large = harness.label(small_rows), harness.label(large_rows)
    university, first_intake, token = seed(small_rows, large_rows)
    database = connection.settings_dict["NAME"]
    scoped = enrolments_for_university(university=university)
    statements = {}
    for size, queryset in ((small, scoped.filter(intake_id=first_intake.pk)), (large, scoped)):
        sql, params = export.roster_select(queryset)
        connection.ensure_connection()
        statements[size] = psycopg.ClientCursor(connection.connection).mogrify(sql, params)
    sql, params = export.roster_select(scoped.filter(pk__gt=0), limit=export.BATCH_ROWS)
    batch = psycopg.ClientCursor(connection.connection).mogrify(sql, params)
    plans = {}
    with connection.cursor() as cursor:
        for name, statement in (("the whole SELECT (psql's)", statements[large]), ("one batch", batch)):
            cursor.execute(f"EXPLAIN {statement}")
            plans[name] = [row[0].strip() for row in cursor.fetchall()]
    rows = {small: small_rows, large: large_rows}
    query = {small: f"?intake={first_intake.pk}", large: ""}
    peaks: dict[str, int] = {}
    with harness.gunicorn(database) as (base, arbiter):
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {token}"

        def over_http(size: str) -> None:
            with WorkersPeakRss(arbiter) as rss:
                response = http.get(
                    f"{base}/api/v1/enrolments/export.csv{query[size]}", stream=True, timeout=600
                )
                assert response.status_code == 200, response.status_code
                lines = sum(chunk.count(b"\n") for chunk in response.iter_content(CHUNK))
            assert lines == rows[size] + 1, (lines, rows[size])  # header + rows
            peaks[size] = max(peaks.get(size, 0), rss.peak)

        over_http(small)  # the small export first: a growing export would show in the large one's peak
        timings = harness.interleave(
            {
                f"http {small}": lambda: over_http(small),
                f"psql {small}": lambda: _psql_copy(database, statements[small], small_rows),
                f"http {large}": lambda: over_http(large),
                f"psql {large}": lambda: _psql_copy(database, statements[large], large_rows),
            },
            inner=1,
        )
    results = []
    for size in (small, large):
        http_times, psql_times = timings[f"http {size}"], timings[f"psql {size}"]
        results.append(
            (
                f"roster CSV over HTTP rows/s ÷ psql \\copy rows/s, {size} rows (target >= 0.7)",
                harness.ratios(psql_times, http_times),
                f"{rows[size] / min(http_times):,.0f} vs {rows[size] / min(psql_times):,.0f} rows/s at best; "
                f"gunicorn 2 workers, {CHUNK // 1024} KiB reads",
            )
        )
    results.append(
        (
            f"roster CSV peak RSS of the gunicorn workers, {large} rows over {small} rows (target <= 1.2)",
            [peaks[large] / peaks[small]],
            f"{peaks[large] / 2**20:.0f} MiB vs {peaks[small] / 2**20:.0f} MiB",
        )
    )
    for name, plan in plans.items():
        shown = [line for line in plan if "Scan" in line or "Sort" in line or "Limit" in line]
        results.append((f"EXPLAIN of {name} at {large}", None, " | ".join(shown)))
    return results
