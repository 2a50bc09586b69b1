"""OneRoster enrollments: the last page against the first at 200,000 enrolments (target <= 1.5).

Seeds the roster of bench.roster_export (BENCH_ONEROSTER_ROWS enrolled students, default
200,000, SQL), then times in turns `enrollments?limit=100` and the same at the last offset,
through the whole view (token, COUNT for X-Total-Count, the page, the records), and the
statements each makes (target: equal).
"""

import os

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import harness, roster_export

PAGE = 100  # the spec's default limit
BASE = "/ims/oneroster/rostering/v1p2/enrollments"


def run(*, best_of):
    rows = int(os.environ.get("BENCH_ONEROSTER_ROWS", "200000"))
    _university, _intake, token = roster_export.seed(PAGE, rows)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    urls = {"first": f"{BASE}?limit={PAGE}", "last": f"{BASE}?limit={PAGE}&offset={rows - PAGE}"}

    def page(name: str):
        def fetch() -> None:
            response = client.get(urls[name])
            assert response.status_code == 200 and len(response.json()["enrollments"]) == PAGE, (
                response.status_code
            )
            assert response["X-Total-Count"] == str(rows)

        return fetch

    statements = {}
    for name in urls:
        with CaptureQueriesContext(connection) as queries:
            page(name)()
        statements[name] = len(queries)
    pages = harness.interleave({name: page(name) for name in urls})
    return [
        (
            f"OneRoster enrollments last page over first page, {harness.label(rows)} rows (target <= 1.5)",
            harness.ratios(pages["last"], pages["first"]),
            f"{harness.ms(pages['last'])} vs {harness.ms(pages['first'])}, {PAGE} records a page; "
            f"statements {statements['first']} first, {statements['last']} last (target: equal)",
        )
    ]
