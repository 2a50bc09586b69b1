"""OneRoster enrollments: the last page against the first at 200,000 enrolments (target <= 1.5).

Seeds the roster of bench.roster_export (BENCH_ONEROSTER_ROWS enrolled students, default
200,000, SQL), then VACUUM ANALYZE, as autovacuum leaves a table that has settled (its visibility
map lets a walk over the covering index skip the heap). Times in turns `enrollments?limit=100`,
the same at the middle offset and at the last one, through the whole view (token, COUNT for
X-Total-Count, the page, the records), and counts the statements each makes (target: equal).

The last page is taken from the other end of the order (academy.oneroster.views.page_keys), so
the page that walks farthest is the middle one: its ratio is printed too, with no target in
issue 17, and the EXPLAIN of the key walk of the middle and last pages.
"""

import os
import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import harness, roster_export

PAGE = 100  # the spec's default limit
BASE = "/ims/oneroster/rostering/v1p2/enrollments"


def run(*, best_of):
    rows = int(os.environ.get("BENCH_ONEROSTER_ROWS", "200000"))
    _university, _intake, token = roster_export.seed(PAGE, rows)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) academy_enrolment")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    middle = rows // 2 // PAGE * PAGE
    urls = {
        "first": f"{BASE}?limit={PAGE}",
        "middle": f"{BASE}?limit={PAGE}&offset={middle}",
        "last": f"{BASE}?limit={PAGE}&offset={rows - PAGE}",
    }

    def page(name: str):
        def fetch() -> None:
            response = client.get(urls[name])
            assert response.status_code == 200 and len(response.json()["enrollments"]) == PAGE, (
                response.status_code
            )
            assert response["X-Total-Count"] == str(rows)

        return fetch

    statements, plans = {}, {}
    for name in urls:
        with CaptureQueriesContext(connection) as queries:
            page(name)()
        statements[name] = len(queries)
        plans[name] = _key_walk(queries.captured_queries[-1]["sql"])
    pages = harness.interleave({name: page(name) for name in urls})
    counted = ", ".join(f"{statements[name]} {name}" for name in urls)
    return [
        (
            f"OneRoster enrollments last page over first page, {harness.label(rows)} rows (target <= 1.5)",
            harness.ratios(pages["last"], pages["first"]),
            f"{harness.ms(pages['last'])} vs {harness.ms(pages['first'])}, {PAGE} records a page; "
            f"statements {counted} (target: equal)",
        ),
        (
            f"OneRoster enrollments middle page (offset {middle}) over first page (no target)",
            harness.ratios(pages["middle"], pages["first"]),
            f"{harness.ms(pages['middle'])} vs {harness.ms(pages['first'])}",
        ),
        (f"EXPLAIN key walk of the middle page at {harness.label(rows)}", None, plans["middle"]),
        (f"EXPLAIN key walk of the last page at {harness.label(rows)}", None, plans["last"]),
    ]


def _key_walk(sql: str) -> str:
    """The scans of academy_enrolment in the page statement's plan (its key subquery walks one)."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        plan = [row[0] for row in cursor.fetchall()]
    scans = [line.strip().removeprefix("->").strip() for line in plan if " on academy_enrolment " in line]
    return " | ".join(re.sub(r"\s+\(cost=.*", "", line) for line in scans)
