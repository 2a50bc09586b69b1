"""The partner roster: CSV export, memory, and JSON pages, each against a baseline from the same run.

Seeds 200,000 enrolled students of one university (server-side INSERT … SELECT, seconds), then:

- CSV export end to end (WSGI handler, OAuth token, scoping, formula escaping in SQL, streaming)
  in rows/s, over rows/s of bare `COPY (the same SELECT without the escaping) TO STDOUT` read by
  psycopg on the same database: target >= 0.7 (every seeded phone number starts with +, so every
  row takes the escaping branch at least once);
- peak RSS while streaming 200,000 rows over peak RSS while streaming 20,000 (20k first, so a
  growing export shows): target <= 1.2;
- time of the last JSON page (1,000 rows) over the first: target <= 1.5.
"""

import base64
import datetime as dt
import secrets
from urllib.parse import urlencode

import psutil
from django.db import connection
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from academy.api import export
from academy.api.selectors import enrolments_for_university
from academy.models import ApiClient, Intake, Offering, Programme, University

ROWS = 200_000
SMALL = 20_000
PAGE = 1000


def _seed() -> tuple[University, Intake, str]:
    university = University.objects.create(code="bench", name="基准大学", short_name="基准")
    programme = Programme.objects.create(
        university=university,
        level="associate",
        major="电子商务",
        tuition="7200.00",
        description="-",
        study_mode="-",
    )
    now = timezone.now()
    small, large = (
        Intake.objects.create(
            name=name,
            applications_open_at=now - dt.timedelta(days=30),
            applications_close_at=now + dt.timedelta(days=30),
            starts_on=dt.date(2027, 3, 1),
        )
        for name in ("bench-small", "bench-large")
    )
    offerings = [
        Offering.objects.create(programme=programme, intake=i, seat_limit=ROWS) for i in (small, large)
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
                   CASE WHEN row_number() OVER (ORDER BY u.id) <= %(small)s THEN %(o1)s ELSE %(o2)s END,
                   CASE WHEN row_number() OVER (ORDER BY u.id) <= %(small)s THEN %(i1)s ELSE %(i2)s END,
                   'enrolled', 4, '', '', now(), '', 'S' || u.id
            FROM accounts_user u WHERE u.phone LIKE '+8616%%';
            ANALYZE;
            """,
            {
                "rows": ROWS,
                "small": SMALL,
                "o1": offerings[0].pk,
                "o2": offerings[1].pk,
                "i1": small.pk,
                "i2": large.pk,
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
        expires=timezone.now() + dt.timedelta(hours=2),
    )
    return university, small, token


def run(*, best_of):
    university, small, token = _seed()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    process = psutil.Process()
    peaks: dict[int, int] = {}

    def export_csv(query: str = "", rows: int = ROWS) -> None:
        response = client.get("/api/v1/enrolments/export.csv" + query)
        assert response.status_code == 200, response.status_code
        lines, peak = 0, process.memory_info().rss
        for index, chunk in enumerate(response.streaming_content):
            lines += chunk.count(b"\n")
            if index % 16 == 0:
                peak = max(peak, process.memory_info().rss)
        assert lines == rows + 1, lines  # header + rows
        peaks[rows] = max(peaks.get(rows, 0), peak)

    sql, params = export.roster_select(
        enrolments_for_university(university=university), escape_formulas=False
    )

    def copy_baseline() -> None:
        connection.ensure_connection()
        raw = connection.connection
        with raw.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
            lines = sum(bytes(block).count(b"\n") for block in copy)
        assert lines == ROWS, lines

    base = best_of(copy_baseline, repeat=3)
    measured = best_of(export_csv, repeat=3)
    export_csv(f"?intake={small.pk}", SMALL)  # 20k first, then 200k again: peak RSS may only grow
    peaks[SMALL] = 0
    export_csv(f"?intake={small.pk}", SMALL)
    rss_small = peaks[SMALL]
    peaks[ROWS] = 0
    export_csv()
    rss_large = peaks[ROWS]

    ids = list(enrolments_for_university(university=university).order_by("pk").values_list("pk", flat=True))
    last_cursor = base64.b64encode(urlencode({"p": ids[-PAGE - 1]}).encode()).decode()

    def page(url: str):
        def fetch() -> None:
            response = client.get(url)
            assert response.status_code == 200 and len(response.json()["results"]) == PAGE

        return fetch

    first = best_of(page(f"/api/v1/enrolments/?page_size={PAGE}"), repeat=7)
    last = best_of(page(f"/api/v1/enrolments/?page_size={PAGE}&cursor={last_cursor}"), repeat=7)
    csv_rate, copy_rate = ROWS / measured, ROWS / base
    return [
        (
            "roster CSV rows/s over bare COPY rows/s (target >= 0.7)",
            csv_rate / copy_rate,
            f"{csv_rate:,.0f} vs {copy_rate:,.0f} rows/s, {ROWS:,} rows",
        ),
        (
            "roster CSV peak RSS 200k over 20k (target <= 1.2)",
            rss_large / rss_small,
            f"{rss_large / 2**20:.0f} MiB vs {rss_small / 2**20:.0f} MiB",
        ),
        (
            "roster JSON last page over first page (target <= 1.5)",
            last / first,
            f"{last * 1000:.1f} ms vs {first * 1000:.1f} ms, {PAGE} rows per page of {ROWS:,}",
        ),
    ]
